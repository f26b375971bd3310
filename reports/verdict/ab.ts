/**
 * The A/B verdict: two variants measured in interleaved blocks on one machine in one job, each
 * block one fresh-app repetition of A and one of B. Timings are judged paired across blocks
 * (exact signed-rank test on log(B / A), Holm over every timing metric judged, and an effect-size
 * floor); counts — store calls and bytes per request, correctness counts — are judged against
 * tight bounds, since they barely vary between machines ("counts before clocks").
 */
import { STORE_OPERATIONS } from '../../contract/metrics.ts';
import type { OkEntry, ResultEntry, RunResult } from '../../contract/result.ts';
import { scenarioKeyOf, scenarioLabeller } from '../figures/aggregate.ts';
import { CORRECTNESS_OBSERVATIONS, METRICS, correctnessTotal } from '../figures/metrics.ts';
import { holm, median, minimumDetectableShift, minimumPairs, signedRankTest, standardDeviation } from '../figures/paired.ts';
import type { SignedRankTest } from '../figures/paired.ts';
import { spreadOf } from '../figures/spread.ts';
import type { Spread } from '../figures/spread.ts';
import type { TextTable } from '../figures/text-table.ts';

/** Family-wise significance level of the timing tests unless the caller sets one. */
export const AB_ALPHA = 0.05;

/** Relative tolerance of a count per request: a change within it (or within either variant's own range) is no change. */
export const COUNT_TOLERANCE = 0.02;

/** One block: a fresh-app run of each variant, in the order they ran. */
export interface AbBlock {
  /** Which variant ran first in this block; `both` when they ran at the same time (`--duet`). */
  first: 'a' | 'b' | 'both';
  a: RunResult;
  b: RunResult;
}

/** How a block's order is written in a verdict (`orders`): A first, B first, or both at once. */
const ORDER_LABELS: Record<AbBlock['first'], string> = { a: 'AB', b: 'BA', both: 'A+B' };

/** The block order a verdict's `orders` entry stands for; undefined for anything else. */
export function blockOrderOf(label: unknown): AbBlock['first'] | undefined {
  return (Object.keys(ORDER_LABELS) as Array<AbBlock['first']>).find((first) => ORDER_LABELS[first] === label);
}

/** How a metric moved from A to B. Tied: the run cannot tell them apart. */
export type AbMetricVerdict = 'better' | 'worse' | 'tied';

/**
 * The timing metrics the A/B gate judges: few per store × scenario — throughput and p99, the
 * headline ones, and the app's CPU per request, the clock a busy shared runner moves least.
 */
export type AbTimingMetricId = 'throughput' | 'p99' | 'appCpuPerRequest';

/** One timing metric of one store × scenario, A against B, paired over blocks. */
export interface AbTimingMetric {
  /** Store (A's id; B's store at the same position is paired with it) and scenario, for display. */
  store: string;
  scenario: string;
  metric: AbTimingMetricId;
  /** The metric for readers, e.g. "app CPU per request". */
  label: string;
  unit: 'req/s' | 'µs';
  /** Medians and ranges over the blocks. */
  a: Spread;
  b: Spread;
  /** Blocks where both variants measured it. */
  pairs: number;
  /** Median over pairs of B / A − 1, in percent (sign as measured). */
  changePercent: number;
  /** Smallest change in percent that counts as better or worse. */
  minEffectPercent: number;
  /** Exact signed-rank test on log(B / A). */
  test: SignedRankTest;
  /** Holm-adjusted two-sided p over every timing metric of the run. */
  adjustedP: number;
  /** Spread (standard deviation) of log(B / A) over the pairs: the paired noise. */
  logRatioSd: number;
  verdict: AbMetricVerdict;
  /** Worse, significant after Holm, and beyond the floor. */
  regression: boolean;
}

/** Countable cost or correctness of one store × scenario, A against B. */
export interface AbCountMetric {
  store: string;
  scenario: string;
  /** What is counted, e.g. "store calls per request", "lost counter updates". */
  metric: string;
  a: Spread;
  b: Spread;
  /** The bound a change must pass to count: absolute, in the metric's unit. */
  tolerance: number;
  verdict: AbMetricVerdict;
  regression: boolean;
}

/** Everything the CLI prints and writes for an A/B run. */
export interface AbVerdict {
  blocks: number;
  /** The order of each block, e.g. ["AB", "BA", …]; "A+B" when both ran at the same time. */
  orders: string[];
  alpha: number;
  /** Pairs the exact test needs to reject at alpha after Holm over `timing.length` metrics. */
  minimumPairs: number;
  timing: AbTimingMetric[];
  counts: AbCountMetric[];
  /** Store × scenario measured in one variant of a block but not the other. */
  unmatched: string[];
  /** Regressions among timings and counts; the CLI exits 1 when above zero. */
  regressions: number;
}

