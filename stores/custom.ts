import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { session } from './host-packages.ts';
import type { Store } from 'express-session';
import { z } from 'zod';
import type { CustomStoreModule } from './custom-store.ts';
import { expressSessionAdapter } from './express-session.ts';
import { requireServer } from './server-handle.ts';
import { SERVER_KINDS, storeCapabilitiesSchema } from '../contract/vocabulary.ts';
import type { AdapterContext, StoreAdapter, StoreDefinition } from './types.ts';
import type { CustomStoreId, ServerKind } from '../contract/vocabulary.ts';

/** A custom store module that cannot be used: one line for the user (the CLI exits 2). */
export class CustomStoreError extends Error {
  override name = 'CustomStoreError';
}

/** Where the contract is written down, for every error about a custom store. */
const CONTRACT_HINT = 'export default { label, createStore(session, context) } (README: "Bring your own store")';

const moduleSchema = z.strictObject({
  label: z.string({ error: 'label: give a non-empty string' }).trim().min(1, 'label: give a non-empty string'),
  server: z.enum(SERVER_KINDS, { error: `server: one of ${SERVER_KINDS.join(', ')}, or leave it out` }).optional(),
  packages: z.array(z.string().min(1), { error: 'packages: an array of npm package names' }).optional(),
  capabilities: storeCapabilitiesSchema
    .pick({ sharedAcrossInstances: true, countsSessions: true, removesExpired: true, payloadLimit: true, ttlLimit: true })
    .partial()
    .strict()
    .optional(),
  createStore: z.custom<CustomStoreModule['createStore']>((value) => typeof value === 'function', 'createStore: a function (session, context) => Store'),
});

/** Looks like a file rather than a store id: has a path separator or a script extension. */
export function looksLikeStorePath(value: string): boolean {
  return /[\\/]/.test(value) || /\.(m|c)?[jt]s$/.test(value);
}

/** `custom:` and the file's base name without its extension, lower-cased, other characters as `-`. */
export function customStoreIdOf(path: string): CustomStoreId {
  const name = basename(path, extname(path)).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '');
  return `custom:${name || 'store'}`;
}

/** Custom stores loaded in this process, by id: one module per id. */
const loaded = new Map<CustomStoreId, { absolute: string; definition: StoreDefinition }>();

/** The definition of a custom store loaded earlier in this process (by `loadCustomStore`). */
export function loadedCustomStore(id: CustomStoreId): StoreDefinition | undefined {
  return loaded.get(id)?.definition;
}

function isStore(value: unknown): value is Store {
  const store = value as Partial<Record<'get' | 'set' | 'destroy', unknown>> | null;
  return typeof store === 'object' && store !== null && ['get', 'set', 'destroy'].every((method) => typeof store[method as 'get'] === 'function');
}

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
  const field = issue.path.join('.');
  return issue.message.startsWith(`${String(issue.path[0])}:`) ? issue.message : `${field}: ${issue.message}`;
}

function adapterFactory(id: CustomStoreId, absolute: string, definition: z.infer<typeof moduleSchema>) {
  return async ({ label, settings, server }: AdapterContext): Promise<StoreAdapter> => {
    const handle = definition.server ? requireServer(definition.server, server) : undefined;
    const releases: Array<() => unknown> = [];
    const close = async () => {
      for (const release of releases.reverse()) await release();
    };
    let store: unknown;
    try {
      store = await definition.createStore(session, { serverUrl: handle?.connectUrl, maxAgeMs: settings.maxAgeMs, onClose: (release) => releases.push(release) });
    } catch (error) {
      await close().catch(() => {});
      throw new Error(`${id}: createStore failed: ${(error as Error).message ?? String(error)}`);
    }
    if (!isStore(store)) {
      await close().catch(() => {});
      throw new Error(`${id}: createStore returned ${store === null ? 'null' : typeof store}, not an express-session Store (get, set, destroy)`);
    }
    const declared = definition.capabilities ?? {};
    return expressSessionAdapter({
      id,
      label,
      store,
      settings,
      capabilities: {
        sharedAcrossInstances: declared.sharedAcrossInstances ?? definition.server !== undefined,
        countsSessions: declared.countsSessions ?? typeof store.length === 'function',
        removesExpired: declared.removesExpired ?? { reason: 'not declared by the custom store' },
        ...(declared.payloadLimit ? { payloadLimit: declared.payloadLimit } : {}),
        ...(declared.ttlLimit ? { ttlLimit: declared.ttlLimit } : {}),
      },
      packages: definition.packages ?? [],
      packagesFrom: absolute,
      close,
    });
  };
}

