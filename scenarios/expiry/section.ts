import type { RunResult } from '../../contract/result.ts';
import { observationsOf } from '../../reports/figures/aggregate.ts';
import type { SectionCharts, LabelledRun } from '../../reports/sections/chart-spec.ts';
import { tablesPerRun } from '../../reports/sections/chart-spec.ts';
import { formatBytes, formatCount, formatUs } from '../../reports/figures/format.ts';
import type { TextTable } from '../../reports/figures/text-table.ts';

/** What each kind of cleanup is called in the table. */
const CLEANUP_LABELS = { call: 'prune called by the app', server: "server's own expiry (watched)", none: 'nothing removes them' } as const;

const beforeAfter = (before: number | undefined, after: number | undefined, format: (v: number) => string): string =>
  before === undefined || after === undefined ? '—' : `${format(before)} → ${format(after)}`;

/** One row per expiry entry: how the store removes N expired sessions, how long it took, what it freed, and p99 before and during it. */
export function expiryTable(result: RunResult): TextTable {
  const rows = result.entries.flatMap((entry) => {
    if (entry.status !== 'ok') return [];
    const o = observationsOf(entry, 'expiry');
    if (!o) return [];
    const time = o.cleanupMs !== undefined ? `${(o.cleanupMs / 1000).toFixed(2)} s` : o.cleanup === 'server' ? 'watched (see after)' : '—';
    return [
      [
        entry.storeLabel,
        formatCount(o.expiredSessions),
        CLEANUP_LABELS[o.cleanup],
        time,
        beforeAfter(o.storedBefore, o.storedAfter, formatCount),
        o.server ? `${beforeAfter(o.server.before, o.server.after, formatBytes)} (${o.server.source})` : `${beforeAfter(o.appHeap.before, o.appHeap.after, formatBytes)} (app heap)`,
        o.baselineP99Us === undefined ? '—' : formatUs(o.baselineP99Us),
        o.cleanupP99Us === undefined ? '—' : formatUs(o.cleanupP99Us),
      ],
    ];
  });
  return {
    columns: [
      { title: 'Store', numeric: false },
      { title: 'Expired sessions', numeric: true },
      { title: 'Cleanup', numeric: false },
      { title: 'Cleanup time', numeric: true },
      { title: 'Stored before → after', numeric: true },
      { title: 'Size before → after', numeric: false },
      { title: 'p99 before (median second)', numeric: true },
      { title: 'p99 during cleanup (worst second)', numeric: true },
    ],
    rows,
  };
}

/** Expiry at scale: the table of cleanups, when the run measured any. */
export function expiryCharts(runs: readonly LabelledRun[]): SectionCharts | undefined {
  const tables = tablesPerRun(runs, expiryTable);
  if (tables.length === 0) return undefined;
  return {
    intro: "The store is prefilled with sessions already expired, then read-heavy load runs; a few seconds in, the store's cleanup starts: connect-pg-simple's prune is called by the app and timed, a server's own expiry is watched, and a store that never sweeps keeps them. Sizes and counts are the server's own figures, the app heap (after GC) for in-process stores.",
    charts: [],
    tables,
  };
}
