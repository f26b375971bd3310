import type { RunResult } from '../../contract/result.ts';
import type { AnyStoreId, StoreId } from '../../contract/vocabulary.ts';
import type { EntryGroup } from '../figures/aggregate.ts';
import { groupEntries } from '../figures/aggregate.ts';
import type { TextTable } from '../figures/text-table.ts';

/** A run with the label that tells it apart from other runs in one report. */
export interface LabelledRun {
  /** Start time in UTC and short commit, e.g. "2026-11-23 10:00:00 UTC @4dcc05d". */
  label: string;
  /** The run itself. */
  result: RunResult;
}

/** A shaded span of a linear x axis with a label, e.g. the seconds a store server was paused. */
export interface XBand {
  /** Where the band starts, in x-axis units. */
  from: number;
  /** Where it ends, in x-axis units. */
  to: number;
  /** Text drawn on the band. */
  label: string;
}

/** One chart.js chart described as data; the page script turns it into a chart.js config. */
export interface ChartSpec {
  /** Unique within the report; the canvas is `chart-<id>`. */
  id: string;
  /** Heading above the chart. */
  title: string;
  /** What the chart shows and how it was computed, under it. */
  caption: string;
  /** chart.js chart type. */
  type: 'bar' | 'line';
  /** Spans the full width of the report. */
  wide?: boolean;
  /** The x axis: category `labels`, or `linear` for {x, y} points (on a log scale with `logarithmic`), with optional shaded bands. */
  x: { title: string; labels?: string[]; linear?: boolean; logarithmic?: boolean; bands?: XBand[] };
  /** `percent` values are 0–100. */
  y: { title: string; unit: 'us' | 'rps' | 'bytes' | 'count' | 'percent'; logarithmic?: boolean; max?: number };
  /** A second y axis on the right, for datasets with `secondAxis` whose scale would flatten them on the first. */
  y2?: { title: string; unit: ChartSpec['y']['unit'] };
  /** Why the chart can be empty, said in its place when it is (it is then not drawn). */
  whenEmpty?: string;
  /** One per series; `null` is a gap (not measured), never zero. */
  datasets: { label: string; color: string; data: (number | null)[] | { x: number; y: number }[]; dashed?: boolean; secondAxis?: boolean }[];
}

/** A titled group of charts, e.g. everything measured under the closed load model, with an optional table of the same data. */
export interface ChartSection {
  /** The section element's id, an anchor. */
  id: string;
  /** Heading of the section. */
  title: string;
  /** What the section measures, under the heading. */
  intro: string;
  /** Charts in display order. */
  charts: ChartSpec[];
  /** Charts left out because they had no data, each with one line saying why. */
  omitted?: { title: string; reason: string }[];
  /** Shown under the charts: the numbers a reader looks up, titled by run when there are several. */
  tables?: { title?: string; table: TextTable }[];
}

/** A section's charts and tables without its id and title, which the section registry (sections/index.ts) gives. */
export type SectionCharts = Omit<ChartSection, 'id' | 'title'>;

/** Whether a chart has at least one point to draw. */
export function hasData(chart: ChartSpec): boolean {
  return chart.datasets.some((dataset) => dataset.data.some((value) => value !== null && (typeof value === 'number' ? Number.isFinite(value) : Number.isFinite(value.y))));
}

/** One table per run that has rows, titled by run label when there are several runs. */
export function tablesPerRun(runs: readonly LabelledRun[], build: (result: RunResult) => TextTable): NonNullable<ChartSection['tables']> {
  return runs.flatMap((run) => {
    const table = build(run.result);
    return table.rows.length === 0 ? [] : [runs.length > 1 ? { title: `Run ${run.label}`, table } : { table }];
  });
}

/** Hues of the stores people compare most; any other store gets one from its id. */
const STORE_HUES: Partial<Record<StoreId, number>> = {
  none: 0,
  memory: 32,
  cookie: 280,
  redis: 355,
  memcached: 190,
  postgres: 215,
  mongo: 140,
  memorystore: 55,
  'knex-sqlite': 310,
  'knex-postgres': 240,
  mysql: 170,
  file: 95,
};

function hueOf(store: AnyStoreId): number {
  return STORE_HUES[store as StoreId] ?? [...store].reduce((hash, char) => (hash * 31 + char.charCodeAt(0)) % 360, 7);
}

function colorFor(store: AnyStoreId, runIndex: number): string {
  return store === 'none' ? `hsl(0, 0%, ${45 + runIndex * 15}%)` : `hsl(${hueOf(store)}, 65%, ${42 + runIndex * 14}%)`;
}

/** One store of one run as drawn in charts: its label, its colour and its groups. */
export interface Series {
  /** Store label, with the run label when a report has several runs. */
  label: string;
  /** CSS colour: hue by store, lightness by run. */
  color: string;
  /** Store id. */
  store: AnyStoreId;
  /** The store's groups in that run that passed the filter. */
  groups: EntryGroup[];
}

/** One series per run × store, over the groups that pass the filter and have ok entries. */
export function seriesOf(runs: readonly LabelledRun[], filter: (group: EntryGroup) => boolean): Series[] {
  return runs.flatMap((run, runIndex) => {
    const byStore = new Map<AnyStoreId, EntryGroup[]>();
    for (const group of groupEntries(run.result.entries)) {
      if (group.ok.length > 0 && filter(group)) byStore.set(group.store, [...(byStore.get(group.store) ?? []), group]);
    }
    return [...byStore.entries()].map(([store, groups]) => ({
      store,
      groups,
      label: runs.length > 1 ? `${groups[0]!.storeLabel} · ${run.label}` : groups[0]!.storeLabel,
      color: colorFor(store, runIndex),
    }));
  });
}
