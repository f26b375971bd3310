import { z } from 'zod';
import type { ServerHandle } from './types.ts';
import type { AnyStoreId, StoreNamespace } from '../contract/vocabulary.ts';
export { storeNamespaceSchema } from '../contract/vocabulary.ts';
export type { StoreNamespace } from '../contract/vocabulary.ts';

/**
 * Everything sessionbench creates on a server carries this mark: keys start with `sessionbench:`,
 * tables and collections with `sessionbench_`. What does not carry it is never written, pruned,
 * counted or dropped (unless the user asks for the libraries' own names, see `NamespaceChoice`).
 */
export const OWN_MARK = 'sessionbench';
/** The key prefix of every Redis or memcached key sessionbench writes. */
export const OWN_KEY_PREFIX = `${OWN_MARK}:`;
/** The prefix of every table or collection sessionbench creates. */
export const OWN_TABLE_PREFIX = `${OWN_MARK}_`;

/** Which names the stores use: sessionbench's own (the default) or the store libraries' defaults, as a real app would. */
export const NAMESPACE_CHOICES = ['own', 'library'] as const satisfies ReadonlyArray<NonNullable<ServerHandle['namespace']>>;
export type NamespaceChoice = NonNullable<ServerHandle['namespace']>;

/** Own name, library default name, per built-in server store. */
const NAMES: Partial<Record<AnyStoreId, { kind: StoreNamespace['kind']; own: string; library: string }>> = {
  redis: { kind: 'key-prefix', own: OWN_KEY_PREFIX, library: 'sess:' },
  memcached: { kind: 'key-prefix', own: OWN_KEY_PREFIX, library: 'sess:' },
  postgres: { kind: 'table', own: `${OWN_TABLE_PREFIX}session`, library: 'session' },
  'knex-postgres': { kind: 'table', own: `${OWN_TABLE_PREFIX}knex_sessions`, library: 'sessions' },
  mysql: { kind: 'table', own: `${OWN_TABLE_PREFIX}sessions`, library: 'sessions' },
  mongo: { kind: 'collection', own: `${OWN_TABLE_PREFIX}sessions`, library: 'sessions' },
};

/** The choice a server handle carries (own names unless the user asked for the libraries'). */
export function namespaceChoice(server: Pick<ServerHandle, 'namespace'> | undefined): NamespaceChoice {
  return server?.namespace ?? 'own';
}

/** Where `store` keeps its sessions under `choice`; undefined for a store without a server of ours to name (embedded, custom). */
export function storeNamespace(store: AnyStoreId, choice: NamespaceChoice): StoreNamespace | undefined {
  const names = NAMES[store];
  return names ? { kind: names.kind, name: choice === 'own' ? names.own : names.library, own: choice === 'own' } : undefined;
}

/** The name `store` uses on `server` (key prefix, table or collection); throws for a store without one. */
export function storeName(store: AnyStoreId, server: Pick<ServerHandle, 'namespace'> | undefined): string {
  const namespace = storeNamespace(store, namespaceChoice(server));
  if (!namespace) throw new Error(`${store}: has no namespace on a server`);
  return namespace.name;
}

/** A table or collection name of sessionbench's own, unique to this process, for a probe that creates and then drops it. */
export function uniqueOwnName(what: 'probe'): string {
  return `${OWN_TABLE_PREFIX}${what}_${process.pid}_${Math.random().toString(36).slice(2, 8).padEnd(6, '0')}`;
}

const OWN_TABLES = new Set(Object.values(NAMES).flatMap((names) => (names!.kind === 'key-prefix' ? [] : [names!.own])));
const OWN_PROBE = new RegExp(`^${OWN_TABLE_PREFIX}probe_\\d+_[a-z0-9]{6}$`);

/**
 * True for a table or collection sessionbench creates: a store's own session table or a probe's
 * unique table. Only these are counted as its own, and dropped by a clean (a user's `sessionbench_x` is not).
 */
export function isOwnTableName(name: string): boolean {
  return OWN_TABLES.has(name) || OWN_PROBE.test(name);
}
