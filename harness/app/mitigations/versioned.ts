import { setTimeout as delay } from 'node:timers/promises';
import { guardSet } from './saved-sessions.ts';
import type { Mitigation, MitigationFactory } from './types.ts';
import { casFor, VERSION_FIELD, versionOf } from './versioned-cas.ts';
import type { Fields } from './versioned-cas.ts';

/**
 * How two saves that both changed a field are merged. The app's own routes decide this: a counter
 * adds both increments, an item list keeps both appends. Any other field: the later save wins.
 */
export const MERGE_RULES: Record<string, 'add' | 'append'> = { counter: 'add', views: 'add', items: 'append' };
/** A save among 20 parallel ones may lose the compare-and-set to each of the others once. */
const ATTEMPTS = 50;

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Three-way merge of this save (`mine`) into the stored session (`theirs`), both changed from `base`. */
export function merge(base: Fields, mine: Fields, theirs: Fields): Fields {
  const merged: Fields = { ...theirs };
  for (const key of new Set([...Object.keys(mine), ...Object.keys(base)])) {
    if (key === VERSION_FIELD || key === 'cookie' || same(mine[key], base[key])) continue; // unchanged here: keep theirs
    const [b, m, t] = [base[key], mine[key], theirs[key]];
    if (same(t, b)) merged[key] = m;
    else if (MERGE_RULES[key] === 'add' && typeof m === 'number' && typeof t === 'number') merged[key] = t + (m - (typeof b === 'number' ? b : 0));
    else if (MERGE_RULES[key] === 'append' && Array.isArray(m) && Array.isArray(t)) merged[key] = [...t, ...m.slice(Array.isArray(b) ? b.length : 0)];
    else merged[key] = m;
  }
  return merged;
}

/**
 * `versioned`: every save is a compare-and-set on the session's version. A stale save (another
 * save came first) is **merged**, not lost: the stored session is read, this request's changes are
 * applied to it by MERGE_RULES, and the compare-and-set is retried (counted). A session gone from
 * the store (logged out) is not written back (counted as a refused save). Requests still run in
 * parallel; only the saves are serialised, by the server.
 */
export const createVersioned: MitigationFactory = (adapter): Mitigation => {
  const { store, connection } = adapter;
  if (!store || !connection) throw new Error(`versioned: ${adapter.label} exposes no connection for a compare-and-set`);
  const cas = casFor(connection);
  const loadedAs = new WeakMap<object, Fields>();
  const createSession = store.createSession.bind(store);
  store.createSession = (req, data) => {
    const session = createSession(req, data);
    loadedAs.set(session, JSON.parse(JSON.stringify(data)) as Fields);
    return session;
  };
  let rejectedSaves = 0;
  let retries = 0;
  guardSet(
    store,
    async (sessionId, session, original) => {
      const loaded = loadedAs.get(session);
      if (!loaded) {
        (session as unknown as Fields)[VERSION_FIELD] = 1; // a new session: nobody else knows its id
        return original().then(() => true);
      }
      let base = loaded;
      let mine = JSON.parse(JSON.stringify(session)) as Fields;
      for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
        const outcome = await cas(sessionId, versionOf(base), { ...mine, [VERSION_FIELD]: versionOf(base) + 1, cookie: session.cookie });
        if (outcome.status === 'written') return true;
        if (outcome.status === 'gone') return false;
        retries += 1;
        mine = merge(base, mine, outcome.current);
        base = outcome.current;
        await delay(Math.random() * 2 * attempt); // spread the colliding saves out
      }
      rejectedSaves += 1;
      throw new Error(`session not saved: ${ATTEMPTS} compare-and-set attempts in a row found a newer version`);
    },
    () => {
      rejectedSaves += 1;
      return undefined;
    },
  );
  return { counts: () => ({ rejectedSaves, retries }), close: async () => {} };
};
