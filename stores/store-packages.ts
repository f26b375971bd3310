/**
 * The npm packages each built-in store and server kind loads. They are optional peer dependencies
 * of sessionbench at any version (`*`): a project installs only the clients of the stores it runs and
 * keeps its own versions (a pinned connect-redis 7 must not stop the install of a tool that benchmarks
 * it through a custom store). A store whose client is missing is named with the one command that
 * installs it, at the range the clone tests the adapters with (its devDependencies).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AnyStoreId, ServerKind, StoreId } from './types.ts';

/** What each built-in store's adapter imports, besides express-session. */
export const STORE_PACKAGES: Record<StoreId, readonly string[]> = {
  none: [],
  memory: [],
  cookie: ['cookie-session'],
  redis: ['connect-redis', 'redis'],
  memcached: ['connect-memcached', 'memcached'],
  postgres: ['connect-pg-simple', 'pg', 'pg-copy-streams'],
  mongo: ['connect-mongo', 'mongodb'],
  memorystore: ['memorystore'],
  'knex-sqlite': ['connect-session-knex', 'knex', 'sqlite3'],
  'knex-postgres': ['connect-session-knex', 'knex', 'pg'],
  mysql: ['express-mysql-session', 'mysql2'],
  file: ['session-file-store'],
};

/** The client sessionbench itself uses to start, identify and prepare each kind of server. */
export const SERVER_PACKAGES: Record<ServerKind, readonly string[]> = {
  redis: ['redis'],
  memcached: [],
  postgres: ['pg'],
  mongo: ['mongodb'],
  mysql: ['mysql2'],
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

/** The packages `store` (and the server it needs) loads that are not installed; undefined when all are. */
export function missingPackages(store: AnyStoreId, server: ServerKind | undefined): MissingPackages | undefined {
  const needed = [...(store in STORE_PACKAGES ? STORE_PACKAGES[store as StoreId] : []), ...(server ? SERVER_PACKAGES[server] : [])];
  const names = [...new Set(needed)].filter((name) => !isInstalled(name));
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
