import { setTimeout as delay } from 'node:timers/promises';
import { session } from '../../stores/host-packages.ts';
import type { Cookie, CookieOptions, SessionData, Store } from 'express-session';
import { destroyStoredSession, getStoredSession, setStoredSession, storeCall, touchStoredSession } from '../../stores/store-calls.ts';
import { MECHANISM_PROBE, probeTouchRacingSet, probeTouchRewrites } from './mechanisms.ts';
import type { StoreCapabilities } from '../../contract/vocabulary.ts';

/**
 * The Store-API checks every express-session store must pass: one implementation, run by
 * `sessionbench conform` and by test/conformance.test.ts. Each check talks to the Store only
 * (no app, no HTTP) and returns a verdict as data.
 */

/** The checks, in the order they run (`clear` last: it empties the store). */
export const CONFORMANCE_CHECKS = [
  'set-get',
  'touch',
  'destroy',
  'length',
  'all',
  'ttl-honoured',
  'touch-extends-ttl',
  'ttl-over-30-days',
  'concurrent-sessions',
  'touch-vs-set',
  'destroy-vs-save',
  'clear',
] as const;
export type ConformanceCheck = (typeof CONFORMANCE_CHECKS)[number];

/** What a failed check observed, as a code (the `observed` text says it for people). */
export const CONFORMANCE_CAUSES = [
  /** The store gave back other data than was written (or a wrong kind of value). */
  'wrong-value',
  /** A session is missing that should be there. */
  'lost-session',
  /** A destroyed or cleared session is still there. */
  'not-removed',
  /** A session past its expiry is still returned. */
  'expired-returned',
  /** A session whose lifetime exceeds what the store can express vanished at once. */
  'ttl-over-limit',
  /** A touch wrote the whole (stale) session it was given, reverting a write made after it was loaded. */
  'touch-rewrites-session',
  /** A touch racing a write reverted it although a touch after the write did not: the server's update is not atomic. */
  'non-atomic-server-update',
  /** A destroy issued while a save was in flight did not stick: the save brought the session back. */
  'resurrected',
  /** A Store call failed or never called back. */
  'error',
] as const;
export type ConformanceCause = (typeof CONFORMANCE_CAUSES)[number];

/** One check's outcome. `observed` says what happened (always for a failure or a not-applicable). */
export type ConformanceVerdict =
  | { check: ConformanceCheck; status: 'pass'; observed?: string }
  | { check: ConformanceCheck; status: 'fail'; cause: ConformanceCause; observed: string }
  | { check: ConformanceCheck; status: 'not-applicable'; observed: string };

/** What the checks run against. */
export interface ConformanceSubject {
  /** The express-session Store; undefined for a store without one (the session lives in the cookie). */
  store: Store | undefined;
  /** The same store built with a 1-second maxAge (stores that take their TTL from their options expire by it). */
  shortLived: Store | undefined;
  capabilities: StoreCapabilities;
  /** Fields the store adds to every session it returns (declared, so not counted as wrong data). */
  bookkeepingFields?: readonly string[];
  /** `clear()` empties the whole store: only true for an embedded store or a server sessionbench started. */
  mayClear: boolean;
}

/** The lifetime of the short-lived store's sessions. */
export const SHORT_MAX_AGE_MS = 1000;
/** Past a short session's expiry, with slack for stores that count TTL in whole seconds. */
const EXPIRY_WAIT_MS = 2600;
const CONCURRENT_SESSIONS = 50;
const RESURRECTION_ROUNDS = 20;
/** The in-flight save carries this much, so it is slow to write. */
const SLOW_SAVE_BYTES = 256 * 1024;
/** A Store call that does not call back within this is a failure. */
const CALL_TIMEOUT_MS = 15_000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A check failed: what it observed and why. */
class Violation extends Error {
  constructor(readonly code: ConformanceCause, observed: string) {
    super(observed);
  }
}
/** The check does not apply to this store. */
class NotApplicable extends Error {}

function fail(cause: ConformanceCause, observed: string): never {
  throw new Violation(cause, observed);
}

/** A Store call within CALL_TIMEOUT_MS; a failure, a throw or a missing callback is a conformance error. */
function bounded<T>(call: Promise<T>): Promise<T> {
  return call.catch((error: unknown) => fail('error', (error as Error).message));
}

/** express-session's own Cookie (its types omit the constructor's options): stores read its live `maxAge`. */
const SessionCookie = session.Cookie as unknown as new (options: CookieOptions) => Cookie;

