import { z } from 'zod';
import { count } from '../../contract/metrics.ts';
import { LOSS_CAUSES } from '../../contract/vocabulary.ts';

/** Rounds of a probe and how many of them lost the write under test. */
export const probeCountSchema = z.object({ rounds: count, reverted: count });
export type ProbeCount = z.infer<typeof probeCountSchema>;

/**
 * The mechanisms that can lose a session write, each measured directly on this store
 * (harness/probes/mechanisms.ts), so a note names the cause that was observed instead of guessing.
 */
export const raceMechanismsSchema = z.object({
  /**
   * Concurrent updates of different fields of one record, through the store's own client
   * (e.g. two `$set` with the mongodb driver, two `UPDATE … SET` on one row, `HSET`): true when
   * none was lost; 'not-applicable' when the store has no partial update (memcached) or no server (memory).
   */
  serverUpdatesAtomic: z.union([z.boolean(), z.literal('not-applicable')]),
  /** The server-atomicity probe: one update of a field racing several of another field. */
  serverUpdateProbe: probeCountSchema.extend({ description: z.string() }).optional(),
  /** After a newer `set`, the Store's `touch` with the older session restored the older data: touch writes the whole session. */
  touchRewritesSession: z.boolean(),
  /** A `set` of the newer session sent amid `touch`es with the older one (Store API, as parallel reads touch while one request saves): rounds where the newer data was lost. */
  touchRacingSet: probeCountSchema,
  /** A `set` with a stale copy replaced newer data (fields it lacked were gone): a save writes the whole session, last writer wins. */
  staleFullSave: z.boolean(),
});
export type RaceMechanisms = z.infer<typeof raceMechanismsSchema>;

/** What a remedy counted in the app (summed over instances): saves it refused, and saves it merged and tried again. */
export const mitigationCountsSchema = z.object({
  /** Saves not written: the session was gone, the lock was lost, or a compare-and-set kept failing. */
  rejectedSaves: count,
  /** Saves tried again after a failed compare-and-set. */
  retries: count,
});
export type MitigationCounts = z.infer<typeof mitigationCountsSchema>;

/** What the race scenario's counter/item oracles and the logout resurrection probe found. */
export const raceObservationsSchema = z.object({
  kind: z.literal('race'),
  sessions: count,
  fanout: count,
  rounds: count,
  /** Counter increments the app acknowledged (2xx). */
  expectedCount: count,
  /** Sum of the final counters read from the store. */
  observedCount: count,
  lostUpdates: count,
  /** Item appends the app acknowledged (2xx). */
  itemsExpected: count,
  itemsMissing: count,
  /** Sessions whose final state could not be read at all. */
  sessionsMissing: count,
  resurrectionProbes: count,
  /** Logouts that answered 200 (a probe whose logout failed proves nothing). */
  logoutsAcknowledged: count,
  /** Sessions present in the store again after logout and a slow request (server-side stores only). */
  resurrected: count.optional(),
  /** A cookie captured before the logout still read the session afterwards. */
  revokedCookieStillValid: count,
  /** The client's own cookies, after both responses were applied, still read the session. */
  resurrectedInClient: count,
  /** The loss mechanisms measured on this store (express-session stores only). */
  mechanisms: raceMechanismsSchema.optional(),
  /** Which measured mechanisms explain the losses under this scenario and settings; empty when nothing was lost. */
  lossCauses: z.array(z.enum(LOSS_CAUSES)).optional(),
  /**
   * Milliseconds from the start of one session's burst until all of its `fanout` parallel requests
   * had answered (every session bursts at once), over all bursts: a page waiting for its XHRs.
   */
  burstCompletionMs: z.object({ p50: z.number().nonnegative(), p99: z.number().nonnegative(), max: z.number().nonnegative() }).optional(),
  /** What the remedy (`mitigation`) counted during the bursts, and during the logout probe; absent without one. */
  mitigationCounts: z.object({ bursts: mitigationCountsSchema, logoutProbe: mitigationCountsSchema }).optional(),
});
export type RaceObservations = z.infer<typeof raceObservationsSchema>;
