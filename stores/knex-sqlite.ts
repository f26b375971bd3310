import { join } from 'node:path';
import knexFactory from 'knex';
import { embeddedDataDir } from './data-dir.ts';
import { knexSessionAdapter } from './knex.ts';
import type { AdapterContext, StoreAdapter } from './types.ts';

/**
 * connect-session-knex on SQLite (the `sqlite3` driver, connect-session-knex's default): an embedded
 * database file in a temp dir of the app process, removed on close (and on exit if close never ran).
 */
export async function createKnexSqliteAdapter({ label, settings }: AdapterContext): Promise<StoreAdapter> {
  const { dir, remove } = await embeddedDataDir('sqlite');
  const knex = knexFactory({ client: 'sqlite3', connection: { filename: join(dir, 'sessions.sqlite') }, useNullAsDefault: true });
  let version: string;
  try {
    const rows = await knex.raw<Array<{ version: string }>>('SELECT sqlite_version() AS version');
    version = rows[0]?.version ?? 'unknown';
  } catch (error) {
    await knex.destroy();
    await remove();
    throw new Error(`knex-sqlite: cannot open ${dir}: ${(error as Error).message}`);
  }
  return knexSessionAdapter({
    id: 'knex-sqlite',
    label: `${label}, SQLite ${version}`,
    settings,
    knex,
    tableName: 'sessions',
    packages: ['sqlite3'],
    afterClose: remove,
  });
}
