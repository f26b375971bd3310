import { setTimeout as delay } from 'node:timers/promises';
import { session } from '../../stores/host-packages.ts';
import type { Cookie, CookieOptions, SessionData, Store } from 'express-session';
import { StoreCallError, destroyStoredSession, getStoredSession, setStoredSession, storeCall, touchStoredSession } from '../../stores/store-calls.ts';
import { MECHANISM_PROBE, probeTouchRacingSet, probeTouchRewrites } from './mechanisms.ts';
import type { StoreCapabilities } from '../../contract/vocabulary.ts';

/**
 * The Store-API checks every express-session store must pass: one implementation, run by
 * `sessionbench conform` and by test/conformance.test.ts. Each check talks to the Store only
 * (no app, no HTTP) and returns a verdict as data.
 */

/** The checks, in the order they run (`clear` last but for `quiet-stdout`, which reads what the others made the store print). */
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
  'isolation',
  'calls-back',
  'calls-back-once',
  'errors-via-callback',
  'clear',
  'quiet-stdout',
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
  /** A read returned another session's data. */
  'leaked-session',
  /** A Store call never called back (express-session then never answers the request). */
  'no-callback',
  /** A Store call called back twice (express-session then answers or saves twice). */
  'double-callback',
  /** A Store call threw instead of passing its error to the callback (outside the call, that ends the app's process). */
  'thrown-error',
  /** The store wrote to stdout. */
  'wrote-stdout',
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
  /**
   * The store runs in its own process (a store box): a throw outside a call ends that process, not
   * this one, so the checks that provoke one run; `stdoutBytes` is what it wrote to stdout so far.
   */
  contained?: { stdoutBytes(): number; lastStdoutLine(): string; ended(): string | undefined };
}

/**
 * The lifetime of the short-lived store's sessions. Not a whole second: connect-memcached hands memcached
 * `maxAge / 1000 | 0` seconds and memcached's clock ticks once a second, so a session of 1–1.999 s gets TTL 1
 * (gone at the next tick, perhaps a millisecond later) or TTL 0 (never expires). At 2.5 s it gets TTL 2 and
 * lives 1–2 s, so the check tests expiry, not rounding.
 */
export const SHORT_MAX_AGE_MS = 2500;
/** Past a short session's expiry, with slack for stores that count TTL in whole seconds. */
export const EXPIRY_WAIT_MS = SHORT_MAX_AGE_MS + 1600;
const CONCURRENT_SESSIONS = 50;
const RESURRECTION_ROUNDS = 20;
/** The in-flight save carries this much, so it is slow to write. */
const SLOW_SAVE_BYTES = 256 * 1024;
/** A Store call that does not call back within this is a failure. */
const CALL_TIMEOUT_MS = 5_000;
/** After a call that fails, how long the store's process is watched for a throw that escaped it. */
const AFTERMATH_WAIT_MS = 500;
/** After a first callback, how long a second one is waited for. */
const SECOND_CALLBACK_WAIT_MS = 300;
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

/**
 * What a failed call says about the store when it ran in a store box (harness/app/store-box.ts):
 * the box tags a throw, a missing callback or the end of the store's process with a `fault`.
 */
function causeOf(error: unknown): ConformanceCause {
  const fault = (error as { fault?: unknown } | null | undefined)?.fault;
  if (fault === 'threw' || fault === 'uncaught') return 'thrown-error';
  if (fault === 'no-callback') return 'no-callback';
  return 'error';
}

/** A Store call within CALL_TIMEOUT_MS; a failure, a throw or a missing callback is a conformance violation named by its cause. */
function bounded<T>(call: Promise<T>): Promise<T> {
  return call.catch((error: unknown) => {
    const how = error instanceof StoreCallError ? error.how : undefined;
    fail(how === 'no-callback' ? 'no-callback' : how === 'threw' ? 'thrown-error' : causeOf((error as Error).cause ?? error), (error as Error).message);
  });
}

/** How one Store call answered: callbacks counted for a while after the first, a throw, or nothing in time. */
interface CallOutcome {
  callbacks: number;
  error?: unknown;
  /** Thrown by the method (or, in a box, thrown there and reported). */
  threw?: unknown;
  /** The store's process ended during the call; `thrown` when by a throw outside the call. */
  ended?: { message: string; thrown: boolean };
}

