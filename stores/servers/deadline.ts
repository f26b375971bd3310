/** How long a server may take to answer a connection and its first question (identify, adapters' connect). */
export const CONNECT_TIMEOUT_MS = 2500;
/**
 * How long one store command may take once connected: longer than the outage scenario's pause,
 * so a short outage is ridden out, yet bounded, so a server that stops answering fails the run.
 */
export const COMMAND_TIMEOUT_MS = 10_000;

/**
 * Settles as `work` does, or rejects with "no answer within N ms" once `ms` have passed and
 * calls `onTimeout` to release what `work` holds. The timer keeps the process alive on purpose:
 * a client that drops its last handle must not end the process with the promise unsettled.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new Error(`no answer within ${ms} ms`));
    }, ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
