/**
 * The npm packages each built-in store's adapter loads beyond sessionbench's own dependencies (which
 * include the server clients it starts and identifies servers with: redis, pg, mongodb, mysql2, so a
 * project's older client never breaks provisioning). They are optional peer dependencies
 * of sessionbench at any version (`*`): a project installs only the clients of the stores it runs and
 * keeps its own versions (a pinned connect-redis 7 must not stop the install of a tool that benchmarks
 * it through a custom store). A store whose client is missing is named with the one command that
 * installs it, at the range the clone tests the adapters with (its devDependencies).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AnyStoreId, StoreId } from '../contract/vocabulary.ts';

/** What each built-in store's adapter imports, besides express-session. */
export const STORE_PACKAGES: Record<StoreId, readonly string[]> = {
  none: [],
  memory: [],
  cookie: ['cookie-session'],
  redis: ['connect-redis'],
  memcached: ['connect-memcached', 'memcached'],
  postgres: ['connect-pg-simple', 'pg-copy-streams'],
  mongo: ['connect-mongo'],
  memorystore: ['memorystore'],
  'knex-sqlite': ['connect-session-knex', 'knex', 'sqlite3'],
  'knex-postgres': ['connect-session-knex', 'knex'],
  mysql: ['express-mysql-session'],
  file: ['session-file-store'],
};

/** A store that cannot run here because packages it loads are not installed. */
export interface MissingPackages {
  names: string[];
  /** The command that installs them, at the versions sessionbench's adapters are written for. */
  install: string;
}

const ownRequire = createRequire(import.meta.url);
const testedRanges = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { devDependencies?: Record<string, string> }).devDependencies ?? {};

/** True when `name` resolves from sessionbench's own files, as the adapters' imports resolve it. */
export function isInstalled(name: string): boolean {
  try {
    ownRequire.resolve(name);
    return true;
  } catch (error) {
    // An ESM-only package cannot be require-resolved (ERR_PACKAGE_PATH_NOT_EXPORTED), but it is there.
    return (error as { code?: unknown }).code !== 'MODULE_NOT_FOUND';
  }
}

/** The packages a built-in `store` loads that are not installed; undefined when all are (and for a custom store: its module imports its own). */
export function missingPackages(store: AnyStoreId): MissingPackages | undefined {
  const needed = store in STORE_PACKAGES ? STORE_PACKAGES[store as StoreId] : [];
  const names = needed.filter((name) => !isInstalled(name));
  if (names.length === 0) return undefined;
  const specs = names.map((name) => (testedRanges[name] ? `${name}@${testedRanges[name]}` : name));
  return { names, install: `npm install -D ${specs.join(' ')}` };
}

/** "connect-redis and redis are not installed", "pg is not installed". */
export function notInstalled(missing: MissingPackages): string {
  const { names } = missing;
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  return `${list} ${names.length === 1 ? 'is' : 'are'} not installed`;
}
