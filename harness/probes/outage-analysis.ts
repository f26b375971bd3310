import type { OutageObservations, TimelineSecond } from '../../reports/result.ts';
import { spreadOf } from '../../reports/spread.ts';

/** When the server was paused and resumed, in ms since the timeline started. */
export interface OutageWindow {
  pausedAtMs: number;
  resumedAtMs: number;
  /** First failed request at or after the pause, in ms since the start. */
  firstFailureMs?: number;
}

const failures = (row: TimelineSecond) => row.non2xx + row.errors + row.timeouts;

/**
 * Reads an outage off a per-second timeline: time to first error, failures
 * while paused and after, and recovery — the first whole second after the
 * resume from which no later second has a failure, with at least half the
 * throughput seen before the pause (stragglers that time out later count).
 */
export function analyzeOutage(rows: TimelineSecond[], window: OutageWindow): OutageObservations {
  const pausedSecond = Math.floor(window.pausedAtMs / 1000);
  const resumedSecond = Math.ceil(window.resumedAtMs / 1000);
  const before = rows.slice(pausedSecond > 1 ? 1 : 0, pausedSecond);
  const during = rows.filter((row) => row.second >= pausedSecond && row.second < resumedSecond);
  const after = rows.filter((row) => row.second >= resumedSecond);
  const normal = spreadOf(before.map((row) => row.ok))?.median ?? 0;
  const lastFailure = after.findLast((row) => failures(row) > 0);
  const recoveredAt = after.find((row) => row.second > (lastFailure?.second ?? -1) && row.ok >= normal / 2);
  const observations: OutageObservations = {
    kind: 'outage',
    pausedAtMs: Math.round(window.pausedAtMs),
    resumedAtMs: Math.round(window.resumedAtMs),
    throughputBefore: normal,
    throughputDuring: during.length > 0 ? during.reduce((sum, row) => sum + row.ok, 0) / during.length : 0,
    failuresDuring: during.reduce((sum, row) => sum + failures(row), 0),
    failuresAfter: after.reduce((sum, row) => sum + failures(row), 0),
    recovered: recoveredAt !== undefined,
  };
  if (window.firstFailureMs !== undefined) observations.timeToFirstErrorMs = Math.round(window.firstFailureMs - window.pausedAtMs);
  if (recoveredAt) observations.recoverySeconds = Math.max(0, (recoveredAt.second * 1000 - window.resumedAtMs) / 1000);
  return observations;
}
