import type { OkEntry, RunResult } from '../../contract/result.ts';
import type { OutageObservations, OutageRecoveryRule } from './observations.ts';
import { observationsOf } from '../../reports/figures/aggregate.ts';
import type { SectionCharts, ChartSpec, LabelledRun } from '../../reports/sections/chart-spec.ts';
import { seriesOf, tablesPerRun } from '../../reports/sections/chart-spec.ts';
import { formatCount, formatLoad, formatRate, formatServer } from '../../reports/figures/format.ts';
import type { TextTable } from '../../reports/figures/text-table.ts';

/** What one outage run showed: the pause window and how the app fared. */
export type OutageOutcome = OutageObservations;

/** The outage outcome of an entry of the outage scenario; undefined for any other entry. */
export function outageOutcome(entry: OkEntry): OutageOutcome | undefined {
  return observationsOf(entry, 'outage');
}

const seconds = (value: number) => `${value.toFixed(1)} s`;
const percent = (share: number) => `${Math.round(share * 100)} %`;
const plural = (n: number, word: string) => `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;

/** Time to first error, e.g. "1.0 s after the pause" or "none". */
export function formatFirstError(outcome: OutageOutcome): string {
  return outcome.timeToFirstErrorMs === undefined ? 'no request failed' : `${seconds(outcome.timeToFirstErrorMs / 1000)} after the pause`;
}

/** Recovery, e.g. "within 1.0 s of the resume" or "not back to 90 %"; results without a recorded rule keep their old wording. */
export function formatRecovery(outcome: OutageOutcome): string {
  const rule = outcome.recoveryRule;
  if (!rule) return outcome.recovered ? `${seconds(outcome.recoverySeconds ?? 0)} after the resume` : 'did not recover';
  return outcome.recovered ? `within ${seconds(outcome.recoverySeconds ?? 0)} of the resume` : `not back to ${percent(rule.throughputShare)} by the end`;
}

/** Late failures with their reasons, e.g. "3 (3 timeouts)", "none", or "not recorded" (older results). */
export function formatLateFailures(outcome: OutageOutcome): string {
  const late = outcome.lateFailures;
  if (!late) return 'not recorded';
  const total = late.timeouts + late.errors + late.non2xx;
  if (total === 0) return 'none';
  const reasons = [
    late.timeouts > 0 && plural(late.timeouts, 'timeout'),
    late.errors > 0 && plural(late.errors, 'connection error'),
    late.non2xx > 0 && `${formatCount(late.non2xx)} non-2xx`,
  ].filter(Boolean);
  return `${formatCount(total)} (${reasons.join(', ')})`;
}

/** The rule an outage was read by, in one paragraph a reader can check the numbers against. */
export function formatRecoveryRule(rule: OutageRecoveryRule): string {
  return (
    `Recovery: time from the resume to the end of the first whole second that answered at least ${percent(rule.throughputShare)} of the 2xx/s before the pause (median second), so an upper bound at one-second resolution. ` +
    `Failing later: requests that failed more than ${seconds(rule.lateAfterMs / 1000)} (one request timeout) after the resume, by reason — requests sent while the store was paused have ended by then, so the outage does not explain them.`
  );
}

/** One line for the summary: first error, recovery, and any late failures. */
export function formatOutageBrief(outcome: OutageOutcome): string {
  const firstError = outcome.timeToFirstErrorMs === undefined ? 'no failures' : `errors after ${seconds(outcome.timeToFirstErrorMs / 1000)}`;
  const rule = outcome.recoveryRule;
  const recovery = !rule
    ? outcome.recovered ? `recovered in ${seconds(outcome.recoverySeconds ?? 0)}` : 'did not recover'
    : outcome.recovered ? `back to ${percent(rule.throughputShare)} within ${seconds(outcome.recoverySeconds ?? 0)}` : `not back to ${percent(rule.throughputShare)}`;
  const late = outcome.lateFailures;
  const lateTotal = late ? late.timeouts + late.errors + late.non2xx : 0;
  return `${firstError}; ${recovery}${lateTotal > 0 ? `; ${formatLateFailures(outcome)} failed later` : ''}`;
}

function outageEntries(result: RunResult): { entry: OkEntry; outcome: OutageOutcome }[] {
  return result.entries.flatMap((entry) => {
    const outcome = entry.status === 'ok' ? outageOutcome(entry) : undefined;
    return entry.status === 'ok' && outcome ? [{ entry, outcome }] : [];
  });
}

/**
 * One row per outage run: the load, the pause, throughput before and during it, failures while
 * paused, after the resume and later (with the reason), recovery, and for an open model the
 * iterations k6 dropped. The rule the figures were read by is stated under the table.
 */
export function outageTable(result: RunResult): TextTable {
  const entries = outageEntries(result);
  const open = entries.some(({ outcome }) => outcome.droppedIterations);
  const rows = entries.map(({ entry, outcome }) => {
    const dropped = outcome.droppedIterations;
    return [
      entry.storeLabel,
      formatServer(entry.store, entry.server),
      formatLoad(entry.load),
      String(entry.repetition),
      `${seconds(outcome.pausedAtMs / 1000)} → ${seconds(outcome.resumedAtMs / 1000)}`,
      formatRate(outcome.throughputBefore),
      formatRate(outcome.throughputDuring),
      formatFirstError(outcome),
      formatCount(outcome.failuresDuring),
      formatCount(outcome.failuresAfter),
      formatLateFailures(outcome),
      formatRecovery(outcome),
      ...(open ? (dropped ? [dropped.during, dropped.after, dropped.late].map(formatCount) : ['—', '—', '—']) : []),
    ];
  });
  const rules = [...new Map(entries.flatMap(({ outcome }) => (outcome.recoveryRule ? [[JSON.stringify(outcome.recoveryRule), outcome.recoveryRule] as const] : []))).values()];
  const column = (title: string, numeric: boolean) => ({ title, numeric });
  return {
    columns: [
      column('Store', false),
      column('Server', false),
      column('Load', false),
      column('Run', true),
      column('Server paused', true),
      column('Before', true),
      column('While paused', true),
      column('First error', true),
      column('Failed while paused', true),
      column('Failed after resume', true),
      column('Failing later (reason)', false),
      column('Recovery', false),
      ...(open ? [column('Dropped while paused', true), column('Dropped after resume', true), column('Dropped later', true)] : []),
    ],
    rows,
    ...(rules.length > 0 ? { notes: rules.map(formatRecoveryRule) } : {}),
  };
}

const FAILED_COLOR = '#b91c1c';
const DROPPED_COLOR = '#a16207';

function timelineChart(id: string, label: string, color: string, entry: OkEntry, outcome: OutageOutcome): ChartSpec {
  const timeline = entry.timeline ?? [];
  const at = (second: number) => second + 0.5;
  return {
    id,
    title: `${label}: requests per second through the outage`,
    caption: `Each point is one second of the run (repetition ${entry.repetition}); failures on the right axis. Shaded: the store server paused with SIGSTOP. First error ${formatFirstError(outcome)}; recovery ${formatRecovery(outcome)}; failing later: ${formatLateFailures(outcome)}.`,
    type: 'line',
    x: { title: 'seconds into the run', linear: true, bands: [{ from: outcome.pausedAtMs / 1000, to: outcome.resumedAtMs / 1000, label: 'server paused' }] },
    y: { title: 'answered 2xx per second', unit: 'rps' },
    y2: { title: 'failed per second', unit: 'rps' },
    datasets: [
      { label: 'answered 2xx', color, data: timeline.map((row) => ({ x: at(row.second), y: row.ok })) },
      { label: 'failed (non-2xx, connection errors, timeouts), right axis', color: FAILED_COLOR, dashed: true, secondAxis: true, data: timeline.map((row) => ({ x: at(row.second), y: row.non2xx + row.errors + row.timeouts })) },
      ...(outcome.droppedIterations
        ? [{ label: 'iterations k6 dropped, right axis', color: DROPPED_COLOR, dashed: true, secondAxis: true, data: timeline.map((row) => ({ x: at(row.second), y: row.dropped ?? 0 })) }]
        : []),
    ],
  };
}

/**
 * "What happens when the store goes down": per store, throughput and failures per
 * second with the pause shaded, and the outage table. Undefined when no entry ran the outage scenario.
 */
export function outageCharts(runs: readonly LabelledRun[]): SectionCharts | undefined {
  const series = seriesOf(runs, (group) => group.ok.some((entry) => outageOutcome(entry) && entry.timeline));
  const tables = tablesPerRun(runs, outageTable);
  if (series.length === 0 && tables.length === 0) return undefined;
  const charts = series.flatMap((one, i) => {
    const entry = one.groups.flatMap((group) => group.ok).find((ok) => outageOutcome(ok) && ok.timeline);
    const outcome = entry && outageOutcome(entry);
    return entry && outcome ? [timelineChart(`outage-${i}-${one.store}`, one.label, one.color, entry, outcome)] : [];
  });
  return {
    intro: 'Under read-heavy load the store server is paused (SIGSTOP), so it stops answering without closing connections, then resumed. A good store fails fast while it is down and recovers on its own once it is back. The table under the charts states the rule its recovery and late failures were read by.',
    charts,
    tables,
  };
}
