import type { OkEntry, OutageObservations, RunResult } from './result.ts';
import { observationsOf } from './aggregate.ts';
import type { ChartSection, ChartSpec, LabelledRun } from './chart-spec.ts';
import { seriesOf, tablesPerRun } from './chart-spec.ts';
import { formatCount, formatRate, formatServer } from './format.ts';
import type { TextTable } from './text-table.ts';

/** What one outage run showed: the pause window and how the app fared. */
export type OutageOutcome = OutageObservations;

/** The outage outcome of an entry of the outage scenario; undefined for any other entry. */
export function outageOutcome(entry: OkEntry): OutageOutcome | undefined {
  return observationsOf(entry, 'outage');
}

const seconds = (value: number) => `${value.toFixed(1)} s`;

/** Time to first error, e.g. "1.0 s after the pause" or "none". */
export function formatFirstError(outcome: OutageOutcome): string {
  return outcome.timeToFirstErrorMs === undefined ? 'no request failed' : `${seconds(outcome.timeToFirstErrorMs / 1000)} after the pause`;
}

/** Recovery, e.g. "0.4 s after the resume" or "did not recover". */
export function formatRecovery(outcome: OutageOutcome): string {
  return outcome.recovered ? `${seconds(outcome.recoverySeconds ?? 0)} after the resume` : 'did not recover';
}

/** One line for the summary: first error, failures while down, recovery. */
export function formatOutageBrief(outcome: OutageOutcome): string {
  const firstError = outcome.timeToFirstErrorMs === undefined ? 'no failures' : `errors after ${seconds(outcome.timeToFirstErrorMs / 1000)}`;
  return `${firstError}; ${outcome.recovered ? `recovered in ${seconds(outcome.recoverySeconds ?? 0)}` : 'did not recover'}`;
}

function outageEntries(result: RunResult): { entry: OkEntry; outcome: OutageOutcome }[] {
  return result.entries.flatMap((entry) => {
    const outcome = entry.status === 'ok' ? outageOutcome(entry) : undefined;
    return entry.status === 'ok' && outcome ? [{ entry, outcome }] : [];
  });
}

/** One row per outage run: the pause, throughput before and during it, failures, and recovery (or "did not recover"). */
export function outageTable(result: RunResult): TextTable {
  const rows = outageEntries(result).map(({ entry, outcome }) => [
    entry.storeLabel,
    formatServer(entry.store, entry.server),
    String(entry.repetition),
    `${seconds(outcome.pausedAtMs / 1000)} → ${seconds(outcome.resumedAtMs / 1000)}`,
    formatRate(outcome.throughputBefore),
    formatRate(outcome.throughputDuring),
    formatFirstError(outcome),
    formatCount(outcome.failuresDuring),
    formatCount(outcome.failuresAfter),
    formatRecovery(outcome),
  ]);
  const column = (title: string, numeric: boolean) => ({ title, numeric });
  return {
    columns: [
      column('Store', false),
      column('Server', false),
      column('Run', true),
      column('Server paused', true),
      column('Before', true),
      column('While paused', true),
      column('First error', true),
      column('Failed while paused', true),
      column('Failed after resume', true),
      column('Recovery', false),
    ],
    rows,
  };
}

const FAILED_COLOR = '#b91c1c';

function timelineChart(id: string, label: string, color: string, entry: OkEntry, outcome: OutageOutcome): ChartSpec {
  const timeline = entry.timeline ?? [];
  const at = (second: number) => second + 0.5;
  return {
    id,
    title: `${label}: requests per second through the outage`,
    caption: `Each point is one second of the run (repetition ${entry.repetition}); failures on the right axis. Shaded: the store server paused with SIGSTOP. First error ${formatFirstError(outcome)}; recovery ${formatRecovery(outcome)}.`,
    type: 'line',
    x: { title: 'seconds into the run', linear: true, bands: [{ from: outcome.pausedAtMs / 1000, to: outcome.resumedAtMs / 1000, label: 'server paused' }] },
    y: { title: 'answered 2xx per second', unit: 'rps' },
    y2: { title: 'failed per second', unit: 'rps' },
    datasets: [
      { label: 'answered 2xx', color, data: timeline.map((row) => ({ x: at(row.second), y: row.ok })) },
      { label: 'failed (non-2xx, connection errors, timeouts), right axis', color: FAILED_COLOR, dashed: true, secondAxis: true, data: timeline.map((row) => ({ x: at(row.second), y: row.non2xx + row.errors + row.timeouts })) },
    ],
  };
}

/**
 * "What happens when the store goes down": per store, throughput and failures per
 * second with the pause shaded, and the outage table. Undefined when no entry ran the outage scenario.
 */
export function outageSection(runs: readonly LabelledRun[]): ChartSection | undefined {
  const series = seriesOf(runs, (group) => group.ok.some((entry) => outageOutcome(entry) && entry.timeline));
  const tables = tablesPerRun(runs, outageTable);
  if (series.length === 0 && tables.length === 0) return undefined;
  const charts = series.flatMap((one, i) => {
    const entry = one.groups.flatMap((group) => group.ok).find((ok) => outageOutcome(ok) && ok.timeline);
    const outcome = entry && outageOutcome(entry);
    return entry && outcome ? [timelineChart(`outage-${i}-${one.store}`, one.label, one.color, entry, outcome)] : [];
  });
  return {
    id: 'outage',
    title: 'Outage: what happens when the store goes down',
    intro: 'Under read-heavy load the store server is paused (SIGSTOP), so it stops answering without closing connections, then resumed. A good store fails fast while it is down and recovers on its own once it is back.',
    charts,
    tables,
  };
}
