import { ConnectSessionKnexStore } from 'connect-session-knex';
import type { Knex } from 'knex';
import { expressSessionAdapter } from './express-session.ts';
import type { ExpressSessionParts } from './express-session.ts';
import type { StoreAdapter } from './types.ts';

/** Milliseconds between deletes of expired rows (connect-session-knex unrefs this timer). */
const CLEANUP_INTERVAL_MS = 60_000;

/** What differs between connect-session-knex on one database and on another. */
export type KnexStoreParts = Omit<ExpressSessionParts, 'store' | 'capabilities' | 'close'> & {
  knex: Knex;
  /** The table the sessions live in (sessionbench's own on a server, see stores/namespace.ts). */
  tableName: string;
  capabilities?: Partial<ExpressSessionParts['capabilities']>;
  /** Runs after the knex pool is destroyed (removing an embedded database's files). */
  afterClose?: () => Promise<void>;
};

/**
 * connect-session-knex on a connected knex instance: waits until its table exists,
 * counts through the store, and on close stops the cleanup timer before destroying the pool.
 */
export async function knexSessionAdapter(parts: KnexStoreParts): Promise<StoreAdapter> {
  const { knex, tableName, afterClose, capabilities, ...rest } = parts;
  const store = new ConnectSessionKnexStore({ knex, tableName, createTable: true, cleanupInterval: CLEANUP_INTERVAL_MS });
  await store.ready;
  return expressSessionAdapter({
    ...rest,
    store,
    capabilities: { countsSessions: true, removesExpired: true, ...capabilities },
    packages: ['connect-session-knex', 'knex', ...rest.packages],
    close: async () => {
      clearTimeout(store.nextDbCleanup);
      await knex.destroy();
      await afterClose?.();
    },
  });
}
