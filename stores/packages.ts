import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const projectRequire = createRequire(import.meta.url);

/** The installed version of an npm package, read from its package.json (resolved from `from`, a file path or URL; the project by default). */
export function installedVersion(name: string, from?: string): string {
  const require = from ? createRequire(from) : projectRequire;
  try {
    const path = require.resolve(`${name}/package.json`);
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    const main = require.resolve(name);
    const root = main.slice(0, main.lastIndexOf(`node_modules/${name}/`) + `node_modules/${name}/`.length);
    return (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string }).version;
  }
}

/** Versions of several packages, keyed by name. */
export function packageVersions(...names: string[]): Record<string, string> {
  return packageVersionsFrom(undefined, names);
}

/** Versions of packages as a module at `from` resolves them (a custom store's own dependencies). */
export function packageVersionsFrom(from: string | undefined, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, installedVersion(name, from)]));
}