function moduleOf(imported: { default?: unknown }): unknown {
  const exported = imported.default as { __esModule?: unknown; default?: unknown } | undefined;
  // A module compiled to CommonJS (`exports.default = …`) arrives wrapped once more.
  return exported && typeof exported === 'object' && 'default' in exported && !('createStore' in exported) ? exported.default : exported;
}

/** The absolute path and id of a store module path; refuses a path that is no file (no code runs). */
function locate(path: string, cwd: string): { absolute: string; id: CustomStoreId; previous?: StoreDefinition } {
  const absolute = resolve(cwd, path);
  const id = customStoreIdOf(path);
  const previous = loaded.get(id);
  if (previous?.absolute === absolute) return { absolute, id, previous: previous.definition };
  if (previous) throw new CustomStoreError(`--store ${path}: another custom store is already named "${id}" (${previous.absolute}); rename one of the files`);
  if (!existsSync(absolute) || !statSync(absolute).isFile()) throw new CustomStoreError(`--store ${path}: no such file; give the path of a store module, e.g. --store ./my-store.mjs`);
  return { absolute, id };
}

/** What the harness learns about a store module from loading it (in a child process): the parts a plan needs. */
export interface CustomStoreFacts {
  label: string;
  server: ServerKind | undefined;
}

/**
 * Registers a custom store whose module was checked elsewhere (in a child process, see
 * harness/app/store-box.ts): `load` builds its adapters. Returns the definition already registered
 * for the same file. Throws CustomStoreError with one line.
 */
export async function defineCustomStore(
  path: string,
  describe: (absolute: string) => Promise<CustomStoreFacts>,
  load: (id: CustomStoreId, absolute: string) => (context: AdapterContext) => Promise<StoreAdapter>,
  cwd = process.cwd(),
): Promise<StoreDefinition> {
  const { absolute, id, previous } = locate(path, cwd);
  if (previous) return previous;
  const facts = await describe(absolute);
  const definition: StoreDefinition = {
    id,
    label: facts.label,
    server: facts.server,
    source: { path, sha256: createHash('sha256').update(readFileSync(absolute)).digest('hex') },
    load: async () => load(id, absolute),
  };
  loaded.set(id, { absolute, definition });
  return definition;
}

/**
 * Imports the store module at `path` (relative to `cwd`) in THIS process and checks its default
 * export against the contract. It runs the module's code: call it only in a child process (the app
 * child, the store box). Throws CustomStoreError with one line.
 */
async function importCustomModule(path: string, absolute: string): Promise<z.infer<typeof moduleSchema>> {
  let imported: { default?: unknown };
  try {
    imported = (await import(pathToFileURL(absolute).href)) as { default?: unknown };
  } catch (error) {
    const reason = ((error as Error).message ?? String(error)).split('\n')[0];
    throw new CustomStoreError(`--store ${path}: the module does not load: ${reason}`);
  }
  const exported = moduleOf(imported);
  if (exported === undefined) throw new CustomStoreError(`--store ${path}: no default export; ${CONTRACT_HINT}`);
  const checked = moduleSchema.safeParse(exported);
  if (!checked.success) throw new CustomStoreError(`--store ${path}: ${describeIssue(checked.error)}; ${CONTRACT_HINT}`);
  return checked.data;
}

/**
 * Loads the store module at `path` (relative to `cwd`) in this process — its code runs here, so
 * only child processes call this (the app child, the store box) — and returns its definition,
 * id `custom:<file name>`. Loading the same file again returns the same definition.
 * Throws CustomStoreError with one line.
 */
export async function loadCustomStore(path: string, cwd = process.cwd()): Promise<StoreDefinition> {
  let module: z.infer<typeof moduleSchema> | undefined;
  return defineCustomStore(
    path,
    async (absolute) => {
      module = await importCustomModule(path, absolute);
      return { label: module.label, server: module.server };
    },
    (id, absolute) => adapterFactory(id, absolute, module!),
    cwd,
  );
}
