import type { OkEntry } from '../../contract/result.ts';
import type { ChartSection, ChartSpec, LabelledRun, Series } from '../sections/chart-spec.ts';
import { hasData, seriesOf } from '../sections/chart-spec.ts';
import { REPORT_SECTIONS } from '../sections/index.ts';
import { byScenarioChart, medianOf, scenariosOf } from '../sections/topic-charts.ts';
import { CURVE_POINTS, latencyCurve } from '../figures/histogram.ts';

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
    ...REPORT_SECTIONS.map((section) => {
      const charts = section.charts?.(runs);
      return charts ? { ...charts, id: section.id, title: section.title } : undefined;
    }),
  ]
    .filter((section): section is ChartSection => section !== undefined)
    .map(withoutEmptyCharts);
}