/** Makes one call and watches how it answers: every callback within the bound and a short wait after the first. */
function observeCall(fn: (cb: (err?: unknown, value?: unknown) => void) => void): Promise<CallOutcome> {
  return new Promise((resolve) => {
    const outcome: CallOutcome = { callbacks: 0 };
    const finish = () => {
      clearTimeout(bound);
      resolve(outcome);
    };
    const bound = setTimeout(finish, CALL_TIMEOUT_MS);
    try {
      fn((err) => {
        const fault = (err as { fault?: unknown } | null | undefined)?.fault;
        if (fault === 'threw') return void ((outcome.threw = err), finish());
        if (fault === 'process-ended' || fault === 'uncaught') return void ((outcome.ended = { message: (err as Error).message, thrown: fault === 'uncaught' }), finish());
        if (fault === 'no-callback') return;
        outcome.callbacks += 1;
        if (outcome.callbacks === 1) {
          outcome.error = err ?? undefined;
          clearTimeout(bound);
          setTimeout(finish, SECOND_CALLBACK_WAIT_MS);
        }
      });
    } catch (error) {
      outcome.threw = error;
      finish();
    }
  });
}

/** The calls express-session makes, each on its own session, a missing session too; a store's optional methods when it has them. */
async function everyCall(store: Store): Promise<Array<{ call: string; outcome: CallOutcome }>> {
  const sid = freshId('calls');
  const missing = freshId('missing');
  const calls: Array<[string, (cb: (err?: unknown, value?: unknown) => void) => void]> = [
    [`set`, (cb) => store.set(sid, sessionData(60_000, { n: 1 }), cb)],
    [`get`, (cb) => store.get(sid, cb as Parameters<Store['get']>[1])],
    [`get of a missing session`, (cb) => store.get(missing, cb as Parameters<Store['get']>[1])],
    ...(typeof store.touch === 'function' ? [[`touch`, (cb: (err?: unknown) => void) => store.touch!(sid, sessionData(60_000, { n: 1 }), cb)] as [string, (cb: (err?: unknown) => void) => void]] : []),
    ...(typeof store.length === 'function' ? [[`length`, (cb: (err?: unknown) => void) => store.length!(cb as Parameters<NonNullable<Store['length']>>[0])] as [string, (cb: (err?: unknown) => void) => void]] : []),
    ...(typeof store.all === 'function' ? [[`all`, (cb: (err?: unknown) => void) => store.all!(cb as Parameters<NonNullable<Store['all']>>[0])] as [string, (cb: (err?: unknown) => void) => void]] : []),
    [`destroy`, (cb) => store.destroy(sid, cb)],
    [`destroy of a missing session`, (cb) => store.destroy(missing, cb)],
  ];
  const outcomes: Array<{ call: string; outcome: CallOutcome }> = [];
  for (const [call, fn] of calls) {
    const outcome = await observeCall(fn);
    outcomes.push({ call, outcome });
    if (outcome.ended) break;
  }
  return outcomes;
}

