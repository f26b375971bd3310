import type { OkEntry, RunResult } from '../../contract/result.ts';
import type { StoreOperation } from '../../contract/metrics.ts';
import { STORE_OPERATIONS } from '../../contract/metrics.ts';
import { groupEntries, groupSpread } from '../figures/aggregate.ts';
import { formatBytes, formatSpread, formatUs } from '../figures/format.ts';
import type { TextTable } from '../figures/text-table.ts';

const perRequestFormat = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 3 });

/** What the under-load column measures: read it beside the loop delay, never as the store's own speed. */
export const UNDER_LOAD_COLUMN = 'Under load p50 (incl. event-loop queueing)';

function column(title: string, numeric: boolean): TextTable['columns'][number] {
  return { title, numeric };
}

function percent(value: number): string {
  return `${Math.round(value * 100)}%`;
}

/**
 * One row per store × scenario × operation that ran under load: the store's intrinsic latency
 * (measured alone after verification) beside the same operation under load, and the app's
 * event-loop delay and utilisation during that load. Under load, an operation's time is mostly
 * its callback waiting for a busy loop; compare stores on the intrinsic figure.
 */
export function storeOpsTable(result: RunResult): TextTable {
  const rows = groupEntries(result.entries).flatMap((group) => {
    if (!group.ok.some((entry) => entry.storeOps)) return [];
    const loopP50 = groupSpread(group, (entry) => entry.eventLoop?.delayUs.p50);
    const loopP99 = groupSpread(group, (entry) => entry.eventLoop?.delayUs.p99);
    const busy = groupSpread(group, (entry) => entry.eventLoop?.utilization);
    const loop = loopP50 && loopP99 ? `${formatUs(loopP50.median)} · ${formatUs(loopP99.median)}` : 'not measured';
    return STORE_OPERATIONS.flatMap((op: StoreOperation) => {
      const pick = (field: 'p50' | 'p99', source: (entry: OkEntry) => OkEntry['storeOps']) => groupSpread(group, (entry) => source(entry)?.[op]?.[field]);
      const aloneP50 = pick('p50', (entry) => entry.storeOpsIntrinsic);
      const aloneP99 = pick('p99', (entry) => entry.storeOpsIntrinsic);
      const loaded = pick('p50', (entry) => entry.storeOps);
      if (!loaded) return [];
      return [[
        group.storeLabel,
        group.scenario,
        op,
        aloneP50 && aloneP99 ? `${formatUs(aloneP50.median)} · ${formatUs(aloneP99.median)}` : 'not probed',
        formatSpread(loaded, formatUs),
        loop,
        busy ? percent(busy.median) : 'not measured',
      ]];
    });
  });
  return {
    columns: [column('Store', false), column('Scenario', false), column('Operation', false), column('Alone p50 · p99', true), column(UNDER_LOAD_COLUMN, true), column('Event-loop delay p50 · p99', true), column('Loop busy', true)],
    rows,
    notes: [
      'Alone: serial calls through the Store right after verification, one at a time, no load (medians over repetitions). Under load: the same calls during the measured phase, timed from call to callback, so they include the time the callback waited for the app’s busy event loop; the loop delay beside it shows how much of that was queueing.',
    ],
  };
}

/** True when an entry's write bytes come from a sample of its calls rather than from every call. */
function bytesEstimated(entry: RunResult['entries'][number]): boolean {
  const writes = entry.status === 'ok' ? entry.storeWrites : undefined;
  return !!writes?.bytesSampled && (writes.bytesSampled.set < writes.set || writes.bytesSampled.touch < writes.touch);
}

/**
 * One row per store × scenario that counted its writes: set, touch and destroy calls per
 * request of the measured phase, and the session bytes handed to set and touch per request
 * (medians over repetitions). Touch bytes are an upper bound: some stores' touch writes only an expiry.
 */
export function storeWritesTable(result: RunResult): TextTable {
  const rows = groupEntries(result.entries).flatMap((group) => {
    if (!group.ok.some((entry) => entry.storeWrites && entry.storeWrites.requests > 0)) return [];
    const per = (field: 'set' | 'touch' | 'destroy' | 'setBytes' | 'touchBytes') =>
      groupSpread(group, (entry) => (entry.storeWrites && entry.storeWrites.requests > 0 ? entry.storeWrites[field] / entry.storeWrites.requests : undefined))!;
    const calls = (field: 'set' | 'touch' | 'destroy') => formatSpread(per(field), (value) => perRequestFormat.format(value));
    return [[group.storeLabel, group.scenario, calls('set'), calls('touch'), calls('destroy'), formatSpread(per('setBytes'), formatBytes), formatSpread(per('touchBytes'), formatBytes)]];
  });
  return {
    columns: [column('Store', false), column('Scenario', false), column('set / request', true), column('touch / request', true), column('destroy / request', true), column('Bytes to set / request', true), column('Bytes to touch / request', true)],
    rows,
    notes: [
      'Bytes are the session’s JSON as handed to the store. A touch hands over the whole session; whether the store writes it all (connect-memcached) or only an expiry (connect-redis) is the store’s doing.',
      ...(result.entries.some(bytesEstimated) ? ['Bytes are estimated: the app serialises one set or touch call in every few and counts the others at their mean (storeWrites.bytesSampled); the call counts are exact.'] : []),
    ],
  };
}
