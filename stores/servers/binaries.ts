import { accessSync, constants, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable called `name` on PATH, or in `extraDirs` after it. */
export function findBinary(name: string, extraDirs: string[] = []): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter).filter(Boolean), ...extraDirs];
  return dirs.map((dir) => join(dir, name)).find(executable);
}

/** Debian keeps PostgreSQL's server binaries off PATH, one directory per major version: newest first. */
function postgresDirs(): string[] {
  const root = '/usr/lib/postgresql';
  try {
    return readdirSync(root)
      .sort((a, b) => Number(b) - Number(a))
      .map((version) => join(root, version, 'bin'));
  } catch {
    return [];
  }
}

/** `postgres` and `initdb`, from PATH or Debian's versioned directories. */
export function findPostgres(): { postgres: string; initdb: string } | undefined {
  for (const dir of ['', ...postgresDirs()]) {
    const postgres = dir ? join(dir, 'postgres') : findBinary('postgres');
    const initdb = dir ? join(dir, 'initdb') : findBinary('initdb');
    if (postgres && initdb && executable(postgres) && executable(initdb)) return { postgres, initdb };
  }
  return undefined;
}

/** Where `.ci/build-ferretdb.sh` caches its builds. */
function ferretdbCacheDir(): string {
  return join(process.env['SESSIONBENCH_CACHE'] ?? join(homedir(), '.cache', 'sessionbench'), 'bin');
}

/** FerretDB from FERRETDB_BIN, PATH, or the newest cached build. */
export function findFerretdb(): string | undefined {
  const fromEnv = process.env['FERRETDB_BIN'];
  if (fromEnv) return executable(fromEnv) ? fromEnv : undefined;
  const onPath = findBinary('ferretdb');
  if (onPath) return onPath;
  try {
    const cached = readdirSync(ferretdbCacheDir())
      .filter((name) => /^ferretdb-v[\d.]+$/.test(name))
      .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
    return cached.map((name) => join(ferretdbCacheDir(), name)).find(executable);
  } catch {
    return undefined;
  }
}
