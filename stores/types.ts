import { z } from 'zod';
import type { RequestHandler } from 'express';
import type { SessionData, Store } from 'express-session';
import type { RawStoreOptions, StoreOptionsSchema } from './options.ts';

/** Every store sessionbench can benchmark. `none` is the no-session baseline. */
export const STORE_IDS = ['none', 'memory', 'cookie', 'redis', 'memcached', 'postgres', 'mongo', 'memorystore', 'knex-sqlite', 'knex-postgres', 'mysql', 'file'] as const;
export type StoreId = (typeof STORE_IDS)[number];

/** A store loaded from a module file (`--store ./my-store.mjs`): `custom:` and the file's base name. */
export type CustomStoreId = `custom:${string}`;
/** Any store a run can name: a built-in id or a custom store's. */
export type AnyStoreId = StoreId | CustomStoreId;

/** How a custom store's id is recorded: `custom:` and a lower-case name (letters, digits, `-`, `_`, `.`). */
export const customStoreIdSchema = z.templateLiteral(['custom:', z.string().regex(/^[a-z0-9][a-z0-9._-]*$/)]);
/** A store id in a result: a built-in id, or `custom:<name>` for a store loaded from a file. */
export const anyStoreIdSchema = z.union([z.enum(STORE_IDS), customStoreIdSchema]);

/** True when `id` names a custom store rather than a built-in one. */
export function isCustomStoreId(id: string): id is CustomStoreId {
  return customStoreIdSchema.safeParse(id).success;
}

