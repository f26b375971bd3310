import type { FailureReasons, OutageObservations, OutageRecoveryRule } from '../../scenarios/outage/observations.ts';
import type { TimelineSecond } from '../../contract/metrics.ts';
import { spreadOf } from '../../reports/figures/spread.ts';
import type { TimelineEvents } from '../load/timeline.ts';

/** When the server was paused and resumed, in ms since the timeline started, and the request timeout. */
export interface OutageWindow {
  pausedAtMs: number;
  resumedAtMs: number;
  /** Per-request timeout: a request sent while paused has failed or been answered this long after the resume. */
  requestTimeoutMs: number;
}

/** Recovery means throughput back to this share of the pre-outage rate. */
export const RECOVERY_SHARE = 0.9;

function reasons(events: TimelineEvents['failures']): FailureReasons {
  const counted: FailureReasons = { timeouts: 0, errors: 0, non2xx: 0 };
  for (const { outcome } of events) {
    if (outcome === 'timeout') counted.timeouts += 1;
    else if (outcome === 'error') counted.errors += 1;
    else counted.non2xx += 1;
  }
  return counted;
}

/**
 * Reads an outage off a run's per-second timeline and its exact failure times,
 * by the rule in `OutageRecoveryRule` (recorded in the result):
 * - throughput before: the median second before the pause (the first second left out when there are two or more);
 * - failures during (pause → resume) and after the resume, by their exact time;
 * - late failures, by reason: later than one request timeout after the resume;
 * - recovery: from the resume to the end of the first second (ending after the
 *   resume) that answered at least 90 % of the throughput before;
 * - for an open model, dropped iterations before, during, after and late.
 */
export function analyzeOutage(rows: TimelineSecond[], events: TimelineEvents, window: OutageWindow): OutageObservations {
  const rule: OutageRecoveryRule = { throughputShare: RECOVERY_SHARE, lateAfterMs: window.requestTimeoutMs };
  const { pausedAtMs, resumedAtMs } = window;
  const lateAtMs = resumedAtMs + rule.lateAfterMs;
  const pausedSecond = Math.floor(pausedAtMs / 1000);
  const before = rows.slice(pausedSecond > 1 ? 1 : 0, pausedSecond);
  const during = rows.filter((row) => row.second >= pausedSecond && row.second < Math.ceil(resumedAtMs / 1000));
  const normal = spreadOf(before.map((row) => row.ok))?.median ?? 0;
  const recoveredAt = rows.find((row) => (row.second + 1) * 1000 > resumedAtMs && row.ok > 0 && row.ok >= rule.throughputShare * normal);
  const failedDuring = events.failures.filter((event) => event.atMs >= pausedAtMs && event.atMs < resumedAtMs);
  const failedAfter = events.failures.filter((event) => event.atMs >= resumedAtMs);
  const firstFailure = events.failures.find((event) => event.atMs >= pausedAtMs);
  const observations: OutageObservations = {
    kind: 'outage',
    pausedAtMs: Math.round(pausedAtMs),
    resumedAtMs: Math.round(resumedAtMs),
    throughputBefore: normal,
    throughputDuring: during.length > 0 ? during.reduce((sum, row) => sum + row.ok, 0) / during.length : 0,
    failuresDuring: failedDuring.length,
    failuresAfter: failedAfter.length,
    lateFailures: reasons(failedAfter.filter((event) => event.atMs > lateAtMs)),
    recovered: recoveredAt !== undefined,
    recoveryRule: rule,
  };
  if (firstFailure) observations.timeToFirstErrorMs = Math.round(firstFailure.atMs - pausedAtMs);
  if (recoveredAt) observations.recoverySeconds = Math.round((recoveredAt.second + 1) * 1000 - resumedAtMs) / 1000;
  if (events.dropped) {
    const dropped = events.dropped;
    observations.droppedIterations = {
      before: dropped.filter((at) => at < pausedAtMs).length,
      during: dropped.filter((at) => at >= pausedAtMs && at < resumedAtMs).length,
      after: dropped.filter((at) => at >= resumedAtMs).length,
      late: dropped.filter((at) => at > lateAtMs).length,
    };
  }
  return observations;
}
