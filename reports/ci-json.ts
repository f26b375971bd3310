import type { RunResult } from './result.ts';
import { groupEntries, groupSpread } from './aggregate.ts';
import { formatServer } from './format.ts';
import { METRICS } from './metrics.ts';

/** One data point in github-action-benchmark's custom format. */
export interface BenchmarkPoint {
  /** Stable series name: store id · scenario · load model · metric. */
  name: string;
  /** Unit of `value`, e.g. "req/s", "µs", "B". */
  unit: string;
  /** Median over repetitions. */
  value: number;
  /** Spread across repetitions, e.g. "13900–14400". */
  range?: string;
  /** Store label, server and repetitions, shown in the chart's tooltip. */
  extra?: string;
}

/** github-action-benchmark inputs: `customBiggerIsBetter` and `customSmallerIsBetter` arrays. */
export interface CiBenchmarks {
  /** Throughput points. */
  biggerIsBetter: BenchmarkPoint[];
  /** Latency and memory-per-session points. */
  smallerIsBetter: BenchmarkPoint[];
}

/**
 * Medians over repetitions of closed-model throughput (bigger is better) and p50/p99 latency in µs
 * and memory per session (smaller is better), one point per store × scenario × load model.
 * Names use store ids, not labels, so a server upgrade does not break the history.
 */
export function renderCiJson(result: RunResult): CiBenchmarks {
  const output: CiBenchmarks = { biggerIsBetter: [], smallerIsBetter: [] };
  for (const group of groupEntries(result.entries)) {
    for (const metric of METRICS.filter((definition) => !definition.closedModelOnly || group.load.model === 'closed')) {
      const spread = groupSpread(group, metric.pick);
      if (!spread) continue;
      const point: BenchmarkPoint = {
        name: `${group.store} · ${group.scenario} · ${group.load.model} · ${metric.label}`,
        unit: metric.unit,
        value: spread.median,
        extra: `${group.storeLabel} on ${formatServer(group.store, group.server)}; median of ${spread.n} repetition${spread.n === 1 ? '' : 's'}`,
      };
      if (spread.n > 1) point.range = `${spread.min}–${spread.max}`;
      (metric.biggerIsBetter ? output.biggerIsBetter : output.smallerIsBetter).push(point);
    }
  }
  return output;
}
