import knexFactory from 'knex';
import { COMMAND_TIMEOUT_MS, CONNECT_TIMEOUT_MS, withDeadline } from './servers/deadline.ts';
import { knexSessionAdapter } from './knex.ts';
import { storeName } from './namespace.ts';
import { requireServer } from './server-handle.ts';
import type { AdapterContext, StoreAdapter } from './types.ts';

/** connect-session-knex on PostgreSQL through knex's `pg` client: one row per session with a json column. */
export async function createKnexPostgresAdapter({ label, settings, server }: AdapterContext): Promise<StoreAdapter> {
  const { info, connectUrl } = requireServer('postgres', server);
  const knex = knexFactory({
    client: 'pg',
    connection: { connectionString: connectUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, query_timeout: COMMAND_TIMEOUT_MS },
    pool: { min: 0, max: 10 },
    acquireConnectionTimeout: CONNECT_TIMEOUT_MS,
  });
  try {
    await withDeadline(knex.raw('SELECT 1'), CONNECT_TIMEOUT_MS);
  } catch (error) {
    await knex.destroy();
    throw new Error(`knex-postgres: cannot connect to ${info.url}: ${(error as Error).message}`);
  }
  const sessionTable = storeName('knex-postgres', server);
  const rowCount = async (): Promise<number> => Number((await knex(sessionTable).count({ n: '*' }))[0]?.['n']);
  return knexSessionAdapter({
    id: 'knex-postgres',
    label,
    settings,
    knex,
    tableName: sessionTable,
    capabilities: {
      payloadLimit: { bytes: 256 * 1024 * 1024, reason: "a json value is limited by PostgreSQL's 1 GB field size; pg and the server slow down long before" },
    },
    packages: ['pg'],
    inspect: {
      serverStats: async () => {
        const { rows } = await knex.raw<{ rows: Array<{ bytes: string }> }>('SELECT pg_total_relation_size(?::regclass) AS bytes', [`"${sessionTable}"`]);
        return { bytes: Number(rows[0]?.bytes), source: `pg_total_relation_size('${sessionTable}')`, sessions: await rowCount() };
      },
    },
  });
}
