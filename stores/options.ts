import { z } from 'zod';

/**
 * Options a store declares for `--store-option key=value`: a zod object over the raw strings,
 * so the CLI can validate them before anything runs and the adapter parses them into typed values.
 */
export type StoreOptionsSchema = z.ZodObject<Record<string, z.ZodType<unknown, string | undefined>>>;

/** Raw `key=value` options for one store, as given on the command line (validated against its schema). */
export type RawStoreOptions = Record<string, string>;

/** Node's longest timer, in ms (2^31 − 1, ~24.8 days): a longer delay fires after 1 ms instead. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A whole number from `min` to `max`; `max` is what the runtime can honour (a timer's limit, a sane count), with why. */
const wholeNumber = (what: string, min: number, max: { value: number; why: string }) =>
  z
    .string()
    .regex(/^\d+$/, `${what}: give a whole number`)
    .transform(Number)
    .pipe(z.number().min(min, `${what}: at least ${min}`).max(max.value, `${what}: at most ${max.value} (${max.why})`));
const TIMER_MS = { value: MAX_TIMER_MS, why: "Node's longest timer, ~24.8 days" };
/** connect-pg-simple waits a random 50–150 % of its interval: 1.5× the interval must fit one timer. */
const PRUNE_SECONDS = { value: Math.floor(MAX_TIMER_MS / 1.5 / 1000), why: "connect-pg-simple waits up to 1.5× it, and Node's longest timer is ~24.8 days" };
const flag = (what: string) => z.stringbool({ error: `${what}: give true or false` });

/** memorystore: the LRU cap (sessions beyond it evict the least recently used) and the prune period. */
export const MEMORYSTORE_OPTIONS = z.strictObject({
  max: wholeNumber('max (sessions kept before the LRU evicts)', 1, { value: 100_000_000, why: 'far beyond any heap' }).optional(),
  checkPeriod: wholeNumber('checkPeriod (ms between prunes of expired sessions)', 1000, TIMER_MS).optional(),
});

/** connect-redis: `disableTouch` (no TTL refresh on a read; a session then expires maxAge after its last write). */
export const REDIS_OPTIONS = z.strictObject({ disableTouch: flag('disableTouch').optional() });

/** connect-mongo: `touchAfter` (seconds during which touches are skipped). */
export const MONGO_OPTIONS = z.strictObject({ touchAfter: wholeNumber('touchAfter (seconds between touches)', 0, { value: 365 * 24 * 3600, why: 'one year; a session lives shorter' }).optional() });

/** connect-pg-simple: `pruneSessionInterval` (seconds between deletes of expired rows), `pool` (the pg Pool's size) and `disableTouch` (no expiry update on a read). */
export const POSTGRES_OPTIONS = z.strictObject({
  pruneSessionInterval: wholeNumber('pruneSessionInterval (seconds between prunes)', 1, PRUNE_SECONDS).optional(),
  /** The `pg` Pool's `max`: connections the app holds to PostgreSQL (sessionbench's default 10, pg's own default). */
  pool: wholeNumber('pool (connections in the pg Pool)', 1, { value: 1000, why: "beyond PostgreSQL's usual max_connections" }).optional(),
  disableTouch: flag('disableTouch').optional(),
});

/** express-mysql-session: `disableTouch`. */
export const MYSQL_OPTIONS = z.strictObject({ disableTouch: flag('disableTouch').optional() });

/** session-file-store: `retries` on a missing file (its own default is 5; sessionbench's 0). */
export const FILE_OPTIONS = z.strictObject({ retries: wholeNumber('retries (re-reads of a missing session file)', 0, { value: 100, why: 'each retry waits before reading again' }).optional() });

/** The option names a schema declares. */
export function optionNames(schema: StoreOptionsSchema | undefined): string[] {
  return schema ? Object.keys(schema.shape) : [];
}

/** "key=value, key=value" for labels and logs, in the order given. */
export function formatStoreOptions(options: RawStoreOptions | undefined): string {
  return Object.entries(options ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
}