/** A call during which the store's process ended fails the check with that reason. */
function failIfEnded(outcomes: Array<{ call: string; outcome: CallOutcome }>): void {
  const ended = outcomes.find(({ outcome }) => outcome.ended);
  if (ended?.outcome.ended) fail(ended.outcome.ended.thrown ? 'thrown-error' : 'error', `during ${ended.call}: ${ended.outcome.ended.message}`);
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
    title: `touch carries a ${SHORT_MAX_AGE_MS / 1000} s session past its first expiry`,
    run: async (subject) => {
      const store = requireStore(subject);
      requireTouch(store);
      const sid = freshId('extend');
      // The short lifetime, touched within its first second: memcached holds it (TTL 2) for 1–2 s, a 2 s session for as little as 0–1 s.
      await set(store, sid, sessionData(SHORT_MAX_AGE_MS, { user: 'touched' }));
      await delay(800);
      await touch(store, sid, sessionData(5000, { user: 'touched' }));
      await delay(SHORT_MAX_AGE_MS + 1100 - 800);
      const back = await get(store, sid);
      await destroy(store, sid);
      if (back?.['user'] !== 'touched') fail('lost-session', `gone ${(SHORT_MAX_AGE_MS + 1100) / 1000} s after a ${SHORT_MAX_AGE_MS / 1000} s session was touched at 0.8 s with a 5 s maxAge`);
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
  isolation: {
    title: "a read returns its own session's data, and nothing for an id never stored",
    run: async (subject) => {
      const store = requireStore(subject);
      const [first, second, never] = [freshId('alice'), freshId('bob'), freshId('never')];
      await set(store, first, sessionData(60_000, { owner: first }));
      await set(store, second, sessionData(60_000, { owner: second }));
      const [a, b, none] = [await get(store, first), await get(store, second), await get(store, never)];
      await Promise.all([destroy(store, first), destroy(store, second)]);
      const whose = (read: Record<string, unknown> | undefined) => (read?.['owner'] === first ? 'the first' : read?.['owner'] === second ? 'the second' : 'another');
      if (a?.['owner'] !== first) fail(a ? 'leaked-session' : 'lost-session', `get of the first session returned ${a ? `${whose(a)} session's data` : 'nothing'}`);
      if (b?.['owner'] !== second) fail(b ? 'leaked-session' : 'lost-session', `get of the second session returned ${b ? `${whose(b)} session's data` : 'nothing'}`);
      if (none !== undefined) fail('leaked-session', `get of an id never stored returned ${none['owner'] === first || none['owner'] === second ? "another session's data" : show(none)}`);
    },
  },
  'calls-back': {
    title: `every Store call calls back within ${CALL_TIMEOUT_MS / 1000} s (a missing session too)`,
    run: async (subject) => {
      const outcomes = await everyCall(requireStore(subject));
      failIfEnded(outcomes);
      const silent = outcomes.filter(({ outcome }) => outcome.callbacks === 0 && outcome.threw === undefined).map(({ call }) => call);
      if (silent.length > 0) fail('no-callback', `no callback within ${CALL_TIMEOUT_MS / 1000} s from ${silent.join(', ')}: express-session would never answer that request`);
      return `${outcomes.length} calls`;
    },
  },
  'calls-back-once': {
    title: 'every Store call calls back exactly once',
    run: async (subject) => {
      const outcomes = await everyCall(requireStore(subject));
      failIfEnded(outcomes);
      const twice = outcomes.filter(({ outcome }) => outcome.callbacks > 1).map(({ call, outcome }) => `${call} (${outcome.callbacks} times)`);
      if (twice.length > 0) fail('double-callback', `called back more than once: ${twice.join(', ')}; express-session would answer or save twice`);
      return `${outcomes.length} calls`;
    },
  },
  'errors-via-callback': {
    title: 'a store error reaches the callback, not thrown (a session JSON cannot hold: a BigInt)',
    run: async (subject) => {
      const store = requireStore(subject);
      if (!subject.contained) throw new NotApplicable('runs only with the store in its own process (sessionbench conform runs it so): a throw outside the call would end this one');
      const sid = freshId('bigint');
      const outcome = await observeCall((cb) => store.set(sid, sessionData(60_000, { n: 10n }), cb));
      if (outcome.ended) fail(outcome.ended.thrown ? 'thrown-error' : 'error', `set() of a session holding a BigInt: ${outcome.ended.message}`);
      if (outcome.threw !== undefined) {
        const message = (outcome.threw as Error).message;
        fail('thrown-error', causeOf(outcome.threw) === 'thrown-error' ? `a session holding a BigInt: ${message}` : `set() of a session holding a BigInt threw instead of calling back: ${message}`);
      }
      // A store may call back with the error and still let it escape (a rejected promise nobody awaits).
      await delay(AFTERMATH_WAIT_MS);
      const ended = subject.contained.ended();
      if (ended) fail('thrown-error', `set() of a session holding a BigInt called back${outcome.error ? ' with the error' : ''}, then: ${ended}`);
      if (outcome.callbacks === 0) fail('no-callback', `set() of a session holding a BigInt did not call back within ${CALL_TIMEOUT_MS / 1000} s`);
      if (outcome.error === undefined) {
        await destroy(store, sid);
        return 'the store accepted the session';
      }
      return `set() called back with: ${outcome.error instanceof Error ? outcome.error.message : String(outcome.error)}`;
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
  'quiet-stdout': {
    title: 'the store writes nothing to stdout (it belongs to the app: a --json pipe, a protocol)',
    run: async (subject) => {
      if (!subject.contained) throw new NotApplicable('runs only with the store in its own process (sessionbench conform runs it so): here its output cannot be told apart');
      const bytes = subject.contained.stdoutBytes();
      if (bytes > 0) fail('wrote-stdout', `${bytes} bytes on stdout, the last line: ${show(subject.contained.lastStdoutLine())}`);
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
