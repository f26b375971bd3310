import { setTimeout as delay } from 'node:timers/promises';
import type { ServerKind } from '../../contract/vocabulary.ts';
import { identifyServer } from './identify.ts';
import type { ServerIdentity } from './kind.ts';

/**
 * Default bound on waiting for a started server to answer. Generous: `--store all` starts five
 * servers at once (MariaDB's and PostgreSQL's first start are CPU-heavy), and on a busy 2-core
 * machine a Redis that had logged "Ready" still went unanswered for 15 s. A server that hangs
 * is still given up on, and its output is in the error.
 */
export const READY_TIMEOUT_MS = 30_000;

/**
 * Retries `identifyServer` until the server answers, `exited` settles (the
 * process died: no point waiting) or `timeoutMs` passes; the error says which.
 */
export async function waitUntilReady(
  kind: ServerKind,
  url: string,
  options: { timeoutMs?: number; exited?: Promise<string>; output?: () => string } = {},
): Promise<ServerIdentity> {
  const deadline = Date.now() + (options.timeoutMs ?? READY_TIMEOUT_MS);
  let exit: string | undefined;
  void options.exited?.then((how) => (exit = how));
  let lastError: unknown;
  while (Date.now() < deadline && exit === undefined) {
    try {
      return await identifyServer(kind, url, 1000);
    } catch (error) {
      lastError = error;
      await delay(100);
    }
  }
  const tail = options.output?.().trim().split('\n').slice(-5).join('\n');
  const why = exit !== undefined ? `the process ended (${exit})` : `no answer within ${options.timeoutMs ?? READY_TIMEOUT_MS} ms`;
  const said = tail ? `; its last output: ${tail.replace(/\s+/g, ' ').slice(-300)}` : '';
  throw new Error(`${kind}: server not ready: ${why}; last error: ${(lastError as Error | undefined)?.message ?? 'none'}${said}`);
}
