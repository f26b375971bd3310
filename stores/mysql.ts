import { session } from './host-packages.ts';
import createMySQLStore from 'express-mysql-session';
import { createPool } from 'mysql2/promise';
import { CONNECT_TIMEOUT_MS, withDeadline } from './servers/deadline.ts';
import { expressSessionAdapter } from './express-session.ts';
import { requireServer } from './server-handle.ts';
import { MYSQL_OPTIONS } from './options.ts';
import { storeName } from './namespace.ts';
import type { AdapterContext, BulkWriter, StoreAdapter } from './types.ts';

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

  // Bulk load in express-mysql-session's own encoding (its set): expires in whole seconds from the cookie, data as JSON.
  const columns = store.options.schema?.columnNames ?? { session_id: 'session_id', expires: 'expires', data: 'data' };
  const fallbackMs = store.options.expiration ?? 86_400_000;
  const bulk: BulkWriter = {
    method: 'multi-row INSERT … ON DUPLICATE KEY UPDATE (mysql2), the rows express-mysql-session writes',
    batchSize: 4000,
    write: async (sessions) => {
      if (sessions.length === 0) return;
      const rows = sessions.map(({ id, session: data }) => {
        const cookie = data.cookie as { expires?: Date | string | null; _expires?: Date | string | null } | undefined;
        const expires = cookie?.expires ?? cookie?._expires ?? Date.now() + fallbackMs;
        return [id, Math.round(new Date(expires).getTime() / 1000), JSON.stringify(data)];
      });
      await pool.query(
        `INSERT INTO ?? (??, ??, ??) VALUES ? ON DUPLICATE KEY UPDATE ?? = VALUES(??), ?? = VALUES(??)`,
        [sessionTable, columns.session_id, columns.expires, columns.data, rows, columns.expires, columns.expires, columns.data, columns.data],
      );
    },
    remove: async (ids) => {
      if (ids.length > 0) await pool.query('DELETE FROM ?? WHERE ?? IN (?)', [sessionTable, columns.session_id, ids]);
    },
  };

  return expressSessionAdapter({
    label,
    id: 'mysql',
    store,
    bulk,
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
        return { bytes, source: 'information_schema.TABLES data_length + index_length, after ANALYZE TABLE', sessions: await rowCount() };
      },
      // Logical page reads served from the buffer pool (requests − reads) against those that went to disk; server-wide.
      serverCache: async () => {
        const [status] = await pool.query("SHOW GLOBAL STATUS WHERE Variable_name IN ('Innodb_buffer_pool_read_requests', 'Innodb_buffer_pool_reads')");
        const value = (name: string) => Number((status as Array<{ Variable_name: string; Value: string }>).find((row) => row.Variable_name === name)?.Value);
        const requests = value('Innodb_buffer_pool_read_requests');
        const reads = value('Innodb_buffer_pool_reads');
        if (!Number.isFinite(requests) || !Number.isFinite(reads)) return undefined;
        return { hits: Math.max(0, requests - reads), misses: reads, source: 'SHOW GLOBAL STATUS Innodb_buffer_pool_read_requests − Innodb_buffer_pool_reads / Innodb_buffer_pool_reads (whole server)' };
      },
    },
    close: async () => {
      await store.close();
      await pool.end();
    },
  });
}
