import { z } from 'zod';

/**
 * Options a store declares for `--store-option key=value`: a zod object over the raw strings,
 * so the CLI can validate them before anything runs and the adapter parses them into typed values.
 */
export type StoreOptionsSchema = z.ZodObject<Record<string, z.ZodType<unknown, string | undefined>>>;

/** Raw `key=value` options for one store, as given on the command line (validated against its schema). */
export type RawStoreOptions = Record<string, string>;

const wholeNumber = (what: string, min: number) =>
  z
    .string()
    .regex(/^\d+$/, `${what}: give a whole number`)
    .transform(Number)
    .pipe(z.number().min(min, `${what}: at least ${min}`).max(Number.MAX_SAFE_INTEGER, `${what}: too large`));
const flag = (what: string) => z.stringbool({ error: `${what}: give true or false` });

/** memorystore: the LRU cap (sessions beyond it evict the least recently used) and the prune period. */
export const MEMORYSTORE_OPTIONS = z.strictObject({
  max: wholeNumber('max (sessions kept before the LRU evicts)', 1).optional(),
  checkPeriod: wholeNumber('checkPeriod (ms between prunes of expired sessions)', 1000).optional(),
});

/** connect-redis: `disableTouch` (no TTL refresh on a read; a session then expires maxAge after its last write). */
export const REDIS_OPTIONS = z.strictObject({ disableTouch: flag('disableTouch').optional() });

/** connect-mongo: `touchAfter` (seconds during which touches are skipped). */
export const MONGO_OPTIONS = z.strictObject({ touchAfter: wholeNumber('touchAfter (seconds between touches)', 0).optional() });

/** connect-pg-simple: `pruneSessionInterval` (seconds between deletes of expired rows). */
export const POSTGRES_OPTIONS = z.strictObject({
  pruneSessionInterval: wholeNumber('pruneSessionInterval (seconds between prunes)', 1).optional(),
});

/** express-mysql-session: `disableTouch`. */
export const MYSQL_OPTIONS = z.strictObject({ disableTouch: flag('disableTouch').optional() });

/** session-file-store: `retries` on a missing file (its own default is 5; sessionbench's 0). */
export const FILE_OPTIONS = z.strictObject({ retries: wholeNumber('retries (re-reads of a missing session file)', 0).optional() });

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