/** A session as express-session hands it to a store, with a `maxAgeMs` cookie. */
export function sessionData(maxAgeMs: number, fields: Record<string, unknown>): SessionData {
  return { cookie: new SessionCookie({ maxAge: maxAgeMs, httpOnly: true, path: '/' }), ...fields } as unknown as SessionData;
}

const limit = { timeoutMs: CALL_TIMEOUT_MS };
const set = (store: Store, sid: string, data: SessionData) => bounded(setStoredSession(store, sid, data, limit));
const destroy = (store: Store, sid: string) => bounded(destroyStoredSession(store, sid, limit));
const touch = (store: Store, sid: string, data: SessionData) => bounded(touchStoredSession(store, sid, data, limit));
const call = <T>(what: string, fn: (cb: (err?: unknown, value?: T) => void) => void) => bounded(storeCall<T>(what, fn, limit));
const get = async (store: Store, sid: string) => (await bounded(getStoredSession(store, sid, limit))) as Record<string, unknown> | undefined;

let sequence = 0;
const freshId = (label: string): string => `conform-${label}-${process.pid}-${Date.now().toString(36)}-${++sequence}`;

/** A value for a person, at most 120 characters. */
function show(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function requireStore(subject: ConformanceSubject): Store {
  if (!subject.store) throw new NotApplicable('no server-side Store: the whole session lives in the cookie');
  return subject.store;
}

function requireTouch(store: Store): void {
  if (typeof store.touch !== 'function') throw new NotApplicable('the Store has no touch(): express-session then never refreshes an unchanged session');
}

const PAYLOAD = {
  user: 'alice',
  n: 1,
  nested: { a: [1, { b: [true, null, 'x'] }], deep: { deeper: { deepest: 'ok' } } },
  unicode: 'Grüße, 東京, emoji 🎉, RTL שלום, zero-width \u200b',
  big: 'x'.repeat(100_000),
};

/** Sessions a count or listing check creates, marked so they can be found in `all()`. */
async function markedSessions(store: Store, label: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => freshId(label));
  await Promise.all(ids.map((sid) => set(store, sid, sessionData(60_000, { mark: sid }))));
  return ids;
}

type CheckBody = (subject: ConformanceSubject) => Promise<string | void>;