/** Options of the judgement. */
export interface AbOptions {
  alpha?: number;
  /** Overrides every timing metric's floor, in percent. */
  minEffectPercent?: number;
}

const AB_TIMING_IDS: readonly AbTimingMetricId[] = ['throughput', 'p99', 'appCpuPerRequest'];
const TIMING = METRICS.filter((metric): metric is (typeof METRICS)[number] & { id: AbTimingMetricId } => (AB_TIMING_IDS as readonly string[]).includes(metric.id));

/**
 * The timing metrics judged for one entry: throughput only under the closed model (open: the rate
 * is set); p99 and app CPU per request always (an entry without a CPU figure leaves that one out).
 */
function timingMetricsOf(entry: OkEntry): typeof TIMING {
  return TIMING.filter((metric) => !metric.closedModelOnly || entry.load.model === 'closed');
}

/** How many timing metrics a plan of `loadEntries` load entries per variant judges at most, closed model or not. */
export function timingMetricCount(loadEntries: number, closedModel: boolean): number {
  return loadEntries * TIMING.filter((metric) => closedModel || !metric.closedModelOnly).length;
}

const keyOf = (entry: ResultEntry): string => `${entry.store}\u0000${scenarioKeyOf(entry)}`;

/** Store calls (every Store method timed under load) per request of the measured phase. */
function storeCallsPerRequest(entry: OkEntry): number | undefined {
  const requests = entry.storeWrites?.requests ?? entry.measured.requests;
  if (!entry.storeOps || requests === 0) return undefined;
  const calls = STORE_OPERATIONS.reduce((sum, op) => sum + (entry.storeOps?.[op]?.count ?? 0), 0);
  return calls / requests;
}

/** Session bytes handed to set and touch per request. */
function storeBytesPerRequest(entry: OkEntry): number | undefined {
  const writes = entry.storeWrites;
  if (!writes || writes.requests === 0) return undefined;
  return (writes.setBytes + writes.touchBytes) / writes.requests;
}

/**
 * Commands the store's server served per request, all commands together, as the server counted them
 * (Redis: INFO commandstats): a round trip the store module makes inside one Store call shows here.
 */
function serverCommandsPerRequest(entry: OkEntry): number | undefined {
  const writes = entry.storeWrites;
  const calls = writes?.serverCalls?.calls;
  if (!writes || !calls || writes.requests === 0) return undefined;
  return Object.values(calls).reduce((sum, count) => sum + count, 0) / writes.requests;
}

/** The counts judged per entry: name, value, and whether any increase from zero is a regression. */
function countsOf(entry: OkEntry): Array<{ metric: string; value: number; fromZero: boolean }> {
  const counts: Array<{ metric: string; value: number | undefined; fromZero: boolean }> = [];
  if (entry.kind === 'load') {
    counts.push({ metric: 'store calls per request', value: storeCallsPerRequest(entry), fromZero: false });
    counts.push({ metric: 'server commands per request', value: serverCommandsPerRequest(entry), fromZero: false });
    counts.push({ metric: 'store write bytes per request', value: storeBytesPerRequest(entry), fromZero: false });
    // Per Set-Cookie header, not per request: how many a phase gets depends on how many logins it had.
    const setCookie = entry.measured.setCookie;
    if (setCookie?.headers) counts.push({ metric: 'bytes per Set-Cookie', value: setCookie.bytes / setCookie.headers, fromZero: false });
  }
  for (const observation of CORRECTNESS_OBSERVATIONS) {
    if (observation.kind !== entry.kind) continue;
    counts.push({ metric: observation.label, value: correctnessTotal([entry], observation), fromZero: true });
  }
  return counts.filter((count): count is { metric: string; value: number; fromZero: boolean } => count.value !== undefined);
}

/** Entries of both sides of every block, matched by store and scenario; what one side lacks is listed. */
function matchBlocks(blocks: readonly AbBlock[]): { pairs: Map<string, Array<[OkEntry, OkEntry]>>; unmatched: Set<string> } {
  const pairs = new Map<string, Array<[OkEntry, OkEntry]>>();
  const unmatched = new Set<string>();
  blocks.forEach((block) => {
    const label = scenarioLabeller([...block.a.entries, ...block.b.entries]);
    const bByKey = new Map(block.b.entries.map((entry) => [keyOf(entry), entry]));
    const aKeys = new Set<string>();
    for (const entry of block.a.entries) {
      aKeys.add(keyOf(entry));
      const other = bByKey.get(keyOf(entry));
      if (entry.status !== 'ok' || !other || other.status !== 'ok') {
        unmatched.add(`${entry.store} · ${label(entry)}`);
        continue;
      }
      const list = pairs.get(keyOf(entry)) ?? [];
      list.push([entry, other]);
      pairs.set(keyOf(entry), list);
    }
    for (const entry of block.b.entries) if (!aKeys.has(keyOf(entry))) unmatched.add(`${entry.store} · ${label(entry)}`);
  });
  return { pairs, unmatched };
}

