import type { SessionData, Store } from 'express-session';

/** A Store call that failed, threw or did not call back in time; `message` says which call and how, in one line. */
export class StoreCallError extends Error {
  override readonly name = 'StoreCallError';
  constructor(
    /** How the call went wrong: an error through its callback, a synchronous throw, or no callback in time. */
    readonly how: 'failed' | 'threw' | 'no-callback',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Unbounded unless a caller gives a time limit. */
export interface StoreCallOptions {
  /** Milliseconds to wait for the callback before failing with StoreCallError. */
  timeoutMs?: number;
}

/**
 * express-session's callback Store API as a promise: the one wrapper every probe uses. A callback
 * error, a synchronous throw and (with `timeoutMs`) a missing callback each reject with a
 * StoreCallError naming the call; a second callback is ignored.
 */
export function storeCall<T>(what: string, fn: (cb: (err?: unknown, value?: T) => void) => void, options: StoreCallOptions = {}): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => reject(new StoreCallError('no-callback', `${what} did not call back within ${options.timeoutMs! / 1000} s`)), options.timeoutMs);
    try {
      fn((err, value) => {
        clearTimeout(timer);
        if (err) reject(new StoreCallError('failed', `${what} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
        else resolve(value);
      });
    } catch (error) {
      clearTimeout(timer);
      reject(new StoreCallError('threw', `${what} threw: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
    }
  });
}

/**
 * `store.get`, with an ENOENT error read as "no such session" the way express-session reads it
 * (session-file-store answers a missing session that way).
 */
export async function getStoredSession(store: Store, sid: string, options?: StoreCallOptions): Promise<SessionData | undefined> {
  try {
    return (await storeCall<SessionData | null>(`get(${sid})`, (cb) => store.get(sid, cb as (err: unknown, s?: SessionData | null) => void), options)) ?? undefined;
  } catch (error) {
    if (((error as Error).cause as { code?: unknown } | undefined)?.code === 'ENOENT') return undefined;
    throw error;
  }
}

/** `store.set`. */
export function setStoredSession(store: Store, sid: string, data: SessionData, options?: StoreCallOptions): Promise<unknown> {
  return storeCall(`set(${sid})`, (cb) => store.set(sid, data, cb), options);
}

/** `store.touch`; a store without one has nothing to do. */
export function touchStoredSession(store: Store, sid: string, data: SessionData, options?: StoreCallOptions): Promise<unknown> {
  return storeCall(`touch(${sid})`, (cb) => (store.touch ? store.touch(sid, data, cb) : cb()), options);
}

/** `store.destroy`. */
export function destroyStoredSession(store: Store, sid: string, options?: StoreCallOptions): Promise<unknown> {
  return storeCall(`destroy(${sid})`, (cb) => store.destroy(sid, cb), options);
}
