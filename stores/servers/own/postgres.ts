import pg from 'pg';
import { CONNECT_TIMEOUT_MS, COMMAND_TIMEOUT_MS } from '../deadline.ts';
import { isOwnTableName } from '../../namespace.ts';
import type { OwnData } from './types.ts';

/** User tables of the URL's database (no catalogs, no other sessions' temporary tables), with their schema. */
const TABLES = `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`;

async function withClient<T>(connectUrl: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: connectUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, query_timeout: COMMAND_TIMEOUT_MS });
  client.on('error', () => {});
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => {});
  }
}

const isOwn = isOwnTableName;

/** PostgreSQL: sessionbench's tables are its session tables and probe tables (`isOwnTableName`) in the URL's database. */
export const postgresOwnData: OwnData = {
  census: (url) =>
    withClient(url, async (client) => {
      const { rows } = await client.query<{ schema: string; name: string }>(TABLES);
      const own = rows.filter((row) => isOwn(row.name)).length;
      return { own, foreign: rows.length - own, unit: 'tables' };
    }),
  clean: (url) =>
    withClient(url, async (client) => {
      const { rows } = await client.query<{ schema: string; name: string }>(TABLES);
      const own = rows.filter((row) => isOwn(row.name));
      for (const { schema, name } of own) await client.query(`DROP TABLE IF EXISTS ${client.escapeIdentifier(schema)}.${client.escapeIdentifier(name)}`);
      return { removed: own.length, unit: 'tables' };
    }),
};