/** The verdict on a count: beyond the tolerance and both variants' own ranges in either direction, or tied. */
function judgeCount(aValues: number[], bValues: number[], fromZero: boolean): { verdict: AbMetricVerdict; tolerance: number } {
  const a = spreadOf(aValues)!;
  const b = spreadOf(bValues)!;
  if (fromZero && a.max === 0) return { verdict: b.max > 0 ? 'worse' : 'tied', tolerance: 0 };
  // Within 2 % of A, or within the spread either variant shows between its own blocks, is no change.
  const tolerance = Math.max(COUNT_TOLERANCE * Math.abs(a.median), a.max - a.min, b.max - b.min);
  const change = b.median - a.median;
  return { verdict: change > tolerance ? 'worse' : change < -tolerance ? 'better' : 'tied', tolerance };
}

/**
 * Judges B against A over interleaved blocks. Entries are matched by store and scenario (the caller
 * gives B's stores A's ids where they differ, e.g. a store file at a git ref).
 */
export function judgeAb(blocks: readonly AbBlock[], options: AbOptions = {}): AbVerdict {
  const alpha = options.alpha ?? AB_ALPHA;
  const { pairs, unmatched } = matchBlocks(blocks);
  const label = scenarioLabeller(blocks.flatMap((block) => [...block.a.entries, ...block.b.entries]));
  const timingDrafts: Array<Omit<AbTimingMetric, 'adjustedP' | 'verdict' | 'regression'>> = [];
  const counts: AbCountMetric[] = [];
  for (const list of pairs.values()) {
    const [first] = list[0]!;
    for (const metric of timingMetricsOf(first)) {
      const values = list.map(([a, b]) => [metric.pick(a), metric.pick(b)] as const).filter((pair): pair is readonly [number, number] => pair[0] !== undefined && pair[1] !== undefined && pair[0] > 0 && pair[1] > 0);
      if (values.length === 0) continue;
      const logRatios = values.map(([a, b]) => Math.log(b / a));
      timingDrafts.push({
        store: first.store,
        scenario: label(first),
        metric: metric.id,
        label: metric.label,
        unit: metric.unit as AbTimingMetric['unit'],
        a: spreadOf(values.map(([a]) => a))!,
        b: spreadOf(values.map(([, b]) => b))!,
        pairs: values.length,
        changePercent: (Math.exp(median(logRatios)) - 1) * 100,
        minEffectPercent: options.minEffectPercent ?? metric.noiseFloorPercent,
        test: signedRankTest(logRatios),
        logRatioSd: standardDeviation(logRatios),
      });
    }
    const byMetric = new Map<string, { a: number[]; b: number[]; fromZero: boolean }>();
    for (const [a, b] of list) {
      const bCounts = new Map(countsOf(b).map((count) => [count.metric, count.value]));
      for (const count of countsOf(a)) {
        const other = bCounts.get(count.metric);
        if (other === undefined) continue;
        const slot = byMetric.get(count.metric) ?? { a: [], b: [], fromZero: count.fromZero };
        slot.a.push(count.value);
        slot.b.push(other);
        byMetric.set(count.metric, slot);
      }
    }
    for (const [metric, slot] of byMetric) {
      const { verdict, tolerance } = judgeCount(slot.a, slot.b, slot.fromZero);
      counts.push({ store: first.store, scenario: label(first), metric, a: spreadOf(slot.a)!, b: spreadOf(slot.b)!, tolerance, verdict, regression: verdict === 'worse' });
    }
  }
  const corrected = holm(timingDrafts.map((draft) => draft.test.pTwoSided), alpha);
  const timing = timingDrafts.map((draft, index): AbTimingMetric => {
    const biggerIsBetter = draft.metric === 'throughput';
    const significant = corrected[index]!.rejected;
    const beyondFloor = Math.abs(draft.changePercent) >= draft.minEffectPercent;
    const rose = draft.changePercent > 0;
    const verdict: AbMetricVerdict = significant && beyondFloor ? (rose === biggerIsBetter ? 'better' : 'worse') : 'tied';
    return { ...draft, adjustedP: corrected[index]!.adjusted, verdict, regression: verdict === 'worse' };
  });
  const regressions = timing.filter((metric) => metric.regression).length + counts.filter((metric) => metric.regression).length;
  return {
    blocks: blocks.length,
    orders: blocks.map((block) => ORDER_LABELS[block.first]),
    alpha,
    minimumPairs: minimumPairs(timing.length, alpha),
    timing,
    counts,
    unmatched: [...unmatched],
    regressions,
  };
}

