import type { RateChoice } from '../../contract/conditions.ts';
import type { AnyStoreId } from '../../contract/vocabulary.ts';
import type { LatencyAtSettings } from '../plan/conditions.ts';
import type { RunPlan } from '../plan/plan.ts';

/** The median of a non-empty list. */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * The rate every store of a scenario is measured at (`--latency-at`): the stated req/s, or the share of the
 * slowest store's median saturated throughput (the closed-model repetitions just measured), so that every
 * store under comparison can sustain it. Undefined when a share was asked for and no store was measured.
 */
export function chooseRate(latencyAt: LatencyAtSettings, saturated: ReadonlyMap<AnyStoreId, readonly number[]>): RateChoice | undefined {
  if (latencyAt.basis === 'stated') return { basis: 'stated', ratePerSecond: latencyAt.ratePerSecond };
  const medians = [...saturated].filter(([, values]) => values.length > 0).map(([store, values]) => ({ store, throughput: median(values) }));
  const slowest = medians.sort((a, b) => a.throughput - b.throughput)[0];
  if (!slowest || slowest.throughput <= 0) return undefined;
  return {
    basis: 'share-of-slowest',
    ratePerSecond: Math.max(1, Math.floor(latencyAt.share * slowest.throughput)),
    share: latencyAt.share,
    slowestStore: slowest.store,
    slowestThroughput: slowest.throughput,
  };
}

/**
 * The plan one at-rate measurement runs under: the open model (k6) at `rate`. The store's serial probe and
 * memory per session were measured with the saturated repetitions: not again.
 */
export function atRatePlan(plan: RunPlan, latencyAt: LatencyAtSettings, rate: RateChoice): RunPlan {
  return { ...plan, driver: 'k6', k6: { binary: latencyAt.binary, ratePerSecond: rate.ratePerSecond }, probeOperations: 0, memorySessions: 0 };
}
