import { accessSync, constants, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Whether `path` is a file this process may execute. */
export function executable(path: string): boolean {
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