/**
 * The smallest timing change (percent) the run's design would detect with 90 % power, per timing
 * metric, from the paired spread the run measured (a normal approximation to the signed-rank test
 * at the Holm-corrected first-step level alpha / m), never below the metric's floor.
 */
export function minimumDetectableEffects(verdict: AbVerdict): Array<{ store: string; scenario: string; metric: AbTimingMetricId; label: string; percent: number }> {
  const perTest = verdict.alpha / Math.max(1, verdict.timing.length);
  return verdict.timing.map((metric) => ({
    store: metric.store,
    scenario: metric.scenario,
    metric: metric.metric,
    label: metric.label,
    percent: Math.max(metric.minEffectPercent, (Math.exp(minimumDetectableShift(metric.logRatioSd, metric.pairs, perTest)) - 1) * 100),
  }));
}

const formatValue = (value: number, unit: string): string => (unit === 'µs' ? `${Math.round(value).toLocaleString('en-US')} µs` : unit === 'req/s' ? `${Math.round(value).toLocaleString('en-US')} req/s` : Number(value.toPrecision(4)).toLocaleString('en-US'));
const formatSpread = (spread: Spread, unit: string): string => `${formatValue(spread.median, unit)} (${formatValue(spread.min, unit)}–${formatValue(spread.max, unit)})`;
const signed = (percent: number): string => `${percent >= 0 ? '+' : ''}${percent.toFixed(1)}%`;

/** The verdict as one table: timings first (with their tests), then counts. */
export function abTable(verdict: AbVerdict): TextTable {
  const rows: string[][] = [];
  for (const metric of verdict.timing) {
    rows.push([metric.store, metric.scenario, metric.label, formatSpread(metric.a, metric.unit), formatSpread(metric.b, metric.unit), signed(metric.changePercent), `p=${metric.test.pTwoSided.toPrecision(2)} Holm ${metric.adjustedP.toPrecision(2)} · floor ${metric.minEffectPercent}%`, metric.regression ? 'REGRESSION' : metric.verdict]);
  }
  for (const metric of verdict.counts) {
    const change = metric.a.median === 0 ? (metric.b.median === 0 ? '0' : `+${formatValue(metric.b.median, '')}`) : signed(((metric.b.median - metric.a.median) / metric.a.median) * 100);
    rows.push([metric.store, metric.scenario, metric.metric, formatSpread(metric.a, ''), formatSpread(metric.b, ''), change, `bound ±${formatValue(metric.tolerance, '')}`, metric.regression ? 'REGRESSION' : metric.verdict]);
  }
  const notes = [
    `${verdict.blocks} blocks (${verdict.orders.join(' ')}), each a fresh app per variant; timings: exact two-sided Wilcoxon signed-rank on log(B/A), Holm over ${verdict.timing.length} timing metric${verdict.timing.length === 1 ? '' : 's'} at alpha ${verdict.alpha}, and a change beyond the floor; counts: beyond ${COUNT_TOLERANCE * 100}% of A's median and each variant's own range (a correctness count that was 0 in every A block: any).`,
    ...verdict.unmatched.map((group) => `not paired (measured in one variant only, or failed): ${group}`),
  ];
  return {
    columns: [
      { title: 'store (A)', numeric: false },
      { title: 'scenario', numeric: false },
      { title: 'metric', numeric: false },
      { title: 'A median (range)', numeric: true },
      { title: 'B median (range)', numeric: true },
      { title: 'B vs A', numeric: true },
      { title: 'test', numeric: false },
      { title: 'verdict', numeric: false },
    ],
    rows,
    notes,
  };
}

/** Plain-text rendering of a TextTable: columns padded, numeric ones right-aligned, notes below. */
export function plainTable(table: TextTable): string {
  const widths = table.columns.map((column, i) => Math.max(column.title.length, ...table.rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => (table.columns[i]!.numeric ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(table.columns.map((column) => column.title)), line(widths.map((width) => '-'.repeat(width))), ...table.rows.map(line), ...(table.notes ?? []).map((note) => `  ${note}`)].join('\n');
}
