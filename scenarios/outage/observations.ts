import { z } from 'zod';
import { count } from '../../contract/metrics.ts';

/**
 * The rule an outage run was read by, stated as data so that a report can say it.
 * Recovery: the first whole second of the timeline, ending after the resume, in which at
 * least `throughputShare` of `throughputBefore` was answered 2xx; `recoverySeconds` runs from
 * the resume to the END of that second, so it is an upper bound at one-second resolution.
 * Late failures: requests that failed more than `lateAfterMs` (one request timeout) after the
 * resume. Requests sent while the server was paused have failed or been answered by then, so the
 * outage does not explain them: something kept failing after the store was back.
 */
export const outageRecoveryRuleSchema = z.object({
  /** Share of the pre-outage throughput a second must reach to count as recovered, e.g. 0.9. */
  throughputShare: z.number().positive().max(1),
  /** Failures later than this after the resume (the request timeout) are late. */
  lateAfterMs: count,
});
export type OutageRecoveryRule = z.infer<typeof outageRecoveryRuleSchema>;

/** Failed requests by reason. */
export const failureReasonsSchema = z.object({
  /** No answer within the request timeout. */
  timeouts: count,
  /** Connection errors (refused, reset, closed before the answer). */
  errors: count,
  /** Answers with a status outside 2xx. */
  non2xx: count,
});
export type FailureReasons = z.infer<typeof failureReasonsSchema>;

/** Iterations an open-model driver (k6) dropped because no virtual user was free, by time relative to the outage. */
export const droppedIterationsSchema = z.object({
  /** Before the pause. */
  before: count,
  /** While the server was paused. */
  during: count,
  /** After the resume (late ones included). */
  after: count,
  /** Later than `recoveryRule.lateAfterMs` after the resume. */
  late: count,
});

/** What one outage run showed: the pause window and how the app fared. */
export const outageObservationsSchema = z.object({
  kind: z.literal('outage'),
  /** When the server was paused, in ms since the measured phase started. */
  pausedAtMs: z.number().nonnegative(),
  /** When it was resumed, in ms since the measured phase started. */
  resumedAtMs: z.number().nonnegative(),
  /** Requests answered 2xx per second before the pause (median second; the first second is left out when there are two or more). */
  throughputBefore: z.number().nonnegative(),
  /** Requests answered 2xx per second, on average, while paused. */
  throughputDuring: z.number().nonnegative(),
  /** Failed requests (connection errors, timeouts, non-2xx) between the pause and the resume. */
  failuresDuring: count,
  /** Failed requests after the resume, `lateFailures` included. */
  failuresAfter: count,
  /** Failures later than `recoveryRule.lateAfterMs` after the resume, by reason; absent in results written before the rule was recorded. */
  lateFailures: failureReasonsSchema.optional(),
  /** Whether throughput got back to the share of `throughputBefore` that `recoveryRule` states before the run ended. */
  recovered: z.boolean(),
  /** From the pause to the first failed request; absent when nothing failed. */
  timeToFirstErrorMs: z.number().nonnegative().optional(),
  /** From the resume to recovery by the rule in `recoveryRule`; absent when it did not recover. */
  recoverySeconds: z.number().nonnegative().optional(),
  /**
   * The rule `recovered`, `recoverySeconds` and `lateFailures` were read by. Absent in older
   * results, whose recovery meant "no failure in any later second, at half the throughput".
   */
  recoveryRule: outageRecoveryRuleSchema.optional(),
  /** Open model (k6) only: iterations dropped before, during and after the pause. */
  droppedIterations: droppedIterationsSchema.optional(),
});
export type OutageObservations = z.infer<typeof outageObservationsSchema>;
