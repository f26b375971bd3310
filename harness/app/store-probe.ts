import { session } from '../../stores/host-packages.ts';
import type { Cookie, CookieOptions, SessionData, Store } from 'express-session';
import { createLatencyHistogram, recordMs, summarize } from '../load/histogram.ts';
import type { StoreOperation, StoreOpLatency } from '../../contract/metrics.ts';
import { makePayload } from '../../scenarios/payload.ts';

/** A slow store (FerretDB on a busy machine) must not hold the probe past the parent's 30 s answer bound. */
const BUDGET_MS_PER_OPERATION = 1000;

/** What the intrinsic probe writes: a session shaped like the app's own after login. */
export interface ProbeOptions {
  /** Serial calls of each operation; fewer when one operation's calls exceed its time budget (the counts say so). */
  operations: number;
  payloadBytes: number;
  maxAgeMs: number;
  /**
   * Sessions already stored (a prefill): when given, the gets read random ones of them (uniformly,
   * not the sessions the probe just wrote, which a cache would hold), so "get" is a lookup in the
   * store at its size.
   */
  storedIds?: (index: number) => string;
  storedCount?: number;
}

/** express-session's own Cookie (its types omit the constructor's options): stores read its live `maxAge`. */
const SessionCookie = session.Cookie as unknown as new (options: CookieOptions) => Cookie;

function callOnce(store: Store, op: StoreOperation, sid: string, data: SessionData): Promise<unknown> {
  return new Promise((resolve) => {
    const done = (err?: unknown) => resolve(err);
    if (op === 'get') store.get(sid, done);
    else if (op === 'set') store.set(sid, data, done);
    else if (op === 'touch') store.touch?.(sid, data, done);
    else store.destroy(sid, done);
  });
}

/**
 * The store's intrinsic latency: `operations` sets, then as many gets (of random stored
 * sessions when `storedIds` is given, else of the same sessions), touches and destroys
 * of the sessions set, one call at a time with nothing else running, each timed from the
 * call to its callback. Set, get and touch stop early after 1 s each; destroy always covers
 * every session set, so the store is left as it was.
 */
export async function probeStore(store: Store, options: ProbeOptions): Promise<StoreOpLatency> {
  const payload = makePayload(options.payloadBytes);
  const prefix = `probe-${process.pid}-${Date.now()}-`;
  const sessionFor = (i: number) =>
    ({ cookie: new SessionCookie({ maxAge: options.maxAgeMs, httpOnly: true, sameSite: 'lax' }), user: { id: `${prefix}${i}` }, payload, counter: 0, items: [], views: 0 }) as unknown as SessionData;
  const sessions = Array.from({ length: options.operations }, (_, i) => sessionFor(i));
  let written = sessions.length;
  const out: StoreOpLatency = {};
  const order: StoreOperation[] = ['set', 'get', 'touch', 'destroy'];
  for (const op of order) {
    if (op === 'touch' && typeof store.touch !== 'function') continue;
    const histogram = createLatencyHistogram();
    const deadline = op === 'destroy' ? Infinity : performance.now() + BUDGET_MS_PER_OPERATION;
    let errors = 0;
    let i = 0;
    for (; i < written && performance.now() < deadline; i++) {
      const start = performance.now();
      const stored = op === 'get' && options.storedIds && options.storedCount ? options.storedIds(Math.floor(Math.random() * options.storedCount)) : undefined;
      const err = await callOnce(store, op, stored ?? `${prefix}${i}`, sessions[i]!);
      recordMs(histogram, performance.now() - start);
      if (err) errors += 1;
    }
    if (op === 'set') written = i;
    if (histogram.totalCount > 0) out[op] = { ...summarize(histogram), errors };
  }
  return out;
}