const CHECKS: Record<ConformanceCheck, { title: string; run: CheckBody }> = {
  'set-get': {
    title: 'set then get returns the session as set (nested JSON, unicode, 100 KB), and an update',
    run: async (subject) => {
      const store = requireStore(subject);
      const sid = freshId('crud');
      await set(store, sid, sessionData(60_000, PAYLOAD));
      const back = await get(store, sid);
      if (!back) fail('lost-session', 'get returned nothing right after set');
      const { cookie, ...data } = back;
      for (const field of subject.bookkeepingFields ?? []) delete data[field];
      if (!cookie) fail('wrong-value', 'the session came back without its cookie');
      if (JSON.stringify(data) !== JSON.stringify(PAYLOAD)) fail('wrong-value', `got ${show(data)}`);
      await set(store, sid, sessionData(60_000, { ...PAYLOAD, n: 2 }));
      const updated = (await get(store, sid))?.['n'];
      await destroy(store, sid);
      if (updated !== 2) fail('wrong-value', `after an update to n = 2, get returned n = ${show(updated)}`);
    },
  },
  touch: {
    title: 'touch keeps the session and its data',
    run: async (subject) => {
      const store = requireStore(subject);
      requireTouch(store);
      const sid = freshId('touch');
      await set(store, sid, sessionData(60_000, { user: 'alice', n: 2 }));
      await touch(store, sid, sessionData(60_000, { user: 'alice', n: 2 }));
      const back = await get(store, sid);
      await destroy(store, sid);
      if (back?.['n'] !== 2) fail(back ? 'wrong-value' : 'lost-session', `after touch, get returned ${show(back)}`);
    },
  },
  destroy: {
    title: 'destroy removes the session',
    run: async (subject) => {
      const store = requireStore(subject);
      const sid = freshId('destroy');
      await set(store, sid, sessionData(60_000, { user: 'alice' }));
      await destroy(store, sid);
      const back = await get(store, sid);
      if (back !== undefined) fail('not-removed', `get after destroy returned ${show(back)}`);
    },
  },
  length: {
    title: 'length() counts the sessions',
    run: async (subject) => {
      const store = requireStore(subject);
      if (typeof store.length !== 'function') throw new NotApplicable('the Store has no length()');
      const ids = await markedSessions(store, 'length', 3);
      const length = store.length.bind(store);
      const counted = await call<unknown>('length()', (cb) => length(cb as (err: unknown, n?: number) => void));
      await Promise.all(ids.map((sid) => destroy(store, sid)));
      if (typeof counted !== 'number' || !Number.isInteger(counted)) fail('wrong-value', `length() returned ${typeof counted} ${show(counted)}, not a count`);
      if (counted < ids.length) fail('wrong-value', `length() returned ${counted} with at least ${ids.length} sessions stored`);
      return `${counted} sessions`;
    },
  },
  all: {
    title: 'all() lists the sessions',
    run: async (subject) => {
      const store = requireStore(subject);
      if (typeof store.all !== 'function') throw new NotApplicable('the Store has no all()');
      const ids = await markedSessions(store, 'all', 3);
      const all = store.all.bind(store);
      const listed = await call<unknown>('all()', (cb) => all(cb as Parameters<typeof all>[0]));
      await Promise.all(ids.map((sid) => destroy(store, sid)));
      if (typeof listed !== 'object' || listed === null) fail('wrong-value', `all() returned ${show(listed)}`);
      const marks = new Set(Object.values(listed).map((session) => (session as { mark?: unknown } | null)?.mark));
      const missing = ids.filter((sid) => !marks.has(sid));
      if (missing.length > 0) fail('lost-session', `all() left out ${missing.length} of ${ids.length} sessions just stored`);
    },
  },
  'ttl-honoured': {
    title: `a ${SHORT_MAX_AGE_MS / 1000} s session is gone once it expires`,
    run: async (subject) => {
      requireStore(subject);
      const store = subject.shortLived!;
      const sid = freshId('expiry');
      await set(store, sid, sessionData(SHORT_MAX_AGE_MS, { user: 'brief' }));
      if ((await get(store, sid)) === undefined) fail('lost-session', 'the session was gone right after set');
      await delay(EXPIRY_WAIT_MS);
      const back = await get(store, sid);
      if (back !== undefined) {
        await destroy(store, sid);
        fail('expired-returned', `get returned the session ${EXPIRY_WAIT_MS} ms after it was set with a ${SHORT_MAX_AGE_MS} ms maxAge`);
      }
    },
  },
  'touch-extends-ttl': {
    title: 'touch carries a 2 s session past its first expiry',
    run: async (subject) => {
      const store = requireStore(subject);
      requireTouch(store);
      const sid = freshId('extend');
      await set(store, sid, sessionData(2000, { user: 'touched' }));
      await delay(1200);
      await touch(store, sid, sessionData(5000, { user: 'touched' }));
      await delay(1800);
      const back = await get(store, sid);
      await destroy(store, sid);
      if (back?.['user'] !== 'touched') fail('lost-session', 'gone 3 s after a 2 s session was touched at 1.2 s with a 5 s maxAge');
    },
  },
  'ttl-over-30-days': {
    title: 'a session with a 31-day maxAge is kept (29 days too)',
    run: async (subject) => {
      const store = requireStore(subject);
      const within = freshId('29d');
      await set(store, within, sessionData(29 * DAY_MS, { user: 'long-lived' }));
      const short = await get(store, within);
      await destroy(store, within);
      if (short?.['user'] !== 'long-lived') fail('lost-session', `a 29-day session: get returned ${show(short)}`);
      const sid = freshId('31d');
      await set(store, sid, sessionData(31 * DAY_MS, { user: 'long-lived' }));
      const back = await get(store, sid);
      await destroy(store, sid);
      if (back?.['user'] !== 'long-lived') {
        const limit = subject.capabilities.ttlLimit;
        fail('ttl-over-limit', `a 31-day session was gone right after set${limit ? ` (declared ttlLimit ${limit.seconds} s: ${limit.reason})` : ''}`);
      }
    },
  },
  'concurrent-sessions': {
    title: `${CONCURRENT_SESSIONS} distinct sessions set, read and destroyed concurrently`,
    run: async (subject) => {
      const store = requireStore(subject);
      const ids = Array.from({ length: CONCURRENT_SESSIONS }, () => freshId('many'));
      await Promise.all(ids.map((sid) => set(store, sid, sessionData(60_000, { mark: sid }))));
      const back = await Promise.all(ids.map((sid) => get(store, sid)));
      await Promise.all(ids.map((sid) => destroy(store, sid)));
      const wrong = ids.filter((sid, index) => back[index]?.['mark'] !== sid).length;
      if (wrong > 0) fail('lost-session', `${wrong} of ${CONCURRENT_SESSIONS} sessions did not come back as set`);
      const left = (await Promise.all(ids.map((sid) => get(store, sid)))).filter((session) => session !== undefined).length;
      if (left > 0) fail('not-removed', `${left} of ${CONCURRENT_SESSIONS} sessions were still there after destroy`);
    },
  },
  'touch-vs-set': {
    title: 'a touch racing a set does not revert it',
    run: async (subject) => {
      const store = requireStore(subject);
      requireTouch(store);
      // The same probes the race scenario names its loss causes from (harness/probes/mechanisms.ts).
      if (await bounded(probeTouchRewrites(store))) fail('touch-rewrites-session', 'a touch carrying the session loaded before a write put its counter back from 1 to 0: touch wrote the whole session, not just its expiry');
      const { touchRounds, touchesPerRound } = MECHANISM_PROBE;
      const { reverted } = await bounded(probeTouchRacingSet(store, touchRounds, touchesPerRound));
      if (reverted > 0) {
        fail('non-atomic-server-update', `the write was reverted in ${reverted} of ${touchRounds} rounds of one set racing ${touchesPerRound} touches, though a touch after the write did not revert it: the update is not atomic`);
      }
      return `0 of ${touchRounds} writes reverted by ${touchesPerRound} racing touches`;
    },
  },
  'destroy-vs-save': {
    title: 'a destroy issued while a slow save is in flight sticks (no resurrection)',
    run: async (subject) => {
      const store = requireStore(subject);
      let resurrected = 0;
      for (let round = 0; round < RESURRECTION_ROUNDS; round += 1) {
        const sid = freshId('resurrect');
        await set(store, sid, sessionData(60_000, { user: 'leaving' }));
        const save = set(store, sid, sessionData(60_000, { user: 'leaving', big: 'y'.repeat(SLOW_SAVE_BYTES) }));
        const gone = destroy(store, sid);
        await Promise.all([save, gone]);
        if ((await get(store, sid)) !== undefined) {
          resurrected += 1;
          await destroy(store, sid);
        }
      }
      if (resurrected > 0) fail('resurrected', `${resurrected} of ${RESURRECTION_ROUNDS} sessions were back after a destroy issued while a ${SLOW_SAVE_BYTES / 1024} KB save was in flight`);
      return `0 of ${RESURRECTION_ROUNDS} sessions came back`;
    },
  },
  clear: {
    title: 'clear() removes every session',
    run: async (subject) => {
      const store = requireStore(subject);
      if (typeof store.clear !== 'function') throw new NotApplicable('the Store has no clear()');
      if (!subject.mayClear) throw new NotApplicable('not run: clear() would delete every session on a server sessionbench did not start');
      const ids = await markedSessions(store, 'clear', 3);
      const clear = store.clear.bind(store);
      await call('clear()', (cb) => clear(cb as (err?: unknown) => void));
      const left = (await Promise.all(ids.map((sid) => get(store, sid)))).filter((session) => session !== undefined).length;
      if (left > 0) fail('not-removed', `${left} of ${ids.length} sessions were still there after clear()`);
    },
  },
};

/** What a check verifies, in one line. */
export function checkTitle(check: ConformanceCheck): string {
  return CHECKS[check].title;
}

/** Runs one check; never throws. */
export async function runCheck(check: ConformanceCheck, subject: ConformanceSubject): Promise<ConformanceVerdict> {
  try {
    const note = await CHECKS[check].run(subject);
    return note ? { check, status: 'pass', observed: note } : { check, status: 'pass' };
  } catch (error) {
    if (error instanceof NotApplicable) return { check, status: 'not-applicable', observed: error.message };
    if (error instanceof Violation) return { check, status: 'fail', cause: error.code, observed: error.message };
    return { check, status: 'fail', cause: 'error', observed: `the check threw: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** Runs every check in order, reporting each verdict as it comes. */
export async function runConformance(subject: ConformanceSubject, onVerdict: (verdict: ConformanceVerdict) => void = () => {}): Promise<ConformanceVerdict[]> {
  const verdicts: ConformanceVerdict[] = [];
  for (const check of CONFORMANCE_CHECKS) {
    const verdict = await runCheck(check, subject);
    verdicts.push(verdict);
    onVerdict(verdict);
  }
  return verdicts;
}
