import connectPgSimple from 'connect-pg-simple';
import { session } from './host-packages.ts';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { expressSessionAdapter } from './express-session.ts';
import { requireServer } from './server-handle.ts';
import { COMMAND_TIMEOUT_MS, CONNECT_TIMEOUT_MS, withDeadline } from './servers/deadline.ts';
import { POSTGRES_OPTIONS } from './options.ts';
import { storeName, uniqueOwnName } from './namespace.ts';
import type { AdapterContext, BulkWriter, StoreAdapter } from './types.ts';
import type { SessionData } from 'express-session';

/** connect-pg-simple's own table name. */
const SESSION_TABLE_DEFAULT = 'session';
/** Seconds between deletes of expired rows; connect-pg-simple unrefs this timer. */
const PRUNE_INTERVAL_SECONDS = 60;
/** Connections in the app's pg Pool unless `--store-option pool=` says otherwise (pg's own default). */
const POOL_SIZE = 10;

/** The session table, once connect-pg-simple has created it (it does so on first use). */
async function tableName(pool: pg.Pool, table: string): Promise<string | undefined> {
  const { rows } = await pool.query<{ name: string | null }>('SELECT to_regclass($1)::text AS name', [`"${table}"`]);
  return rows[0]?.name ?? undefined;
}

async function rowCount(pool: pg.Pool, table: string, where: string): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}" ${where}`);
  return Number(rows[0]?.n);
}

/**
 * COPY's CSV quote character: U+0001, which JSON.stringify never writes raw (it escapes every
 * control character), so no field needs escaping (escaping 1 KB of JSON costs more than the COPY).
 */
const QUOTE = '\x01';
function csvField(text: string): string {
  return `${QUOTE}${text}${QUOTE}`;
}

/** connect-pg-simple's expiry rule (its #getExpireTime): the cookie's expires, in whole seconds rounded up. */
function expireSecondsOf(session: SessionData, fallbackTtlSeconds: number): number {
  const expires = session.cookie.expires;
  return expires ? Math.ceil(new Date(expires).valueOf() / 1000) : Math.ceil(Date.now() / 1000 + fallbackTtlSeconds);
}

/**
 * PostgreSQL through connect-pg-simple on a `pg` Pool; one row per session with a json column, in table
 * `sessionbench_session` (`session` with library names): its prune deletes expired rows of that table only.
 */
