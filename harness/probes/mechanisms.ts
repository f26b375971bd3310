/**
 * Probes that name how a store loses session writes, measured directly instead of guessed:
 * - server atomicity: one update of a field racing several updates of another field of one
 *   record, through the store's own client (adapter.fieldUpdates);
 * - touch rewrites the session: after a newer `set`, the Store's `touch` with the older copy;
 * - touch racing set: a `set` of the newer copy sent amid `touch`es with the older one;
 * - stale full save: a `set` with a copy that lacks a newer field.
 * The Store calls go through express-session's Store API, as express-session makes them.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { session } from '../../stores/host-packages.ts';
import type { SessionData, Store } from 'express-session';
import type { ProbeCount, RaceMechanisms } from '../../scenarios/race/observations.ts';
import type { FieldUpdates, StoreAdapter } from '../../stores/types.ts';
import { destroyStoredSession, getStoredSession, setStoredSession, touchStoredSession } from '../../stores/store-calls.ts';

/** Rounds and racing writers of each probe; enough to see a race that happens in a few percent of rounds. */
export const MECHANISM_PROBE: MechanismProbeOptions = { atomicityRounds: 100, racingUpdates: 4, touchRounds: 50, touchesPerRound: 9 };

/** How many rounds each probe runs, and how many updates race the one under test. */
export interface MechanismProbeOptions {
  atomicityRounds: number;
  racingUpdates: number;
  touchRounds: number;
  /** Touches fired with each racing write: one write against many read-modify-writes exposes a non-atomic update. */
  touchesPerRound: number;
}

type ProbeSession = SessionData & { counter: number; items?: string[] };

function sessionWith(counter: number, items?: string[]): ProbeSession {
  const cookie = new session.Cookie();
  cookie.maxAge = 3_600_000;
  return { cookie, counter, ...(items ? { items } : {}) } as ProbeSession;
}

function read(store: Store, sid: string): Promise<ProbeSession | undefined> {
  return getStoredSession(store, sid) as Promise<ProbeSession | undefined>;
}

const set = (store: Store, sid: string, data: ProbeSession) => setStoredSession(store, sid, data);
const touch = (store: Store, sid: string, data: ProbeSession) => touchStoredSession(store, sid, data);
const destroy = (store: Store, sid: string) => destroyStoredSession(store, sid);

/** Server atomicity: per round, field `a` set once while field `b` is set `racingUpdates` times at the same moment; a lost `a` is a reverted update. */
export async function probeServerAtomicity(updates: FieldUpdates, rounds: number, racingUpdates: number): Promise<ProbeCount> {
  const keys: string[] = [];
  let reverted = 0;
  try {
    for (let round = 0; round < rounds; round++) {
      const key = `sessionbench-probe-${randomUUID()}`;
      keys.push(key);
      await updates.create(key);
      await Promise.all([updates.setField(key, 'a', 1), ...Array.from({ length: racingUpdates }, (_, i) => updates.setField(key, 'b', i + 1))]);
      const { a } = await updates.read(key);
      if (a !== 1) reverted++;
    }
  } finally {
    await updates.cleanup(keys);
  }
  return { rounds, reverted };
}

/** After `set` of a newer session, `touch` with the older one: does the older data come back? */
export async function probeTouchRewrites(store: Store): Promise<boolean> {
  const sid = `probe-${randomUUID()}`;
  try {
    await set(store, sid, sessionWith(0));
    await set(store, sid, sessionWith(1));
    await touch(store, sid, sessionWith(0));
    return (await read(store, sid))?.counter === 0;
  } finally {
    await destroy(store, sid);
  }
}

/**
 * The `set` of a newer session sent amid `touches` touches with the older one (as parallel reads
 * touch while one request saves), `rounds` times: rounds where the newer data was lost.
 */
export async function probeTouchRacingSet(store: Store, rounds: number, touches: number): Promise<ProbeCount> {
  let reverted = 0;
  for (let round = 0; round < rounds; round++) {
    const sid = `probe-${randomUUID()}`;
    await set(store, sid, sessionWith(0));
    await delay(2);
    // Each touch carries a fresh expiry, as express-session's req.session.touch() sets one on every request
    // (a touch repeating the stored expiry can be a no-op write on the server and hide the race).
    const touchesOfStale = (count: number) => Array.from({ length: count }, () => touch(store, sid, sessionWith(0)));
    const before = touchesOfStale(Math.floor(touches / 2));
    const saved = set(store, sid, sessionWith(1));
    await Promise.all([...before, saved, ...touchesOfStale(Math.ceil(touches / 2))]);
    if ((await read(store, sid))?.counter !== 1) reverted++;
    await destroy(store, sid);
  }
  return { rounds, reverted };
}

/** A `set` with a copy lacking a newer field: is the field gone (the save wrote the whole, stale session)? */
async function probeStaleFullSave(store: Store): Promise<boolean> {
  const sid = `probe-${randomUUID()}`;
  try {
    await set(store, sid, sessionWith(1, ['newer']));
    await set(store, sid, sessionWith(0));
    const stored = await read(store, sid);
    return stored !== undefined && stored.items === undefined;
  } finally {
    await destroy(store, sid);
  }
}

/** Runs every mechanism probe on an adapter's store and own client; undefined when the adapter has no express-session Store. */
export async function probeMechanisms(adapter: StoreAdapter, options: MechanismProbeOptions = MECHANISM_PROBE): Promise<RaceMechanisms | undefined> {
  const store = adapter.store;
  if (!store) return undefined;
  const server = adapter.fieldUpdates ? await probeServerAtomicity(adapter.fieldUpdates, options.atomicityRounds, options.racingUpdates) : undefined;
  return {
    serverUpdatesAtomic: server ? server.reverted === 0 : 'not-applicable',
    ...(server && adapter.fieldUpdates ? { serverUpdateProbe: { ...server, description: `${adapter.fieldUpdates.description}: one update racing ${options.racingUpdates} of another field` } } : {}),
    touchRewritesSession: await probeTouchRewrites(store),
    touchRacingSet: await probeTouchRacingSet(store, options.touchRounds, options.touchesPerRound),
    staleFullSave: await probeStaleFullSave(store),
  };
}
