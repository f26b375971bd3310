import { z } from 'zod';
import { anyStoreIdSchema } from './vocabulary.ts';

/** Production conditions a run can put around the store: a network between app and store server, a stated request rate. */

/**
 * The network sessionbench put between the app and its store server (`--store-rtt`): a TCP proxy
 * (Toxiproxy) whose latency toxics delay every chunk of data, `upstreamMs` on the way to the server
 * and `downstreamMs` on the way back. Absent when the app talked to the server directly.
 */
export const storeNetworkSchema = z.object({
  /** The proxy that made it, e.g. "Toxiproxy 2.5.0". */
  proxy: z.string(),
  /** Round-trip time added to every request–response exchange with the store, in ms (`--store-rtt`). */
  rttMs: z.number().nonnegative(),
  /** Delay added to data going to the server and coming back, in ms (they add up to `rttMs`). */
  upstreamMs: z.number().nonnegative(),
  downstreamMs: z.number().nonnegative(),
  /** Each direction's delay varies uniformly by up to ± this, in ms (`--store-jitter`). */
  jitterMs: z.number().nonnegative(),
});
export type StoreNetwork = z.infer<typeof storeNetworkSchema>;

/**
 * How the request rate of an at-rate entry (`--latency-at`) was chosen: stated by the user in req/s,
 * or a share of the slowest store's median saturated (closed-model) throughput in the same scenario,
 * so that every store under comparison can sustain it.
 */
export const rateChoiceSchema = z.discriminatedUnion('basis', [
  z.object({ basis: z.literal('stated'), ratePerSecond: z.number().positive() }),
  z.object({
    basis: z.literal('share-of-slowest'),
    ratePerSecond: z.number().positive(),
    /** The share, e.g. 0.5 for `--latency-at 50%`. */
    share: z.number().positive().max(1),
    /** The store with the lowest median saturated throughput, and that throughput in req/s. */
    slowestStore: anyStoreIdSchema,
    slowestThroughput: z.number().positive(),
  }),
]);
export type RateChoice = z.infer<typeof rateChoiceSchema>;

/**
 * What the verdict says about latency at a stated rate (`--latency-at`): it ranks on saturated throughput,
 * and quotes each store's p50/p99 at the rate beside it, with whether ordering by that p99 gives the same order.
 */
export const atRateVerdictSchema = z.object({
  /** The figure the recommendation ranks stores on. */
  rankedOn: z.literal('saturated-throughput'),
  /** The load scenario the figures are from. */
  scenario: z.string(),
  /** The round trip added to the store (`--store-rtt`) of the entries read, in ms; absent when none was added. */
  storeRttMs: z.number().nonnegative().optional(),
  rate: rateChoiceSchema,
  /** Each store's median p50 and p99 over its at-rate repetitions, in µs, lowest p99 first, and the iterations k6 dropped (0: it sustained the rate). */
  stores: z.array(z.object({ store: anyStoreIdSchema, p50Us: z.number().nonnegative(), p99Us: z.number().nonnegative(), droppedIterations: z.number().int().nonnegative() })),
  /** Whether the candidates ordered by p99 at the rate come in the order the verdict ranked them (differences within noise count as the same). */
  sameOrder: z.boolean(),
});
export type AtRateVerdict = z.infer<typeof atRateVerdictSchema>;

/**
 * What the verdict says about a `--store-rtt` sweep: it ranks on the first round trip given, and for each
 * other one compares the stores' saturated throughput there (those an objection rules out too: a flip is
 * about speed), saying whether their order at the first round trip holds.
 */
export const rttSweepVerdictSchema = z.object({
  /** The round trip the verdict ranked on (the sweep's first), in ms. */
  rankedAtMs: z.number().nonnegative(),
  /** The load scenario the figures are from (the headline's). */
  scenario: z.string(),
  /** Per other round trip: each store's median saturated throughput there, fastest first, and whether the order at the first holds. */
  at: z.array(
    z.object({
      rttMs: z.number().nonnegative(),
      stores: z.array(z.object({ store: anyStoreIdSchema, throughput: z.number().nonnegative() })),
      /** True unless a store behind another at the first round trip is ahead of it here by more than this round trip's repetitions resolve. */
      sameOrder: z.boolean(),
      /**
       * Pairs whose order turned: `ahead` is now resolvably faster than `behind`, which was faster at the first
       * round trip — by more than its noise resolves, or within it (`tiedAtFirst`: then `ahead` pulled away rather than overtook).
       */
      flipped: z.array(z.object({ ahead: anyStoreIdSchema, behind: anyStoreIdSchema, tiedAtFirst: z.boolean() })),
      /** Stores ranked at the first round trip with no measurement at this one (it failed or was skipped there). */
      notMeasured: z.array(anyStoreIdSchema).optional(),
    }),
  ),
});
export type RttSweepVerdict = z.infer<typeof rttSweepVerdictSchema>;
