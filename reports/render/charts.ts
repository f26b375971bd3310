import type { OkEntry } from '../../contract/result.ts';
import type { StoreOperation } from '../../contract/metrics.ts';
import { groupSpread } from '../figures/aggregate.ts';
import { spreadOf } from '../figures/spread.ts';
import type { ChartSection, ChartSpec, LabelledRun, Series } from '../sections/chart-spec.ts';
import { hasData, seriesOf, tablesPerRun } from '../sections/chart-spec.ts';
import { CURVE_POINTS, latencyCurve } from '../figures/histogram.ts';
import { instancesSection } from '../sections/instances.ts';
import { memoryTable } from '../sections/memory.ts';
import { CORRECTNESS_OBSERVATIONS, correctnessCount, correctnessTotal } from '../figures/metrics.ts';
import { correctnessByProblemTable } from '../sections/tables.ts';
import { outageSection } from '../../scenarios/outage/section.ts';
import { scaleSection } from '../sections/scale.ts';
import { expirySection } from '../../scenarios/expiry/section.ts';
import { storeOpsTable, storeWritesTable } from '../sections/store-ops.ts';

function scenariosOf(series: readonly Series[]): string[] {
  return [...new Set(series.flatMap((one) => one.groups.map((group) => group.scenario)))];
}

function medianOf(entries: readonly OkEntry[], pick: (entry: OkEntry) => number | undefined): number | null {
  return spreadOf(entries.map(pick).filter((value): value is number => value !== undefined))?.median ?? null;
}

