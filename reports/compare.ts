import type { LoadModel, RunResult } from './result.ts';
import type { Spread } from './spread.ts';
import { groupEntries, groupSpread } from './aggregate.ts';
import { formatLoad } from './format.ts';
import type { MetricDefinition } from './metrics.ts';
import { METRICS } from './metrics.ts';

/** Latency changes smaller than this are below loopback timer jitter, whatever the percentage. */
export const LATENCY_NOISE_FLOOR_US = 20;

/** How a metric moved against the baseline. */
export type MetricVerdict = 'better' | 'worse' | 'within-noise';

/** One metric of one store × scenario × load model, baseline against current. */
export interface MetricComparison {
  /** Store id. */
  store: string;
  /** Store label, for display. */
  storeLabel: string;
  /** Scenario label for display (the current run's); groups are matched on structured fields, not on it. */
  scenario: string;
  /** Load model of both groups (they match on connections or arrival rate too). */
  model: LoadModel['model'];
  /** Which metric. */
  metric: 'throughput' | 'p50' | 'p99';
  /** Unit of `baseline` and `current`. */
  unit: MetricDefinition['unit'];
  /** The metric over the baseline's repetitions. */
  baseline: Spread;
  /** The metric over this run's repetitions. */
  current: Spread;
  /** Change of the current median against the baseline median, in percent (sign as measured). */
  changePercent: number;
  /** The band, in percent of the baseline median, inside which a change counts as noise. */
  noisePercent: number;
  /** Better, worse, or within the noise band. */
  verdict: MetricVerdict;
  /** Worse beyond both the noise band and the failure threshold. */
  regression: boolean;
}

/** A store × scenario present in one run but not measured in both. */
export interface UnmatchedGroup {
  /** Store id. */
  store: string;
  /** Store label, for display. */
  storeLabel: string;
  /** Scenario label for display. */
  scenario: string;
  /** Load model of the group. */
  model: LoadModel['model'];
  /** Why it has no counterpart, in words (naming the load when the other run has no group under it). */
  reason: string;
  /** True when it was measured in the baseline and now fails. */
  regression: boolean;
}

/** Everything a reporter or the CLI needs to judge a run against a baseline. */
export interface Comparison {
  /** When the baseline run started, and its commit when known. */
  baseline: { startedAt: string; gitSha?: string };
  /** When the current run started, and its commit when known. */
  current: { startedAt: string; gitSha?: string };
  /** Worsening, in percent, beyond which a change outside noise is a regression. */
  failOnPercent: number;
  /** One per metric of every group measured in both runs. */
  metrics: MetricComparison[];
  /** Groups measured in only one of the runs. */
  unmatched: UnmatchedGroup[];
  /** Number of regressions; the CLI exits non-zero when it is above zero. */
  regressions: number;
}

const COMPARED = METRICS.filter((metric): metric is MetricDefinition & { id: MetricComparison['metric'] } => metric.id !== 'memoryPerSession');

function spreadPercent(spread: Spread): number {
  return spread.median === 0 ? 0 : ((spread.max - spread.min) / spread.median) * 100;
}

function noiseBand(floorPercent: number, baseline: Spread, current: Spread, failOnPercent: number): number {
  if (baseline.n < 2 || current.n < 2) return Math.max(floorPercent, failOnPercent);
  return Math.max(floorPercent, spreadPercent(baseline), spreadPercent(current));
}

function judge(definition: MetricDefinition, baseline: Spread, current: Spread, failOnPercent: number) {
  const changePercent = baseline.median === 0 ? 0 : ((current.median - baseline.median) / baseline.median) * 100;
  const noisePercent = noiseBand(definition.noiseFloorPercent, baseline, current, failOnPercent);
  const worsening = definition.biggerIsBetter ? -changePercent : changePercent;
  const belowJitter = definition.unit === 'µs' && Math.abs(current.median - baseline.median) < LATENCY_NOISE_FLOOR_US;
  const verdict: MetricVerdict = belowJitter || Math.abs(changePercent) <= noisePercent ? 'within-noise' : worsening > 0 ? 'worse' : 'better';
  return { changePercent, noisePercent, verdict, regression: verdict === 'worse' && worsening > failOnPercent };
}

/**
 * Compares two runs metric by metric (throughput, p50, p99 per store × scenario × load
 * model, over ok entries; open-model throughput is the configured rate and is skipped).
 * Groups match on structured fields (see scenarioKeyOf): scenario, variant, payload size,
 * instances, load model and its connections, rate or script; never on display labels.
 * Repetitions give the noise band (their min–max spread, at least the metric's floor:
 * 5%, or 10% for p99); with one repetition the band is max(floor, failOnPercent). A regression is worse beyond
 * the noise band and beyond failOnPercent, or a group that was measured and now fails.
 */
export function compareRuns(baseline: RunResult, current: RunResult, options: { failOnPercent: number }): Comparison {
  const currentGroups = new Map(groupEntries(current.entries).map((group) => [group.key, group]));
  const metrics: MetricComparison[] = [];
  const unmatched: UnmatchedGroup[] = [];
  for (const before of groupEntries(baseline.entries)) {
    const after = currentGroups.get(before.key);
    currentGroups.delete(before.key);
    const identity = { store: before.store, storeLabel: before.storeLabel, scenario: after?.scenario ?? before.scenario, model: before.load.model };
    if (before.ok.length === 0) {
      if (after && after.ok.length > 0) unmatched.push({ ...identity, reason: 'not measured in the baseline, measured now', regression: false });
      continue;
    }
    if (!after || after.ok.length === 0) {
      const lost = after?.notMeasured[0];
      const reason = lost ? `measured in the baseline, now ${lost.status}: ${lost.reason}` : `measured in the baseline (${formatLoad(before.load)}), absent from this run`;
      unmatched.push({ ...identity, reason, regression: after?.notMeasured.some((entry) => entry.status === 'failed') ?? false });
      continue;
    }
    for (const definition of COMPARED.filter((metric) => !metric.closedModelOnly || before.load.model === 'closed')) {
      const baselineSpread = groupSpread(before, definition.pick)!;
      const currentSpread = groupSpread(after, definition.pick)!;
      metrics.push({ ...identity, metric: definition.id, unit: definition.unit, baseline: baselineSpread, current: currentSpread, ...judge(definition, baselineSpread, currentSpread, options.failOnPercent) });
    }
  }
  for (const added of currentGroups.values()) {
    if (added.ok.length > 0) unmatched.push({ store: added.store, storeLabel: added.storeLabel, scenario: added.scenario, model: added.load.model, reason: `new in this run (${formatLoad(added.load)}): no baseline`, regression: false });
  }
  const describe = (run: RunResult) => ({ startedAt: run.startedAt, ...(run.env.gitSha ? { gitSha: run.env.gitSha } : {}) });
  return {
    baseline: describe(baseline),
    current: describe(current),
    failOnPercent: options.failOnPercent,
    metrics,
    unmatched,
    regressions: metrics.filter((metric) => metric.regression).length + unmatched.filter((group) => group.regression).length,
  };
}
