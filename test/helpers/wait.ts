import { setTimeout as delay } from 'node:timers/promises';

/**
 * Polls `check` every `everyMs` until it returns a value other than undefined or false, and
 * returns that value; fails with `what` after `timeoutMs`. The one way a test waits for something
 * to happen (or to be gone), instead of sleeping a fixed time and hoping.
 */
export async function waitUntil<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, { timeoutMs = 10_000, everyMs = 50 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms waiting until ${what}`);
    await delay(everyMs);
  }
}
