import type { LoadModel } from '../../contract/metrics.ts';
import type { OkEntry, RunResult } from '../../contract/result.ts';
import type { Spread } from '../figures/spread.ts';
import { groupEntries, groupSpread } from '../figures/aggregate.ts';
import type { EntryGroup } from '../figures/aggregate.ts';
import { quantileSamples } from '../figures/histogram.ts';
import { mannWhitneyGreater, smallestPValue } from '../figures/stats.ts';
import { formatLoad } from '../figures/format.ts';
import type { MetricDefinition } from '../figures/metrics.ts';
import { METRICS } from '../figures/metrics.ts';

/** Latency changes smaller than this are below loopback timer jitter, whatever the percentage. */
export const LATENCY_NOISE_FLOOR_US = 20;

/** Significance level of the one-sided tests: a change must be this unlikely under "nothing changed". */
export const GATE_ALPHA = 0.01;

/** Per-request latencies drawn from each side's merged histograms for the request-level test. */
export const REQUEST_SAMPLES = 2000;

/** Repetitions per side the exact test needs to reach GATE_ALPHA at all (5 and 5: p ≥ 1/252). */
export const MIN_REPETITIONS = minimumRepetitions(GATE_ALPHA);

function minimumRepetitions(alpha: number): number {
  let n = 1;
  while (smallestPValue(n, n) > alpha) n++;
  return n;
}

/**
 * How a metric moved against the baseline: better or worse when a test supports it and
 * the change is at least the metric's minimum effect; unknown when there were too few
 * repetitions to tell noise from a change (never a regression).
 */
export type MetricVerdict = 'better' | 'worse' | 'within-noise' | 'unknown';

/** A one-sided Mann–Whitney test of the change, in the direction the medians moved. */
export interface ChangeTest {
  /** P-value of a change at least this large in this direction if nothing had changed. */
  pValue: number;
  /** Samples per side: repetitions, or per-request latencies drawn from the histograms. */
  samples: [baseline: number, current: number];
}

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
  /** Smallest change, in percent, that counts as better or worse (the metric's floor); a regression also needs `failOnPercent`. */
  minEffectPercent: number;
  /** Exact test on the per-repetition values (the unit that is independent between runs); absent with fewer than MIN_REPETITIONS on a side. */
  repetitionTest?: ChangeTest;
  /** Latency only: test on per-request latencies drawn from the merged histograms (the upper 10% for p99); absent without histograms. */
  requestTest?: ChangeTest;
  /** Better, worse, within noise, or unknown (too few repetitions). */
  verdict: MetricVerdict;
  /** Worse, supported by the tests, and worse by more than the failure threshold. */
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

/** A property of the machine or runtime that differs between the two runs: their numbers are not strictly comparable. */
export interface EnvironmentDifference {
  /** What differs. */
  field: 'cpu model' | 'cpu count' | 'node' | 'cpu placement';
  /** The baseline's value. */
  baseline: string;
  /** This run's value. */
  current: string;
}

/** Everything a reporter or the CLI needs to judge a run against a baseline. */
export interface Comparison {
  /** When the baseline run started, and its commit when known. */
  baseline: { startedAt: string; gitSha?: string };
  /** When the current run started, and its commit when known. */
  current: { startedAt: string; gitSha?: string };
  /** Worsening, in percent, beyond which a supported change is a regression. */
  failOnPercent: number;
  /** Significance level the tests were held to. */
  alpha: number;
  /** Repetitions per side needed for a verdict (fewer: unknown). */
  minRepetitions: number;
  /** One per metric of every group measured in both runs. */
  metrics: MetricComparison[];
  /** Groups measured in only one of the runs. */
  unmatched: UnmatchedGroup[];
  /** Machine or runtime differences between the runs (a warning, not a failure). */
  environment: EnvironmentDifference[];
  /** Metrics that could not be judged for lack of repetitions. */
  unknown: number;
  /** Number of regressions; the CLI exits non-zero when it is above zero. */
  regressions: number;
}

const COMPARED = METRICS.filter((metric): metric is MetricDefinition & { id: MetricComparison['metric'] } => metric.id === 'throughput' || metric.id === 'p50' || metric.id === 'p99');

/** The one-sided test in the direction the medians moved: current larger when they rose, smaller when they fell. */
function directedTest(baseline: readonly number[], current: readonly number[], rose: boolean): ChangeTest {
  const pValue = rose ? mannWhitneyGreater(baseline, current) : mannWhitneyGreater(current, baseline);
  return { pValue, samples: [baseline.length, current.length] };
}

function values(group: EntryGroup, pick: (entry: OkEntry) => number | undefined): number[] {
  return group.ok.map(pick).filter((value): value is number => value !== undefined);
}

function requestLatencies(group: EntryGroup, metric: MetricComparison['metric']): number[] {
  return quantileSamples(group.ok.map((entry) => entry.measured.histogram), REQUEST_SAMPLES, metric === 'p99' ? 90 : 0);
}

