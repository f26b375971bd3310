import { z } from 'zod';
import { count, micros } from '../../contract/metrics.ts';

/** What the expiry scenario measured: the store's cleanup of expired sessions under load. */
export const expiryObservationsSchema = z.object({
  kind: z.literal('expiry'),
  /** Sessions prefilled already expired. */
  expiredSessions: count,
  /** How they are removed: `call` — the app calls the store's prune (connect-pg-simple's pruneSessions); `server` — the server's own expiry (TTL index, Redis/memcached expiry, memorystore's timer), watched; `none` — nothing removes them. */
  cleanup: z.enum(['call', 'server', 'none']),
  /** When the cleanup was called or the watch began, in ms since the measured phase started. */
  startedAtMs: z.number().nonnegative(),
  /** How long the prune call took (`call` only). */
  cleanupMs: z.number().nonnegative().optional(),
  /** Sessions the server reports before and after the cleanup window (absent when it cannot count or counting would itself clean up). */
  storedBefore: count.optional(),
  storedAfter: count.optional(),
  /** The server's own size before and after the cleanup window. */
  server: z.object({ before: count, after: count, source: z.string() }).optional(),
  /** The app's heap (after GC) before and after the cleanup window: where an in-process store keeps sessions. */
  appHeap: z.object({ before: count, after: count }),
  /** Median of the per-second p99 latencies before the cleanup, µs. */
  baselineP99Us: micros.optional(),
  /** Worst per-second p99 from the cleanup's start until it ended (at least one second), µs. */
  cleanupP99Us: micros.optional(),
});
export type ExpiryObservations = z.infer<typeof expiryObservationsSchema>;
