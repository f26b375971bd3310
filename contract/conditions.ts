import { z } from 'zod';

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
    slowestStore: z.string(),
    slowestThroughput: z.number().positive(),
  }),
]);
export type RateChoice = z.infer<typeof rateChoiceSchema>;
