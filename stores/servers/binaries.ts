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
export function findBinary(name: string, extraDirs: string[] = [], env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = [...(env['PATH'] ?? '').split(delimiter).filter(Boolean), ...extraDirs];
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

/** Where the `.ci/build-*.sh` scripts cache their builds, one file per version. */
export function toolCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env['SESSIONBENCH_CACHE'] ?? join(env['HOME'] ?? homedir(), '.cache', 'sessionbench'), 'bin');
}

/**
 * A tool built from source: `envVar` when set (it must be executable; no fallback
 * past a wrong setting), else `name` on PATH, else the newest `<name>-v*` in the cache.
 */
export function findTool(name: string, envVar: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env[envVar];
  if (fromEnv) return executable(fromEnv) ? fromEnv : undefined;
  const onPath = findBinary(name, [], env);
  if (onPath) return onPath;
  try {
    const cached = readdirSync(toolCacheDir(env))
      .filter((file) => new RegExp(`^${name}-v[\\d.]+$`).test(file))
      .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
    return cached.map((file) => join(toolCacheDir(env), file)).find(executable);
  } catch {
    return undefined;
  }
}

/** FerretDB from FERRETDB_BIN, PATH, or the newest cached build. */
export function findFerretdb(): string | undefined {
  return findTool('ferretdb', 'FERRETDB_BIN');
}
