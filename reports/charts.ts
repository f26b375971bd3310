import type { OkEntry, StoreOperation } from './result.ts';
import { groupSpread } from './aggregate.ts';
import { spreadOf } from './spread.ts';
import type { ChartSection, ChartSpec, LabelledRun, Series } from './chart-spec.ts';
import { seriesOf, tablesPerRun } from './chart-spec.ts';
import { CURVE_POINTS, latencyCurve } from './histogram.ts';
import { instancesSection } from './instances.ts';
import { memoryTable } from './memory.ts';
import { CORRECTNESS_OBSERVATIONS, correctnessTotal } from './metrics.ts';
import { outageSection } from './outage.ts';
import { storeOpsTable, storeWritesTable } from './store-ops.ts';

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
      ...scenariosOf(series).flatMap((scenario) => latencyCharts(model, scenario, series)),
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
      byScenarioChart('bytes-per-session', 'Memory per session', 'Growth of the relevant memory divided by sessions added; only scenarios that add sessions.', series, 'bytes', 'bytes per session', (entry) => entry.memory?.bytesPerSession),
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
    intro: 'Counts from the race oracle, the logout probe and the TTL scenario, totalled over repetitions. Zero is the only good answer.',
    charts: [
      {
        id: 'correctness-counts',
        title: 'Correctness problems',
        caption: 'Lost updates and item appends: concurrent writes to one session that the app acknowledged and the session lost. After logout: sessions a slow request saved back, and cookies captured before logout that still worked. After expiry: sessions still accepted, returned or held past their lifetime.',
        type: 'bar',
        wide: true,
        x: { title: 'problem', labels: CORRECTNESS_OBSERVATIONS.map((observation) => observation.label) },
        y: { title: 'count', unit: 'count' },
        datasets: series.map((one) => {
          const ok = one.groups.flatMap((group) => group.ok);
          return { label: one.label, color: one.color, data: CORRECTNESS_OBSERVATIONS.map((observation) => correctnessTotal(ok, observation) ?? null) };
        }),
      },
    ],
  };
}

/** Every chart of the report, grouped in sections; sections without data are left out. */
export function buildChartSections(runs: readonly LabelledRun[]): ChartSection[] {
  return [
    ...MODELS.map(({ model, title, intro }) => modelSection(runs, model, title, intro)),
    instancesSection(runs),
    outageSection(runs),
    memorySection(runs),
    storeOpsSection(runs),
    correctnessSection(runs),
  ].filter((section): section is ChartSection => section !== undefined);
}