function byScenarioChart(id: string, title: string, caption: string, series: readonly Series[], unit: ChartSpec['y']['unit'], yTitle: string, pick: (entry: OkEntry) => number | undefined): ChartSpec {
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

const PERCENTILES = [
  { label: 'p50', pick: (entry: OkEntry) => entry.measured.latencyUs.p50 },
  { label: 'p90', pick: (entry: OkEntry) => entry.measured.latencyUs.p90 },
  { label: 'p99', pick: (entry: OkEntry) => entry.measured.latencyUs.p99 },
  { label: 'p99.9', pick: (entry: OkEntry) => entry.measured.latencyUs.p999 },
  { label: 'max', pick: (entry: OkEntry) => entry.measured.latencyUs.max },
];

function latencyCharts(model: string, scenario: string, series: readonly Series[]): ChartSpec[] {
  const inScenario = series
    .map((one) => ({ ...one, ok: one.groups.filter((group) => group.scenario === scenario).flatMap((group) => group.ok) }))
    .filter((one) => one.ok.length > 0);
  const curves = inScenario.flatMap((one) => {
    const data = latencyCurve(one.ok.map((entry) => entry.measured.histogram));
    return data ? [{ label: one.label, color: one.color, data }] : [];
  });
  return [
    {
      id: `latency-${model}-${scenario}`,
      title: `Latency percentiles · ${scenario}`,
      caption: 'Median over repetitions of each percentile, µs, log scale.',
      type: 'bar',
      x: { title: 'percentile', labels: PERCENTILES.map((percentile) => percentile.label) },
      y: { title: 'latency', unit: 'us', logarithmic: true },
      datasets: inScenario.map((one) => ({ label: one.label, color: one.color, data: PERCENTILES.map((percentile) => medianOf(one.ok, percentile.pick)) })),
    },
    ...(curves.length === 0
      ? []
      : [
          {
            id: `distribution-${model}-${scenario}`,
            title: `Latency distribution · ${scenario}`,
            caption: 'From the HDR histograms, repetitions merged; µs at each percentile, log scale. Imported k6 summaries carry no histogram and are not drawn.',
            type: 'line' as const,
            x: { title: 'percentile', labels: CURVE_POINTS.map((point) => point.label) },
            y: { title: 'latency', unit: 'us' as const, logarithmic: true },
            datasets: curves,
          },
        ]),
  ];
}

/**
 * Throughput and p99 second by second through the measured phase of one scenario, one line per
 * store (its first repetition with a timeline): two charts, so each legend stays one entry per store.
 */
function overTimeCharts(model: string, scenario: string, series: readonly Series[]): ChartSpec[] {
  const timelines = series.flatMap((one) => {
    const entry = one.groups.filter((group) => group.scenario === scenario).flatMap((group) => group.ok).find((ok) => ok.kind === 'load' && ok.timeline && ok.timeline.length > 0);
    return entry?.timeline ? [{ one, rows: entry.timeline }] : [];
  });
  const at = (second: number) => second + 0.5;
  const whenEmpty = 'no load phase recorded per-second rows (results from before they were recorded, or imported k6 summaries)';
  const x = { title: 'seconds into the measured phase', linear: true };
  return [
    {
      id: `throughput-over-time-${model}-${scenario}`,
      title: `Throughput over time · ${scenario}`,
      caption: 'Requests answered in each second of the measured phase (first repetition). A flat line means the median is a fair summary; a trend or a dip means it is not.',
      whenEmpty,
      type: 'line',
      x,
      y: { title: 'requests per second', unit: 'rps' },
      datasets: timelines.map(({ one, rows }) => ({ label: one.label, color: one.color, data: rows.map((row) => ({ x: at(row.second), y: row.ok + row.non2xx })) })),
    },
    {
      id: `p99-over-time-${model}-${scenario}`,
      title: `p99 over time · ${scenario}`,
      caption: 'p99 latency of the requests answered in each second of the measured phase (first repetition), log scale.',
      whenEmpty,
      type: 'line',
      x,
      y: { title: 'p99 latency', unit: 'us', logarithmic: true },
      datasets: timelines.map(({ one, rows }) => ({ label: one.label, color: one.color, data: rows.filter((row) => row.p99Us > 0).map((row) => ({ x: at(row.second), y: row.p99Us })) })),
    },
  ];
}

function isLoadScenario(scenario: string, series: readonly Series[]): boolean {
  return series.some((one) => one.groups.some((group) => group.scenario === scenario && group.ok.some((entry) => entry.kind === 'load')));
}

const MODELS = [
  { model: 'closed', title: 'Closed model (autocannon): maximum throughput', intro: 'A fixed number of connections sends requests back to back: throughput is what the app sustains, latency includes queueing at that concurrency.' },
  { model: 'open', title: 'Open model (k6): fixed arrival rate', intro: 'Requests arrive at a fixed rate whatever the response time, so throughput is the configured rate and latency is what users see at that load. Not comparable with the closed model.' },
] as const;

function modelSection(runs: readonly LabelledRun[], model: 'closed' | 'open', title: string, intro: string): ChartSection | undefined {
  const series = seriesOf(runs, (group) => group.load.model === model);
  if (series.length === 0) return undefined;
  return {
    id: `model-${model}`,
    title,
    intro,
    charts: [
      ...(model === 'closed'
        ? [byScenarioChart('throughput-closed', 'Throughput by store × scenario', 'Median over repetitions; the results table gives the min–max range.', series, 'rps', 'requests per second', (entry) => entry.measured.throughput)]
        : []),
      ...scenariosOf(series).flatMap((scenario) => [...latencyCharts(model, scenario, series), ...(model === 'closed' && isLoadScenario(scenario, series) ? overTimeCharts(model, scenario, series) : [])]),
    ],
  };
}

function memorySection(runs: readonly LabelledRun[]): ChartSection | undefined {
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
    id: 'memory',
    title: 'Memory',
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

function storeOpsSection(runs: readonly LabelledRun[]): ChartSection | undefined {
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
    id: 'store-ops',
    title: 'Store operations',
    intro:
      'Where the time goes: what each session store call costs on its own (the charts), beside the same call under load and the app’s event-loop delay (the first table), and how many writes each request caused (the second table).',
    charts: [chart('p50'), chart('p99')],
    tables: [
      ...titled('Alone vs under load, beside the event loop', tablesPerRun(runs, storeOpsTable)),
      ...titled('Store writes per request', tablesPerRun(runs, storeWritesTable)),
    ],
  };
}

function correctnessSection(runs: readonly LabelledRun[]): ChartSection | undefined {
  const reports = (entry: OkEntry) => CORRECTNESS_OBSERVATIONS.some((observation) => correctnessTotal([entry], observation) !== undefined);
  const series = seriesOf(runs, (group) => group.ok.some(reports));
  if (series.length === 0) return undefined;
  return {
    id: 'correctness',
    title: 'Correctness',
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

/** Charts without a point are not drawn (the section says which, and why, in one line each), nor series without a point. */
function withoutEmptyCharts(section: ChartSection): ChartSection {
  const empty = section.charts.filter((chart) => !hasData(chart));
  // A series with no point in a chart would only fill its legend.
  const charts = section.charts.filter(hasData).map((chart) => ({ ...chart, datasets: chart.datasets.filter((dataset) => hasData({ ...chart, datasets: [dataset] })) }));
  if (empty.length === 0) return { ...section, charts };
  return {
    ...section,
    charts,
    omitted: [...(section.omitted ?? []), ...empty.map((chart) => ({ title: chart.title, reason: chart.whenEmpty ?? 'no entry measured it' }))],
  };
}

/** Every chart of the report, grouped in sections; sections without data are left out, and so are charts without a point (named, with why). */
export function buildChartSections(runs: readonly LabelledRun[]): ChartSection[] {
  return [
    ...MODELS.map(({ model, title, intro }) => modelSection(runs, model, title, intro)),
    instancesSection(runs),
    outageSection(runs),
    memorySection(runs),
    scaleSection(runs),
    expirySection(runs),
    storeOpsSection(runs),
    correctnessSection(runs),
  ]
    .filter((section): section is ChartSection => section !== undefined)
    .map(withoutEmptyCharts);
}