/** The module file a custom store was loaded from, recorded on every entry it produced. */
export const storeSourceSchema = z.object({
  /** The path as given to `--store`. */
  path: z.string(),
  /** SHA-256 of the file's bytes, so a result names the exact code that ran. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type StoreSource = z.infer<typeof storeSourceSchema>;

/** The kinds of external server a store may need. */
export const SERVER_KINDS = ['redis', 'memcached', 'postgres', 'mongo', 'mysql'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

/** Where a server came from, in the order provisioning tries them. */
export const SERVER_SOURCES = ['url', 'docker', 'local'] as const;
export type ServerSource = (typeof SERVER_SOURCES)[number];

/**
 * A running server a store talks to, as reported by the server itself.
 * `product` is what really answered (e.g. "FerretDB", not "MongoDB").
 */
export const serverInfoSchema = z.object({
  kind: z.enum(SERVER_KINDS),
  /** Connection URL with any password redacted; never printed unredacted. */
  url: z.string(),
  source: z.enum(SERVER_SOURCES),
  /** The software that answered, e.g. "Redis", "memcached", "PostgreSQL", "MongoDB", "FerretDB". */
  product: z.string(),
  /** The server's own version string. */
  version: z.string(),
  /** Human label used in every report, e.g. "FerretDB 1.24.2 (SQLite)". */
  label: z.string(),
  /** True when sessionbench started the server and may stop or pause it. */
  managed: z.boolean(),
});
export type ServerInfo = z.infer<typeof serverInfoSchema>;

/** A server handed to an adapter: the info plus the real (unredacted) URL to connect to. */
export interface ServerHandle {
  info: ServerInfo;
  connectUrl: string;
  /**
   * Whose names the stores use on this server: sessionbench's own (`sessionbench:` keys,
   * `sessionbench_*` tables and collections; the default) or the store libraries' defaults
   * (`--namespace library`). See stores/namespace.ts.
   */
  namespace?: 'own' | 'library';
}

/** express-session options that change store behaviour; identical for every store in a run. */
export interface SessionSettings {
  secret: string;
  resave: boolean;
  saveUninitialized: boolean;
  rolling: boolean;
  /** Cookie and session lifetime in milliseconds. */
  maxAgeMs: number;
}

/**
 * What a store can and cannot do, recorded on every result entry. Conformance tests and
 * reports read these instead of store ids or hiding differences inside a test.
 */
export const storeCapabilitiesSchema = z.object({
  /** The store keeps session state at all (false only for the no-session baseline). */
  keepsSessions: z.boolean(),
  /** Session data lives on a server-side store (false for cookie and none). */
  serverSide: z.boolean(),
  /** Every app instance sees the same sessions (false for a store inside the app process). */
  sharedAcrossInstances: z.boolean(),
  /** The store can count its sessions (memcached cannot). */
  countsSessions: z.boolean(),
  /** Expired sessions are removed by the store itself; otherwise the reason. */
  removesExpired: z.union([z.literal(true), z.object({ reason: z.string() })]),
  /** Largest session payload the store accepts in practice, in bytes, and why. */
  payloadLimit: z.object({ bytes: z.number().int().nonnegative(), reason: z.string() }).optional(),
  /** Longest session lifetime the store honours, in seconds, and what happens beyond it. */
  ttlLimit: z.object({ seconds: z.number().positive(), reason: z.string() }).optional(),
  /** A logout can revoke the session (false for cookie-session: a captured cookie stays valid). */
  revocable: z.boolean(),
  /**
   * Whether sessions can be loaded in bulk through the store's own client before measuring
   * (`--prefill`): how (`method`), or why not (`reason`). Absent in results written before prefill existed.
   */
  prefill: z.union([z.object({ method: z.string(), batchSize: z.number().int().positive().optional() }), z.object({ reason: z.string() })]).optional(),
});
export type StoreCapabilities = z.infer<typeof storeCapabilitiesSchema>;

/** The store server's own figures, read from the server (never estimated by the app). */
export interface ServerStats {
  /** Bytes the server reports as used for data (Redis used_memory, memcached bytes, relation size, dbStats). */
  bytes: number;
  /** Where `bytes` came from, e.g. "INFO memory used_memory". */
  source: string;
  /** Sessions the server holds, when it can tell. */
  sessions?: number;
}

/** Read-only questions about stored sessions, answered by the store itself, not through the app. */
export interface StoreInspector {
  /** Number of stored sessions, or undefined when the store cannot count (see capabilities). */
  count(): Promise<number | undefined>;
  /** The stored session data for an id, or undefined when it is absent. */
  get(sessionId: string): Promise<Record<string, unknown> | undefined>;
  /** The server's own memory/size figures; undefined for stores without a server. */
  serverStats(): Promise<ServerStats | undefined>;
}

/**
 * One session to load in bulk: the id and the session exactly as express-session hands it to
 * `Store.set` (a `cookie` that is express-session's own Cookie, so its live `maxAge` and `expires` work).
 */
export interface PrefillSession {
  id: string;
  session: SessionData;
}

/**
 * Loads sessions straight into a store through the store's own client, in bulk (a Redis pipeline,
 * a multi-row INSERT, insertMany), encoded exactly as the store's `set` would encode them, so the
 * app reads a prefilled session like any other. The harness times it; the writer never does.
 */
export interface BulkWriter {
  /** How sessions are written, e.g. "pipelined SET … EX (node-redis)"; recorded in the result. */
  readonly method: string;
  /** Sessions per `write` call the store takes well within its command timeout (the harness's default otherwise). */
  readonly batchSize?: number;
  /** Writes the sessions; resolves once the store has acknowledged every one. */
  write(sessions: readonly PrefillSession[]): Promise<void>;
  /** Deletes sessions by id, in bulk (the harness removes what it prefilled). */
  remove(ids: readonly string[]): Promise<void>;
}

/**
 * Partial updates of one record through the store's own client (never through express-session),
 * so the server-atomicity probe asks the server itself: do concurrent updates of different
 * fields of one record all survive?
 */
export interface FieldUpdates {
  /** The operations in the store's own terms, e.g. "updateOne {$set} of one field (mongodb driver)". */
  readonly description: string;
  /** Writes the record {a: 0, b: 0} under `key`, replacing any. */
  create(key: string): Promise<void>;
  /** Sets one field; the server keeps the other field as it holds it. */
  setField(key: string, field: 'a' | 'b', value: number): Promise<void>;
  /** Both fields as the server holds them. */
  read(key: string): Promise<{ a?: number; b?: number }>;
  /** Removes the records and anything else the probe created. */
  cleanup(keys: readonly string[]): Promise<void>;
}

/**
 * One session backend, small like YCSB's DB binding: it builds the session
 * middleware and answers inspection questions. It never times anything;
 * the harness wraps `store` for per-operation latency.
 */
export interface StoreAdapter {
  readonly id: AnyStoreId;
  /** Human label, e.g. "Redis (connect-redis)". */
  readonly label: string;
  readonly capabilities: StoreCapabilities;
  /** The express-session Store, when the middleware is express-session. */
  readonly store: Store | undefined;
  /** npm packages that implement this store, with the versions installed. */
  readonly packages: Record<string, string>;
  /** Fields the store adds to every session it returns (session-file-store's `__lastAccess`); the app sees them too. */
  readonly bookkeepingFields?: readonly string[];
  /** The session middleware, or undefined for the no-session baseline. */
  middleware(): RequestHandler | undefined;
  readonly inspect: StoreInspector;
  /** Bulk loading through the store's own client; absent when the store has none (capabilities.prefill says why). */
  readonly bulk?: BulkWriter;
  /**
   * Runs the store's own removal of expired sessions once and resolves when it is done, for stores
   * whose cleanup is a call the app makes (connect-pg-simple's pruneSessions); absent otherwise.
   */
  readonly pruneExpired?: () => Promise<void>;
  /** Partial record updates through the store's own client; absent when the store has none (whole values only, or no server). */
  readonly fieldUpdates?: FieldUpdates;
  /** Releases clients, timers and sockets; never stops the server. */
  close(): Promise<void>;
}

/** Everything an adapter factory gets: the run's settings and, for server stores, the server. */
export interface AdapterContext {
  /** The store's label from the registry, e.g. "Redis (connect-redis)". */
  label: string;
  settings: SessionSettings;
  server?: ServerHandle;
  /** `--store-option` values for this store, already checked against its declared `options`; the adapter parses them. */
  options?: RawStoreOptions;
}

/** Registry entry: what a store needs, and how to build its adapter (lazily imported). */
export interface StoreDefinition {
  id: AnyStoreId;
  label: string;
  /** Where a custom store came from; absent for built-in stores. */
  source?: StoreSource;
  /** The server kind it needs, or undefined for embedded stores. */
  server: ServerKind | undefined;
  /** Options the store takes through `--store-option key=value`, if any. */
  options?: StoreOptionsSchema;
  load(): Promise<(context: AdapterContext) => Promise<StoreAdapter>>;
}
