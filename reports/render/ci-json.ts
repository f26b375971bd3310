import type { EntryGroup } from '../figures/aggregate.ts';
import type { LoadModel } from '../../contract/metrics.ts';
import type { OkEntry, RunResult } from '../../contract/result.ts';
import { groupEntries, groupSpread, observationsOf } from '../figures/aggregate.ts';
import { formatServer } from '../figures/format.ts';
import { CORRECTNESS_OBSERVATIONS, METRICS } from '../figures/metrics.ts';
import type { CorrectnessObservation } from '../figures/metrics.ts';

/** One data point in github-action-benchmark's custom format. */
export interface BenchmarkPoint {
  /** Stable series name: store id · scenario [variant] · payload · instances · load (model and its size) · metric. */
  name: string;
  /** Unit of `value`, e.g. "req/s", "µs", "B", "count". */
  unit: string;
  /** Median over repetitions. */
  value: number;
  /** Spread across repetitions, e.g. "13900–14400". */
  range?: string;
  /** Store label, server and repetitions, shown in the chart's tooltip. */
  extra?: string;
}

/** github-action-benchmark inputs: `customBiggerIsBetter` and `customSmallerIsBetter` arrays; neither is ever empty. */
export interface CiBenchmarks {
  /** Closed-model throughput, k6's achieved rate, and the number of entries measured. */
  biggerIsBetter: BenchmarkPoint[];
  /** Latency, app CPU per request, memory per session, correctness counts, k6's dropped iterations, and the number of entries that failed. */
  smallerIsBetter: BenchmarkPoint[];
}

/** A metric read off each ok repetition of a group. */
interface SeriesDefinition {
  label: string;
  unit: string;
  biggerIsBetter: boolean;
  pick: (entry: OkEntry) => number | undefined;
}

function loadPart(load: LoadModel): string {
  switch (load.model) {
    case 'closed':
      return `closed ${load.connections} connections`;
    case 'open':
      return `open ${load.ratePerSecond} req/s`;
    case 'scripted':
      return `scripted ${load.description}`;
  }
}

/**
 * The series name from structured fields only (never the display label, which names the
 * payload only when a run sweeps several): a changed payload, connection count, arrival
 * rate, instance count or variant starts a new series instead of bending an old one.
 */
function seriesName(group: EntryGroup, metric: string): string {
  const first = group.ok[0] ?? group.notMeasured[0]!;
  return [
    group.store,
    first.variant ? `${first.scenario} [${first.variant}]` : first.scenario,
    ...(first.payloadBytes === undefined ? [] : [`${first.payloadBytes} B payload`]),
    ...((first.instances ?? 1) > 1 ? [`${first.instances} instances`] : []),
    loadPart(group.load),
    metric,
  ].join(' · ');
}

function correctnessSeries(observation: CorrectnessObservation): SeriesDefinition {
  const pick = (entry: OkEntry) => {
    const observed = observationsOf(entry, observation.kind) as Record<string, unknown> | undefined;
    const value = observed?.[observation.name];
    return typeof value === 'number' ? value : undefined;
  };
  return { label: observation.label, unit: 'count', biggerIsBetter: false, pick };
}

/** Every series a group may have; a group gets the ones its entries measured. */
function seriesFor(group: EntryGroup): SeriesDefinition[] {
  const load = (field: 'achievedRate' | 'droppedIterations') => (entry: OkEntry) => observationsOf(entry, 'load')?.[field];
  return [
    ...METRICS.filter((metric) => !metric.closedModelOnly || group.load.model === 'closed'),
    ...(group.load.model === 'open'
      ? [
          { label: 'achieved rate', unit: 'req/s', biggerIsBetter: true, pick: load('achievedRate') },
          { label: 'dropped iterations', unit: 'iterations', biggerIsBetter: false, pick: load('droppedIterations') },
        ]
      : []),
    ...CORRECTNESS_OBSERVATIONS.map(correctnessSeries),
  ];
}

/**
 * Medians over repetitions, one point per store × measurement (scenario, variant, payload,
 * instances, load and its size) × metric: closed-model throughput and k6's achieved rate
 * (bigger is better); p50/p99 latency and app CPU per request in µs, memory per session, k6's dropped iterations and
 * every correctness count — lost updates, missing items, resurrected sessions, revoked cookies
 * still valid, expired sessions accepted — (smaller is better). Two run-level points, entries
 * measured and entries failed, make sure neither array is ever empty (github-action-benchmark
 * rejects an empty one) and that a store dropping out shows in the history.
 * Names use store ids, not labels, so a server upgrade does not break the history.
 */
export function renderCiJson(result: RunResult): CiBenchmarks {
  const output: CiBenchmarks = { biggerIsBetter: [], smallerIsBetter: [] };
  const groups = groupEntries(result.entries);
  for (const group of groups) {
    for (const series of seriesFor(group)) {
      const spread = groupSpread(group, series.pick);
      if (!spread) continue;
      const point: BenchmarkPoint = {
        name: seriesName(group, series.label),
        unit: series.unit,
        value: spread.median,
        extra: `${group.storeLabel} on ${formatServer(group.store, group.server)}; median of ${spread.n} repetition${spread.n === 1 ? '' : 's'}`,
      };
      if (spread.n > 1) point.range = `${spread.min}–${spread.max}`;
      (series.biggerIsBetter ? output.biggerIsBetter : output.smallerIsBetter).push(point);
    }
  }
  const count = (status: OkEntry['status'] | 'failed') => result.entries.filter((entry) => entry.status === status).length;
  const extra = `${result.entries.length} ${result.entries.length === 1 ? "entry" : "entries"} in the run (${groups.length} store × scenario groups)`;
  output.biggerIsBetter.push({ name: 'run · entries measured', unit: 'entries', value: count('ok'), extra });
  output.smallerIsBetter.push({ name: 'run · entries failed', unit: 'entries', value: count('failed'), extra });
  return output;
}
