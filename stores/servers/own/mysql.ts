import { createConnection } from 'mysql2/promise';
import type { Connection } from 'mysql2/promise';
import { CONNECT_TIMEOUT_MS } from '../deadline.ts';
import { isOwnTableName } from '../../namespace.ts';
import type { OwnData } from './types.ts';

async function withConnection<T>(connectUrl: string, use: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await createConnection({ uri: connectUrl, connectTimeout: CONNECT_TIMEOUT_MS });
  try {
    return await use(connection);
  } finally {
    await connection.end().catch(() => {});
  }
}

async function tables(connection: Connection): Promise<string[]> {
  const [rows] = await connection.query("SELECT table_name AS name FROM information_schema.TABLES WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'");
  return (rows as Array<{ name: string }>).map((row) => row.name);
}

const isOwn = isOwnTableName;

/** MySQL/MariaDB: sessionbench's tables are its session tables and probe tables (`isOwnTableName`) in the URL's database. */
export const mysqlOwnData: OwnData = {
  census: (url) =>
    withConnection(url, async (connection) => {
      const names = await tables(connection);
      const own = names.filter(isOwn).length;
      return { own, foreign: names.length - own, unit: 'tables' };
    }),
  clean: (url) =>
    withConnection(url, async (connection) => {
      const own = (await tables(connection)).filter(isOwn);
      for (const name of own) await connection.query('DROP TABLE IF EXISTS ??', [name]);
      return { removed: own.length, unit: 'tables' };
    }),
};
