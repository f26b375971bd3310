import { z } from 'zod';

/**
 * The shared vocabularies of the results contract: names that the harness writes, reports switch on and
 * stores declare. Data, never prose: a report reads a cause or a capability, not a sentence.
 */

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
  /** True when the store's clients talk TLS to it (`rediss:`, `sslmode=verify-full`: `--store-tls`, or a URL that asks for it); absent: plain TCP. */
  tls: z.boolean().optional(),
});
export type ServerInfo = z.infer<typeof serverInfoSchema>;

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

/** The load generators a run can use: autocannon (closed model) or k6 (open model). */
export const LOAD_DRIVERS = ['autocannon', 'k6'] as const;
export type LoadDriver = (typeof LOAD_DRIVERS)[number];

/** How each request picks the user it speaks for (`--distribution`, YCSB's request distributions). */
export const REQUEST_DISTRIBUTIONS = ['zipfian', 'uniform', 'latest'] as const;
export type RequestDistribution = (typeof REQUEST_DISTRIBUTIONS)[number];

/**
 * How a race lost acknowledged writes, by measured mechanism: concurrent saves of whole, stale
 * sessions (express-session); a touch that rewrites the session it loaded (the store);
 * a touch whose partial update is not atomic with a concurrent save (the server).
 */
export const LOSS_CAUSES = ['stale-full-save', 'touch-rewrites-session', 'non-atomic-server-update'] as const;
export type LossCause = (typeof LOSS_CAUSES)[number];

/** Why an entry failed, as data a report can count and switch on. */
export const FAILURE_CAUSES = [
  /** No server could be provisioned, or a URL given does not answer. */
  'provisioning',
  /** The store failed login → read → write → read back → logout → gone. */
  'verification',
  /** The store cannot carry the run's session payload (a limit to know, not a broken store). */
  'payload-limit',
  /** The app under test crashed. */
  'crash',
  /** A step did not finish in its time bound. */
  'timeout',
  /** The store cannot hold what the run asked for on this machine (an in-process store beyond the app's heap limit). */
  'capacity',
  /** Anything else: `reason` says what. */
  'error',
] as const;
export type FailureCause = (typeof FAILURE_CAUSES)[number];

/** Why an entry was not attempted. */
export const SKIP_CAUSES = ['no-server', 'no-package', 'not-applicable'] as const;
export type SkipCause = (typeof SKIP_CAUSES)[number];

/**
 * Remedies against lost updates and resurrected sessions (`--mitigation`, harness/app/mitigations):
 * none; an in-process per-session mutex; a lock in the store's server; a save only while the
 * session still exists; a compare-and-set on a version field.
 */
export const MITIGATION_IDS = ['none', 'mutex', 'store-lock', 'if-exists', 'versioned'] as const;
export type MitigationId = (typeof MITIGATION_IDS)[number];

/** Where a store's sessions live on its server, recorded on every entry. */
export const storeNamespaceSchema = z.object({
  /** A key prefix (Redis, memcached), a table (SQL) or a collection (MongoDB). */
  kind: z.enum(['key-prefix', 'table', 'collection']),
  name: z.string(),
  /** True when these are sessionbench's own names (the default); false for the store library's defaults. */
  own: z.boolean(),
});
export type StoreNamespace = z.infer<typeof storeNamespaceSchema>;
