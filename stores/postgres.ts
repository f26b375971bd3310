import connectPgSimple from 'connect-pg-simple';
import session from 'express-session';
import pg from 'pg';
import { expressSessionAdapter } from './express-session.ts';
import { requireServer } from './server-handle.ts';
import { COMMAND_TIMEOUT_MS, CONNECT_TIMEOUT_MS, withDeadline } from './servers/deadline.ts';
import { POSTGRES_OPTIONS } from './options.ts';
import type { AdapterContext, StoreAdapter } from './types.ts';

/** The table connect-pg-simple creates and sessionbench measures. */
export const SESSION_TABLE = 'session';
/** Where the server-atomicity probe writes its rows; dropped after the probe. */
const PROBE_TABLE = 'sessionbench_probe';
/** Seconds between deletes of expired rows; connect-pg-simple unrefs this timer. */
const PRUNE_INTERVAL_SECONDS = 60;

/** The session table, once connect-pg-simple has created it (it does so on first use). */
async function tableName(pool: pg.Pool): Promise<string | undefined> {
  const { rows } = await pool.query<{ name: string | null }>('SELECT to_regclass($1)::text AS name', [SESSION_TABLE]);
  return rows[0]?.name ?? undefined;
}

async function rowCount(pool: pg.Pool, where: string): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM "${SESSION_TABLE}" ${where}`);
  return Number(rows[0]?.n);
}

/** PostgreSQL through connect-pg-simple on a `pg` Pool; one row per session with a json column. */
export async function createPostgresAdapter({ label, settings, server, options }: AdapterContext): Promise<StoreAdapter> {
  const { info, connectUrl } = requireServer('postgres', server);
  const { pruneSessionInterval = PRUNE_INTERVAL_SECONDS } = POSTGRES_OPTIONS.parse(options ?? {});
  const pool = new pg.Pool({ connectionString: connectUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, query_timeout: COMMAND_TIMEOUT_MS, max: 10 });
  pool.on('error', () => {});
  try {
    await withDeadline(pool.query('SELECT 1'), CONNECT_TIMEOUT_MS);
  } catch (error) {
    void pool.end().catch(() => {});
    throw new Error(`postgres: cannot connect to ${info.url}: ${(error as Error).message}`);
  }
  const PgStore = connectPgSimple(session);
  const store = new PgStore({ pool, tableName: SESSION_TABLE, createTableIfMissing: true, pruneSessionInterval });

  return expressSessionAdapter({
    label,
    id: 'postgres',
    store,
    settings,
    capabilities: {
      countsSessions: true,
      removesExpired: true,
      payloadLimit: { bytes: 256 * 1024 * 1024, reason: 'a json value is limited by PostgreSQL\'s 1 GB field size; pg and the server slow down long before' },
    },
    packages: ['connect-pg-simple', 'pg'],
    inspect: {
      count: async () => (await tableName(pool) ? rowCount(pool, 'WHERE expire >= now()') : 0),
      serverStats: async () => {
        const source = `pg_total_relation_size('${SESSION_TABLE}')`;
        if (!(await tableName(pool))) return { bytes: 0, source, sessions: 0 };
        const { rows } = await pool.query<{ bytes: string }>('SELECT pg_total_relation_size($1::regclass) AS bytes', [SESSION_TABLE]);
        return { bytes: Number(rows[0]?.bytes), source, sessions: await rowCount(pool, '') };
      },
    },
    fieldUpdates: {
      description: 'UPDATE … SET of one column of a row (pg)',
      create: async (key) => {
        await pool.query(`CREATE TABLE IF NOT EXISTS "${PROBE_TABLE}" (key text PRIMARY KEY, a integer, b integer)`);
        await pool.query(`INSERT INTO "${PROBE_TABLE}" (key, a, b) VALUES ($1, 0, 0) ON CONFLICT (key) DO UPDATE SET a = 0, b = 0`, [key]);
      },
      setField: async (key, field, value) => void (await pool.query(`UPDATE "${PROBE_TABLE}" SET ${field === 'a' ? 'a' : 'b'} = $2 WHERE key = $1`, [key, value])),
      read: async (key) => {
        const { rows } = await pool.query<{ a: number; b: number }>(`SELECT a, b FROM "${PROBE_TABLE}" WHERE key = $1`, [key]);
        return { a: rows[0]?.a, b: rows[0]?.b };
      },
      cleanup: async () => void (await pool.query(`DROP TABLE IF EXISTS "${PROBE_TABLE}"`)),
    },
    close: async () => {
      await store.close();
      await pool.end();
    },
  });
}
