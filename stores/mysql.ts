import { session } from './host-packages.ts';
import createMySQLStore from 'express-mysql-session';
import { createPool } from 'mysql2/promise';
import { CONNECT_TIMEOUT_MS, withDeadline } from './servers/deadline.ts';
import { expressSessionAdapter } from './express-session.ts';
import { requireServer } from './server-handle.ts';
import { MYSQL_OPTIONS } from './options.ts';
import { storeName } from './namespace.ts';
import type { AdapterContext, StoreAdapter } from './types.ts';

/** Milliseconds between deletes of expired rows (the default is 15 minutes). */
const CLEAR_EXPIRED_INTERVAL_MS = 60_000;

/**
 * express-mysql-session on a mysql2 promise pool: one row per session, `expires` in whole
 * seconds, in table `sessionbench_sessions` (`sessions` with library names): its clearExpired deletes from that table only. The store is closed only after it is ready (an early close leaves its timer running).
 */
export async function createMysqlAdapter({ label, settings, server, options }: AdapterContext): Promise<StoreAdapter> {
  const { info, connectUrl } = requireServer('mysql', server);
  const { disableTouch = false } = MYSQL_OPTIONS.parse(options ?? {});
  const pool = createPool({ uri: connectUrl, connectionLimit: 10, connectTimeout: CONNECT_TIMEOUT_MS });
  try {
    await withDeadline(pool.query('SELECT 1'), CONNECT_TIMEOUT_MS);
  } catch (error) {
    await pool.end().catch(() => {});
    throw new Error(`mysql: cannot connect to ${info.url}: ${(error as Error).message}`);
  }
  const sessionTable = storeName('mysql', server);
  const MySQLStore = createMySQLStore(session);
  // The types want a callback Pool of their own mysql2 copy; the store also takes the promise pool.
  const store = new MySQLStore(
    { clearExpired: true, checkExpirationInterval: CLEAR_EXPIRED_INTERVAL_MS, createDatabaseTable: true, endConnectionOnClose: false, disableTouch, schema: { tableName: sessionTable } },
    pool as unknown as ConstructorParameters<typeof MySQLStore>[1],
  );
  try {
    await store.onReady();
  } catch (error) {
    await pool.end().catch(() => {});
    throw new Error(`mysql: cannot create the session table on ${info.url}: ${(error as Error).message}`);
  }
  const rowCount = async (): Promise<number> => {
    const [rows] = await pool.query(`SELECT COUNT(*) AS n FROM \`${sessionTable}\``);
    return Number((rows as Array<{ n: number }>)[0]?.n);
  };

  return expressSessionAdapter({
    label,
    id: 'mysql',
    store,
    settings,
    capabilities: {
      countsSessions: true,
      removesExpired: true,
      payloadLimit: { bytes: 16 * 1024 * 1024, reason: "the data column is MEDIUMTEXT (16 MB), and MariaDB's default max_allowed_packet is 16 MB" },
    },
    packages: ['express-mysql-session', 'mysql2'],
    inspect: {
      serverStats: async () => {
        // InnoDB's table statistics lag behind writes until the table is analysed.
        await pool.query(`ANALYZE TABLE \`${sessionTable}\``);
        const [rows] = await pool.query(
          'SELECT data_length + index_length AS bytes FROM information_schema.TABLES WHERE table_schema = DATABASE() AND table_name = ?',
          [sessionTable],
        );
        const bytes = Number((rows as Array<{ bytes: number }>)[0]?.bytes);
        const [status] = await pool.query("SHOW GLOBAL STATUS WHERE Variable_name IN ('Innodb_buffer_pool_read_requests', 'Innodb_buffer_pool_reads')");
        const value = (name: string) => Number((status as Array<{ Variable_name: string; Value: string }>).find((row) => row.Variable_name === name)?.Value);
        const requests = value('Innodb_buffer_pool_read_requests');
        const reads = value('Innodb_buffer_pool_reads');
        // Logical page reads served from the buffer pool (requests − reads) against those that went to disk; server-wide.
        const cache = Number.isFinite(requests) && Number.isFinite(reads) ? { hits: Math.max(0, requests - reads), misses: reads, source: 'SHOW GLOBAL STATUS Innodb_buffer_pool_read_requests − Innodb_buffer_pool_reads / Innodb_buffer_pool_reads (whole server)' } : undefined;
        return { bytes, source: 'information_schema.TABLES data_length + index_length, after ANALYZE TABLE', sessions: await rowCount(), ...(cache ? { cache } : {}) };
      },
    },
    close: async () => {
      await store.close();
      await pool.end();
    },
  });
}
