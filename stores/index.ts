import type { AdapterContext, StoreAdapter, StoreDefinition } from './types.ts';
import type { AnyStoreId, StoreId } from '../contract/vocabulary.ts';
import { STORE_IDS } from '../contract/vocabulary.ts';
import { loadedCustomStore } from './custom.ts';
import { FILE_OPTIONS, MEMORYSTORE_OPTIONS, MONGO_OPTIONS, MYSQL_OPTIONS, POSTGRES_OPTIONS, REDIS_OPTIONS, formatStoreOptions } from './options.ts';

/** id → definition; adapters are imported lazily so an unused driver's packages never load. */
export const STORES: Record<StoreId, StoreDefinition> = {
  none: { id: 'none', label: 'No session (baseline)', server: undefined, load: async () => (await import('./none.ts')).createNoneAdapter },
  memory: { id: 'memory', label: 'MemoryStore (express-session)', server: undefined, load: async () => (await import('./memory.ts')).createMemoryAdapter },
  cookie: { id: 'cookie', label: 'Signed cookie (cookie-session)', server: undefined, load: async () => (await import('./cookie.ts')).createCookieAdapter },
  redis: { id: 'redis', label: 'Redis (connect-redis)', server: 'redis', options: REDIS_OPTIONS, load: async () => (await import('./redis.ts')).createRedisAdapter },
  memcached: { id: 'memcached', label: 'Memcached (connect-memcached)', server: 'memcached', load: async () => (await import('./memcached.ts')).createMemcachedAdapter },
  postgres: { id: 'postgres', label: 'PostgreSQL (connect-pg-simple)', server: 'postgres', options: POSTGRES_OPTIONS, load: async () => (await import('./postgres.ts')).createPostgresAdapter },
  mongo: { id: 'mongo', label: 'MongoDB protocol (connect-mongo)', server: 'mongo', options: MONGO_OPTIONS, load: async () => (await import('./mongo.ts')).createMongoAdapter },
  memorystore: { id: 'memorystore', label: 'LRU MemoryStore (memorystore)', server: undefined, options: MEMORYSTORE_OPTIONS, load: async () => (await import('./memorystore.ts')).createMemorystoreAdapter },
  'knex-sqlite': { id: 'knex-sqlite', label: 'SQLite file (connect-session-knex)', server: undefined, load: async () => (await import('./knex-sqlite.ts')).createKnexSqliteAdapter },
  'knex-postgres': { id: 'knex-postgres', label: 'PostgreSQL (connect-session-knex)', server: 'postgres', load: async () => (await import('./knex-postgres.ts')).createKnexPostgresAdapter },
  mysql: { id: 'mysql', label: 'MySQL protocol (express-mysql-session)', server: 'mysql', options: MYSQL_OPTIONS, load: async () => (await import('./mysql.ts')).createMysqlAdapter },
  file: { id: 'file', label: 'Files, one per session (session-file-store)', server: undefined, options: FILE_OPTIONS, load: async () => (await import('./file.ts')).createFileAdapter },
};

/** True when `value` names a known store. */
export function isStoreId(value: string): value is StoreId {
  return (STORE_IDS as readonly string[]).includes(value);
}

/** A built-in store's definition, or a custom store's once `loadCustomStore` has loaded it in this process. */
export function storeDefinition(id: AnyStoreId): StoreDefinition {
  if (isStoreId(id)) return STORES[id];
  const custom = loadedCustomStore(id);
  if (!custom) throw new Error(`${id}: custom store not loaded in this process (loadCustomStore first)`);
  return custom;
}

/** A store's label, with the `--store-option` values it runs with, e.g. "LRU MemoryStore (memorystore) [max=1000]". */
export function storeLabel(id: AnyStoreId, options?: AdapterContext['options']): string {
  const given = formatStoreOptions(options);
  const { label } = storeDefinition(id);
  return given ? `${label} [${given}]` : label;
}

/** Builds the adapter of a registered (or loaded custom) store, with the label from its definition (and its options). */
export async function createStoreAdapter(id: AnyStoreId, context: Omit<AdapterContext, 'label'>): Promise<StoreAdapter> {
  return (await storeDefinition(id).load())({ ...context, label: storeLabel(id, context.options) });
}
