import type { AnyStoreId, ServerInfo, ServerKind, StoreCapabilities, StoreSource } from '../contract/vocabulary.ts';
import type { StoreNetwork } from '../contract/conditions.ts';
import type { RequestHandler } from 'express';
import type { SessionData, Store } from 'express-session';
import type pg from 'pg';
import type { RawStoreOptions, StoreOptionsSchema } from './options.ts';
import type { ServerCache } from '../contract/metrics.ts';
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
  /** The network `connectUrl` goes through (`--store-rtt`: a Toxiproxy proxy in front of the server); absent: direct. */
  network?: StoreNetwork;
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


/** The store server's own figures, read from the server (never estimated by the app). */
export interface ServerStats {
  /** Bytes the server reports as used for data (Redis used_memory, memcached bytes, relation size, dbStats). */
  bytes: number;
  /** Where `bytes` came from, e.g. "INFO memory used_memory". */
  source: string;
  /** Sessions the server holds, when it can tell. */
  sessions?: number;
  /** Calls the server has served so far of the commands the store sends (Redis INFO commandstats), cumulative; absent when it cannot tell. */
  commands?: { source: string; calls: Record<string, number> };
}

/** Read-only questions about stored sessions, answered by the store itself, not through the app. */
export interface StoreInspector {
  /** Number of stored sessions, or undefined when the store cannot count (see capabilities). */
  count(): Promise<number | undefined>;
  /** The stored session data for an id, or undefined when it is absent. */
  get(sessionId: string): Promise<Record<string, unknown> | undefined>;
  /** The server's own memory/size figures; undefined for stores without a server. */
  serverStats(): Promise<ServerStats | undefined>;
  /**
   * The server's hit counters as they stand (cumulative; a measured phase records their deltas),
   * read with nothing else (no count, no scan) so the delta is the load's; absent when the server keeps none.
   */
  serverCache?(): Promise<ServerCache | undefined>;
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
 * The store's own connection and its encoding rules, for remedies that need the server's atomic
 * operations (harness/app/mitigations): a conditional SET, an UPDATE … WHERE, an advisory lock.
 */
export type StoreConnection =
  | {
      kind: 'redis';
      /** The store's node-redis client: the two commands remedies use. */
      client: {
        set(key: string, value: string, options: { condition: 'NX' | 'XX'; expiration: { type: 'EX' | 'PX'; value: number } }): Promise<unknown>;
        eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
      };
      /** The session's key (connect-redis's prefix + id). */
      key(sessionId: string): string;
      /** The value and TTL in seconds connect-redis would write for this session. */
      encode(session: SessionData): { value: string; ttlSeconds: number };
    }
  | {
      kind: 'postgres';
      pool: pg.Pool;
      /** To open connections of one's own (a lock held for a whole request must not starve the store's pool). */
      connectUrl: string;
      /** The quoted session table. */
      table: string;
      /** connect-pg-simple's expiry rule, in epoch seconds. */
      expireSeconds(session: SessionData): number;
    }
  | {
      kind: 'memory';
      /** MemoryStore's own map of id → JSON (one process: reading and writing it is atomic). */
      sessions: Record<string, string>;
    };

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
  /** The store's own connection, for remedies against lost updates; absent where sessionbench implements none. */
  readonly connection?: StoreConnection;
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
