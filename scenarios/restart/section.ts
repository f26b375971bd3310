import type { OkEntry, RunResult } from '../../contract/result.ts';
import { observationsOf } from '../../reports/figures/aggregate.ts';
import { formatCount, formatServer } from '../../reports/figures/format.ts';
import type { TextTable } from '../../reports/figures/text-table.ts';
import type { LabelledRun, SectionCharts } from '../../reports/sections/chart-spec.ts';
import { tablesPerRun } from '../../reports/sections/chart-spec.ts';
import type { RestartObservations } from './observations.ts';

/** The restart outcome of an entry of the restart scenario; undefined for any other entry. */
export function restartOutcome(entry: OkEntry): RestartObservations | undefined {
  return observationsOf(entry, 'restart');
}

/** Sessions valid before the kill that the app no longer accepted after the restart. */
export function sessionsLost(outcome: RestartObservations): number {
  return Math.max(0, outcome.validBefore - outcome.validAfter);
}

const ms = (value: number) => (value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(1)} s`);

/** Plain-language notes for one restart entry: what was killed, the persistence asked of the server, and what survived. */
export function restartNotes(outcome: RestartObservations, serverLabel: string): string[] {
  const recovered = outcome.appRecoveredMs === undefined ? `the app did not serve a new login within ${ms(outcome.appRecoveryTimeoutMs)}, so the cookies were replayed anyway` : `the app served a new login ${ms(outcome.appRecoveredMs)} after that`;
  return [
    `${serverLabel} was killed with SIGKILL (${outcome.processesKilled} processes) and started again on the same data and port; it answered again after ${ms(outcome.downMs)}, and ${recovered}.`,
    `Persistence, as the server reported it (${outcome.persistence.source}): ${outcome.persistence.summary}.`,
    `${formatCount(outcome.validAfter)} of ${formatCount(outcome.validBefore)} sessions were still valid after the restart (${formatCount(outcome.rejectedAfter)} refused as logged out, ${formatCount(outcome.failedAfter)} failed otherwise).`,
  ];
}

/**
 * "What survives a restart": per store and server persistence setting, the sessions valid before
 * the kill and after the restart, what the store still held, and how long the server and the app took.
 */
export function restartTable(result: RunResult): TextTable {
  const rows = result.entries.flatMap((entry) => {
    if (entry.kind !== 'restart') return [];
    const server = formatServer(entry.store, entry.server);
    if (entry.status !== 'ok') return [[entry.storeLabel, server, `${entry.status}: ${entry.reason}`, '—', '—', '—', '—', '—']];
    const outcome = restartOutcome(entry);
    if (!outcome) return [];
    return [[
      entry.storeLabel,
      server,
      outcome.persistence.summary,
      `${formatCount(outcome.validAfter)} of ${formatCount(outcome.validBefore)}`,
      outcome.storedAfter === undefined ? 'cannot ask' : `${formatCount(outcome.storedAfter)} of ${formatCount(outcome.sessions)}`,
      formatCount(outcome.failedAfter),
      ms(outcome.downMs),
      outcome.appRecoveredMs === undefined ? `not within ${ms(outcome.appRecoveryTimeoutMs)}` : ms(outcome.appRecoveredMs),
    ]];
  });
  const column = (title: string, numeric: boolean) => ({ title, numeric });
  return {
    columns: [
      column('Store', false),
      column('Server', false),
      column('Persistence (asked of the server)', false),
      column('Valid after restart', true),
      column('Still in the store', true),
      column('Failed requests', true),
      column('Server down', true),
      column('App serving again', true),
    ],
    rows,
    notes: rows.length
      ? ['The store server was killed with SIGKILL (its whole process tree: a crash, not a shutdown) and started again by sessionbench on the same data and port; then every old cookie was replayed through the same app. Valid: the app answered 200 with the session’s user. Servers given by URL are never killed.']
      : [],
  };
}

/** The HTML report's part: the restart table per run; undefined when no run restarted a server. */
export function restartCharts(runs: readonly LabelledRun[]): SectionCharts | undefined {
  const tables = tablesPerRun(runs, restartTable);
  if (tables.length === 0) return undefined;
  return { intro: 'Users logged in, the store server killed with SIGKILL and started again on its data: the sessions still valid, by the persistence the server reported.', charts: [], tables };
}
