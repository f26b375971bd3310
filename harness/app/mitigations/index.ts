import type { MitigationId, AnyStoreId } from '../../../contract/vocabulary.ts';
import type { MitigationFactory } from './types.ts';

/** One remedy: what it does, where its code is, which stores it applies to, and how to build it. */
export interface MitigationDefinition {
  /** One line for help and reports. */
  summary: string;
  /** The module a team can copy (relative to the repository). */
  modules: string[];
  /** True when it applies to the store, else why not (recorded on a skipped entry). */
  applies(store: AnyStoreId): true | string;
  /** Loaded in the app process only. */
  load(): Promise<MitigationFactory>;
}

const SERVER_SIDE_SESSION = 'it guards express-session saves; this store keeps no server-side session (the baseline, or cookie-session whose state is the cookie itself)';
const expressSession = (store: AnyStoreId): true | string => (store === 'none' || store === 'cookie' ? SERVER_SIDE_SESSION : true);
const only = (stores: Partial<Record<AnyStoreId, true>>, why: string) => (store: AnyStoreId): true | string => stores[store] ?? why;

/** Every remedy `--mitigation` accepts. */
export const MITIGATIONS: Record<MitigationId, MitigationDefinition> = {
  none: {
    summary: 'express-session as it is: whole-session saves, last writer wins',
    modules: [],
    applies: () => true,
    load: async () => () => ({ counts: () => ({ rejectedSaves: 0, retries: 0 }), close: async () => {} }),
  },
  mutex: {
    summary: 'requests of one session run one at a time inside each app process',
    modules: ['harness/app/mitigations/mutex.ts'],
    applies: expressSession,
    load: async () => (await import('./mutex.ts')).createMutex,
  },
  'store-lock': {
    summary: "requests of one session run one at a time across instances, under a lock in the store's server (Redis SET NX PX with a fenced save; PostgreSQL advisory lock)",
    modules: ['harness/app/mitigations/store-lock.ts', 'harness/app/mitigations/redis-lock.ts', 'harness/app/mitigations/pg-lock.ts'],
    applies: only({ redis: true, postgres: true }, 'sessionbench implements a store lock for Redis and PostgreSQL only (an in-process store needs no more than mutex)'),
    load: async () => (await import('./store-lock.ts')).createStoreLock,
  },
  'if-exists': {
    summary: 'a loaded session is saved only while it is still stored (Redis SET XX, PostgreSQL UPDATE … WHERE sid), so a logout stays a logout',
    modules: ['harness/app/mitigations/if-exists.ts'],
    applies: only({ redis: true, postgres: true, memory: true }, 'sessionbench implements the conditional save for Redis, PostgreSQL and MemoryStore only'),
    load: async () => (await import('./if-exists.ts')).createIfExists,
  },
  versioned: {
    summary: 'every save is a compare-and-set on a version field; a stale save is merged (counters add, item lists append) and retried',
    modules: ['harness/app/mitigations/versioned.ts', 'harness/app/mitigations/versioned-cas.ts'],
    applies: only({ redis: true, postgres: true, memory: true }, 'sessionbench implements the compare-and-set for Redis, PostgreSQL and MemoryStore only'),
    load: async () => (await import('./versioned.ts')).createVersioned,
  },
};
