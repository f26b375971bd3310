import type { OkEntry, RunResult } from '../../contract/result.ts';
import { bytesPerSessionOf, groupEntries, groupSpread } from '../figures/aggregate.ts';
import { formatBytes, formatCount, formatSpread } from '../figures/format.ts';
import type { TextTable } from '../figures/text-table.ts';

function sessionsAdded(entry: OkEntry): number | undefined {
  if (entry.sessionMemory) return entry.sessionMemory.sessionsAdded;
  const { sessionsBefore, sessionsAfter } = entry.memory ?? {};
  return sessionsBefore === undefined || sessionsAfter === undefined ? undefined : sessionsAfter - sessionsBefore;
}

/** Where `bytesPerSession` was measured: the store server's own figure when it has one, else the app heap. */
function measuredIn(entry: OkEntry | undefined): string {
  if (entry?.sessionMemory) return `${entry.sessionMemory.source}, ${formatCount(entry.sessionMemory.logins)} logins then logouts`;
  const server = entry?.memory?.server;
  if (server) return `${entry?.server?.label ?? 'store server'} (${server.source})`;
  return 'app heap';
}

/**
 * One row per store × scenario that added sessions: the growth per session of the memory
 * that holds them (the server's, or the app heap for an in-process store) next to the growth
 * of the app's own heap per session (after garbage collection), so a server store's churn
 * reads as growth in the server, not in the app.
 */
export function memoryTable(result: RunResult): TextTable {
  const rows = groupEntries(result.entries).flatMap((group) => {
    const perSession = groupSpread(group, bytesPerSessionOf);
    const appHeap = groupSpread(group, (entry) => entry.memory?.appHeapBytesPerSession);
    if (!perSession && !appHeap) return [];
    const added = groupSpread(group, sessionsAdded);
    const where = group.ok.find((entry) => bytesPerSessionOf(entry) !== undefined);
    return [
      [
        group.storeLabel,
        group.scenario,
        added ? formatSpread(added, formatCount) : 'not counted',
        perSession ? formatSpread(perSession, formatBytes) : 'not measured',
        perSession ? measuredIn(where) : '—',
        appHeap ? formatSpread(appHeap, formatBytes) : 'not measured',
      ],
    ];
  });
  const column = (title: string, numeric: boolean) => ({ title, numeric });
  return {
    columns: [
      column('Store', false),
      column('Scenario', false),
      column('Sessions added', true),
      column('Memory / session', true),
      column('Measured in', false),
      column('App heap / session (after GC)', true),
    ],
    rows,
  };
}
