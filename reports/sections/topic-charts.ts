import type { OkEntry } from '../../contract/result.ts';
import type { StoreOperation } from '../../contract/metrics.ts';
import { groupSpread } from '../figures/aggregate.ts';
import { spreadOf } from '../figures/spread.ts';
import { CORRECTNESS_OBSERVATIONS, correctnessCount, correctnessTotal } from '../figures/metrics.ts';
import type { ChartSection, ChartSpec, LabelledRun, SectionCharts, Series } from './chart-spec.ts';
import { seriesOf, tablesPerRun } from './chart-spec.ts';
import { memoryTable } from './memory.ts';
import { storeOpsTable, storeWritesTable } from './store-ops.ts';
import { correctnessByProblemTable } from './tables.ts';

/** The HTML charts of the report's topic sections (memory, store operations, correctness) and the helpers the per-model charts share. */

export function scenariosOf(series: readonly Series[]): string[] {
  return [...new Set(series.flatMap((one) => one.groups.map((group) => group.scenario)))];
}

export function medianOf(entries: readonly OkEntry[], pick: (entry: OkEntry) => number | undefined): number | null {
  return spreadOf(entries.map(pick).filter((value): value is number => value !== undefined))?.median ?? null;
}

export function byScenarioChart(id: string, title: string, caption: string, series: readonly Series[], unit: ChartSpec['y']['unit'], yTitle: string, pick: (entry: OkEntry) => number | undefined): ChartSpec {
  const scenarios = scenariosOf(series).filter((scenario) =>
    series.some((one) => one.groups.some((group) => group.scenario === scenario && groupSpread(group, pick))),
  );
  return {
    id,
    title,
    caption,
    type: 'bar',
    wide: true,
    x: { title: 'scenario', labels: scenarios },
    y: { title: yTitle, unit },
    datasets: series.map((one) => ({
      label: one.label,
      color: one.color,
      data: scenarios.map((scenario) => medianOf(one.groups.filter((group) => group.scenario === scenario).flatMap((group) => group.ok), pick)),
    })),
  };
}

export function memoryCharts(runs: readonly LabelledRun[]): SectionCharts | undefined {
  const series = seriesOf(runs, (group) => group.ok.some((entry) => entry.memory));
  if (series.length === 0) return undefined;
  const overTime = scenariosOf(series).map((scenario): ChartSpec => ({
    id: `memory-${scenario}`,
    title: `App RSS over time · ${scenario}`,
    caption: 'Resident memory of the app process during the measured phase (first repetition, closed model first).',
    type: 'line',
    x: { title: 'seconds into the measured phase', linear: true },
    y: { title: 'RSS', unit: 'bytes' },
    datasets: series.flatMap((one) => {
      const entry = one.groups.find((group) => group.scenario === scenario)?.ok[0];
      const samples = entry?.memory?.app.samples ?? [];
      return samples.length === 0 ? [] : [{ label: one.label, color: one.color, data: samples.map((sample) => ({ x: sample.t / 1000, y: sample.rss })) }];
    }),
  }));
  return {
    intro:
      'Bytes per session come from the store server’s own figures when it has a server, from the app heap for the in-process store. The table sets the app heap’s own growth per session (after garbage collection) next to it: for a server store it stays small, the sessions live in the server.',
    charts: [
      {
        ...byScenarioChart('bytes-per-session', 'Memory per session', 'Growth of the relevant memory divided by sessions added; only scenarios that add sessions.', series, 'bytes', 'bytes per session', (entry) => entry.memory?.bytesPerSession),
        whenEmpty: 'no scenario added sessions (login-heavy does), so there is nothing to divide by',
      },
      ...overTime,
    ],
    tables: tablesPerRun(runs, memoryTable),
  };
}

const OPERATIONS: readonly StoreOperation[] = ['get', 'set', 'touch', 'destroy'];

function titled(title: string, tables: NonNullable<ChartSection['tables']>): NonNullable<ChartSection['tables']> {
  return tables.map((one) => ({ ...one, title: one.title ? `${title} · ${one.title}` : title }));
}

export function storeOpsCharts(runs: readonly LabelledRun[]): SectionCharts | undefined {
  const series = seriesOf(runs, (group) => group.ok.some((entry) => entry.storeOpsIntrinsic || entry.storeOps));
  if (series.length === 0) return undefined;
  const chart = (percentile: 'p50' | 'p99'): ChartSpec => ({
    id: `store-ops-${percentile}`,
    title: `Store operation latency, measured alone · ${percentile}`,
    whenEmpty: 'no store was probed alone (stores kept in the client have no Store to call, and --probe-ops 0 turns the probe off)',
    caption: `Serial calls through the Store right after verification, one at a time with no load; median over entries of each operation's ${percentile}, µs, log scale. Under load the same calls take far longer, mostly waiting for the app's busy event loop: see the table.`,
    type: 'bar',
    x: { title: 'operation', labels: [...OPERATIONS] },
    y: { title: 'latency', unit: 'us', logarithmic: true },
    datasets: series.map((one) => {
      const ok = one.groups.flatMap((group) => group.ok);
      return { label: one.label, color: one.color, data: OPERATIONS.map((operation) => medianOf(ok, (entry) => entry.storeOpsIntrinsic?.[operation]?.[percentile])) };
    }),
  });
  return {
    intro:
      'Where the time goes: what each session store call costs on its own (the charts), beside the same call under load and the app’s event-loop delay (the first table), and how many writes each request caused (the second table).',
    charts: [chart('p50'), chart('p99')],
    tables: [
      ...titled('Alone vs under load, beside the event loop', tablesPerRun(runs, storeOpsTable)),
      ...titled('Store writes per request', tablesPerRun(runs, storeWritesTable)),
    ],
  };
}

export function correctnessCharts(runs: readonly LabelledRun[]): SectionCharts | undefined {
  const reports = (entry: OkEntry) => CORRECTNESS_OBSERVATIONS.some((observation) => correctnessTotal([entry], observation) !== undefined);
  const series = seriesOf(runs, (group) => group.ok.some(reports));
  if (series.length === 0) return undefined;
  return {
    intro: 'What the race oracle, the logout probe and the TTL scenario found, totalled over repetitions, each out of what was tried: zero is the only good answer. "not run": the scenario did not run for that store; "does not apply": it ran, but the store has nothing to observe there.',
    charts: [
      {
        id: 'correctness-share',
        title: 'Correctness problems, % of what was tried',
        caption: 'Each problem as a share of its tries (lost updates of acknowledged increments, resurrections of logouts, expired sessions accepted of those replayed), so a count of 3 in 10 is not drowned by one of 900 in 3,400. No bar where the store has no such number; the table gives the counts.',
        type: 'bar',
        wide: true,
        x: { title: 'problem (the table below names each in full)', labels: CORRECTNESS_OBSERVATIONS.map((observation) => observation.short) },
        y: { title: '% of tries', unit: 'percent', max: 100 },
        datasets: series.map((one) => {
          const ok = one.groups.flatMap((group) => group.ok);
          return {
            label: one.label,
            color: one.color,
            data: CORRECTNESS_OBSERVATIONS.map((observation) => {
              const count = correctnessCount(ok, observation);
              return count && count.outOf > 0 ? Math.round((count.found / count.outOf) * 1000) / 10 : null;
            }),
          };
        }),
      },
    ],
    tables: tablesPerRun(runs, correctnessByProblemTable),
  };
}

