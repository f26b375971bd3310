/** Exit codes: 0 success · 1 a threshold or regression failed · 2 bad input · 3 the run itself failed · 130 interrupted. */
export const EXIT = { ok: 0, regression: 1, usage: 2, runFailed: 3, interrupted: 130 } as const;

/** After Ctrl-C, how long a graceful stop may take before what is left is killed. */
export const SHUTDOWN_BOUND_MS = 5000;

/** Bad input from the user: one line naming the problem and the fix; exit 2, nothing run or written. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The run could not go on (a store asked for by name could not be provisioned, …); exit 3. */
export class RunError extends Error {
  override name = 'RunError';
}