export async function createPostgresAdapter({ label, settings, server, options }: AdapterContext): Promise<StoreAdapter> {
  const { info, connectUrl } = requireServer('postgres', server);
  const { pruneSessionInterval = PRUNE_INTERVAL_SECONDS, pool: poolSize = POOL_SIZE, disableTouch } = POSTGRES_OPTIONS.parse(options ?? {});
  const pool = new pg.Pool({ connectionString: connectUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, query_timeout: COMMAND_TIMEOUT_MS, max: poolSize });
  pool.on('error', () => {});
  try {
    await withDeadline(pool.query('SELECT 1'), CONNECT_TIMEOUT_MS);
  } catch (error) {
    void pool.end().catch(() => {});
    throw new Error(`postgres: cannot connect to ${info.url}: ${(error as Error).message}`);
  }
  const sessionTable = storeName('postgres', server);
  // The server-atomicity probe's table: unique to this app, created by it, and only then dropped.
  const probeTable = uniqueOwnName('probe');
  let probeCreated = false;
  // connect-pg-simple names its primary key and index after `session` whatever the table: beside an app's own
  // `session` table they would clash, so sessionbench's table is created here, with names of its own.
  try {
    if (sessionTable !== SESSION_TABLE_DEFAULT && !(await tableName(pool, sessionTable))) {
      await pool.query(`CREATE TABLE IF NOT EXISTS "${sessionTable}" ("sid" varchar NOT NULL COLLATE "default" PRIMARY KEY, "sess" json NOT NULL, "expire" timestamp(6) NOT NULL)`);
      await pool.query(`CREATE INDEX IF NOT EXISTS "IDX_${sessionTable}_expire" ON "${sessionTable}" ("expire")`);
    }
  } catch (error) {
    void pool.end().catch(() => {});
    throw new Error(`postgres: cannot create table ${sessionTable} on ${info.url}: ${(error as Error).message}`);
  }
  const PgStore = connectPgSimple(session);
  const store = new PgStore({ pool, tableName: sessionTable, createTableIfMissing: true, pruneSessionInterval, ...(disableTouch !== undefined ? { disableTouch } : {}) });

  const own = store as unknown as { ttl?: number; quotedTable(): string; _ensureSessionStoreTable(): Promise<void> }; // runtime-public, undeclared
  const bulk: BulkWriter = {
    method: "COPY … FROM STDIN (CSV) into a temporary table, then one INSERT … SELECT with to_timestamp per batch: sess as pg encodes connect-pg-simple's json parameter, expire by its rule",
    write: async (sessions) => {
      await own._ensureSessionStoreTable();
      const csv = sessions.map(({ id, session }) => `${csvField(id)},${csvField(JSON.stringify(session))},${expireSecondsOf(session, own.ttl ?? 86_400)}\n`).join('');
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('CREATE TEMP TABLE IF NOT EXISTS sessionbench_prefill (sid varchar, sess json, expire float8) ON COMMIT DELETE ROWS');
        await pipeline(Readable.from([csv]), client.query(copyFrom('COPY sessionbench_prefill (sid, sess, expire) FROM STDIN WITH (FORMAT csv, QUOTE E\'\\x01\')')));
        await client.query(
          `INSERT INTO ${own.quotedTable()} (sess, expire, sid) SELECT sess, to_timestamp(expire), sid FROM sessionbench_prefill
           ON CONFLICT (sid) DO UPDATE SET sess = EXCLUDED.sess, expire = EXCLUDED.expire`,
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    remove: async (ids) => {
      if (await tableName(pool, sessionTable)) await pool.query(`DELETE FROM ${own.quotedTable()} WHERE sid = ANY($1::varchar[])`, [ids]);
    },
  };

  return expressSessionAdapter({
    label,
    id: 'postgres',
    bulk,
    pruneExpired: () => new Promise<void>((resolve, reject) => store.pruneSessions((error?: Error) => (error ? reject(error) : resolve()))),
    store,
    settings,
    capabilities: {
      countsSessions: true,
      removesExpired: true,
      payloadLimit: { bytes: 256 * 1024 * 1024, reason: 'a json value is limited by PostgreSQL\'s 1 GB field size; pg and the server slow down long before' },
    },
    packages: ['connect-pg-simple', 'pg'],
    inspect: {
      count: async () => (await tableName(pool, sessionTable) ? rowCount(pool, sessionTable, 'WHERE expire >= now()') : 0),
      serverStats: async () => {
        const source = `pg_total_relation_size('${sessionTable}')`;
        if (!(await tableName(pool, sessionTable))) return { bytes: 0, source, sessions: 0 };
        const { rows } = await pool.query<{ bytes: string }>('SELECT pg_total_relation_size($1::regclass) AS bytes', [`"${sessionTable}"`]);
        return { bytes: Number(rows[0]?.bytes), source, sessions: await rowCount(pool, sessionTable, '') };
      },
      // Shared-buffer hits and reads (from the OS page cache or disk) of the session table and its indexes. Backends
      // report their counters when idle, at most once a second: the last second of a phase may be missing.
      serverCache: async () => {
        if (!(await tableName(pool, sessionTable))) return undefined;
        const io = await pool.query<{ hits: string | null; reads: string | null }>(
          'SELECT coalesce(heap_blks_hit, 0) + coalesce(idx_blks_hit, 0) AS hits, coalesce(heap_blks_read, 0) + coalesce(idx_blks_read, 0) AS reads FROM pg_statio_user_tables WHERE relid = $1::regclass',
          [`"${sessionTable}"`],
        );
        const row = io.rows[0];
        return row ? { hits: Number(row.hits), misses: Number(row.reads), source: 'pg_statio_user_tables heap+idx_blks_hit / heap+idx_blks_read of the session table (shared buffers; a read may come from the OS page cache)' } : undefined;
      },
    },
    connection: { kind: 'postgres', pool, connectUrl, table: own.quotedTable(), expireSeconds: (session) => expireSecondsOf(session, own.ttl ?? 86_400) },
    fieldUpdates: {
      description: 'UPDATE … SET of one column of a row (pg)',
      create: async (key) => {
        if (!probeCreated) {
          await pool.query(`CREATE TABLE "${probeTable}" (key text PRIMARY KEY, a integer, b integer)`);
          probeCreated = true;
        }
        await pool.query(`INSERT INTO "${probeTable}" (key, a, b) VALUES ($1, 0, 0) ON CONFLICT (key) DO UPDATE SET a = 0, b = 0`, [key]);
      },
      setField: async (key, field, value) => void (await pool.query(`UPDATE "${probeTable}" SET ${field === 'a' ? 'a' : 'b'} = $2 WHERE key = $1`, [key, value])),
      read: async (key) => {
        const { rows } = await pool.query<{ a: number; b: number }>(`SELECT a, b FROM "${probeTable}" WHERE key = $1`, [key]);
        return { a: rows[0]?.a, b: rows[0]?.b };
      },
      cleanup: async () => {
        if (!probeCreated) return;
        await pool.query(`DROP TABLE "${probeTable}"`);
        probeCreated = false;
      },
    },
    close: async () => {
      await store.close();
      await pool.end();
    },
  });
}