function judge(definition: MetricDefinition & { id: MetricComparison['metric'] }, before: EntryGroup, after: EntryGroup, failOnPercent: number) {
  const baseline = groupSpread(before, definition.pick)!;
  const current = groupSpread(after, definition.pick)!;
  const changePercent = baseline.median === 0 ? 0 : ((current.median - baseline.median) / baseline.median) * 100;
  const rose = current.median > baseline.median;
  const minEffectPercent = definition.noiseFloorPercent;
  const judged: Pick<MetricComparison, 'baseline' | 'current' | 'changePercent' | 'minEffectPercent' | 'repetitionTest' | 'requestTest'> = { baseline, current, changePercent, minEffectPercent };
  if (baseline.n >= MIN_REPETITIONS && current.n >= MIN_REPETITIONS) judged.repetitionTest = directedTest(values(before, definition.pick), values(after, definition.pick), rose);
  if (definition.unit === 'µs') {
    const [beforeSamples, afterSamples] = [requestLatencies(before, definition.id), requestLatencies(after, definition.id)];
    if (beforeSamples.length > 0 && afterSamples.length > 0) judged.requestTest = directedTest(beforeSamples, afterSamples, rose);
  }
  const belowJitter = definition.unit === 'µs' && Math.abs(current.median - baseline.median) < LATENCY_NOISE_FLOOR_US;
  const worsening = definition.biggerIsBetter ? -changePercent : changePercent;
  const supported = (test: ChangeTest | undefined) => test === undefined || test.pValue <= GATE_ALPHA;
  let verdict: MetricVerdict;
  if (belowJitter || Math.abs(changePercent) < minEffectPercent) verdict = 'within-noise';
  else if (!judged.repetitionTest) verdict = 'unknown';
  else if (supported(judged.repetitionTest) && supported(judged.requestTest)) verdict = worsening > 0 ? 'worse' : 'better';
  else verdict = 'within-noise';
  return { ...judged, verdict, regression: verdict === 'worse' && worsening > failOnPercent };
}

/** How a run placed its processes, as a comparison names it: "split (app on CPU 0)" or "shared". */
function placementOf(result: RunResult): string {
  const placement = result.env.cpuPlacement;
  return placement?.mode === 'split' ? `split (app on CPU ${placement.appCpus.join(', ')})` : 'shared';
}

function environmentDifferences(baseline: RunResult, current: RunResult): EnvironmentDifference[] {
  const pairs: EnvironmentDifference[] = [
    { field: 'cpu model', baseline: baseline.env.cpu.model, current: current.env.cpu.model },
    { field: 'cpu count', baseline: String(baseline.env.cpu.count), current: String(current.env.cpu.count) },
    { field: 'node', baseline: baseline.env.node, current: current.env.node },
    // Results from before the placement was recorded ran shared.
    { field: 'cpu placement', baseline: placementOf(baseline), current: placementOf(current) },
  ];
  return pairs.filter((pair) => pair.baseline !== pair.current);
}

/**
 * Compares two runs metric by metric (throughput, p50, p99 per store × scenario × load
 * model, over ok entries; open-model throughput is the configured rate and is skipped).
 * Groups match on structured fields (see scenarioKeyOf): scenario, variant, payload size,
 * instances, load model and its connections, rate or script; never on display labels.
 * A metric is worse (or better) when its median moved by at least the metric's minimum effect
 * (5%, 10% for p99; 20 µs for latency) and a one-sided exact Mann–Whitney test on the
 * per-repetition values gives p ≤ GATE_ALPHA — and, for latency, so does the test on
 * per-request latencies drawn from the histograms. With fewer than MIN_REPETITIONS on a side
 * the noise is unknown: the verdict says so and it is never a regression. A regression is
 * worse by more than failOnPercent, or a group that was measured and now fails.
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
      if (!groupSpread(before, definition.pick) || !groupSpread(after, definition.pick)) continue;
      metrics.push({ ...identity, metric: definition.id, unit: definition.unit, ...judge(definition, before, after, options.failOnPercent) });
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
    alpha: GATE_ALPHA,
    minRepetitions: MIN_REPETITIONS,
    metrics,
    unmatched,
    environment: environmentDifferences(baseline, current),
    unknown: metrics.filter((metric) => metric.verdict === 'unknown').length,
    regressions: metrics.filter((metric) => metric.regression).length + unmatched.filter((group) => group.regression).length,
  };
}

/** The comparison's outcome in one sentence, for every reporter. */
export function comparisonVerdict(comparison: Comparison): string {
  const quiet = comparison.metrics.filter((metric) => metric.verdict === 'within-noise').length;
  const supported = `supported by a one-sided Mann–Whitney test at p ≤ ${comparison.alpha}`;
  return comparison.regressions > 0
    ? `${comparison.regressions} regression${comparison.regressions === 1 ? '' : 's'} worse by more than ${comparison.failOnPercent}%, ${supported}.`
    : `No regression worse by more than ${comparison.failOnPercent}% ${supported} (${quiet} of ${comparison.metrics.length} metrics within noise).`;
}

/** What a reader must know before trusting the verdict: metrics left unjudged, and a baseline from another machine or Node. */
export function comparisonWarnings(comparison: Comparison): string[] {
  const warnings: string[] = [];
  if (comparison.unknown > 0) {
    warnings.push(`${comparison.unknown} of ${comparison.metrics.length} metrics changed but could not be judged: fewer than ${comparison.minRepetitions} repetitions on a side leave the noise unknown (run with --repeat ${comparison.minRepetitions} or more); they never fail the gate.`);
  }
  for (const difference of comparison.environment) {
    warnings.push(`The baseline ran on another ${difference.field} (${difference.baseline}; now ${difference.current}): a change may be the machine's, not the code's.`);
  }
  return warnings;
}
