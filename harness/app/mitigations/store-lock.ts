import { createPgLock } from './pg-lock.ts';
import { createRedisLock } from './redis-lock.ts';
import type { Mitigation, MitigationFactory } from './types.ts';

/** `store-lock`: the lock of the store's own server — Redis (redis-lock.ts) or PostgreSQL (pg-lock.ts). */
export const createStoreLock: MitigationFactory = (adapter, settings, options): Mitigation => {
  const { store, connection } = adapter;
  if (store && connection?.kind === 'redis') return createRedisLock(connection, store, settings.secret, options);
  if (store && connection?.kind === 'postgres') return createPgLock(connection, store, settings.secret);
  throw new Error(`store-lock: ${adapter.label} has no server lock in sessionbench`);
};
