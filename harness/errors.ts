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

/**
 * What went wrong, never empty: the message, else the cause's message or an error code, else
 * the error's name (a socket dropped by a killed server often carries no message at all).
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error) || 'unknown error';
  const cause = error.cause as { message?: string; code?: string } | undefined;
  const code = (error as NodeJS.ErrnoException).code;
  const errors = (error as Partial<AggregateError>).errors;
  const inner = Array.isArray(errors) ? errors.map((e: unknown) => (e instanceof Error ? e.message : '')).find(Boolean) : undefined;
  // node-redis' command timeout is a TimeoutError with neither a message nor its own name.
  const type = error.constructor.name !== 'Error' ? error.constructor.name : error.name;
  const fallback = /timeout/i.test(type) ? `no answer in time (${type})` : `${type} without a message`;
  return error.message || cause?.message || inner || code || cause?.code || fallback;
}

/** A reason for one line: whitespace and line breaks collapsed, a stack trace's frames dropped, at most 300 characters. */
export function oneSentence(text: string): string {
  const withoutFrames = text.split('\n').filter((line) => !/^\s+at\s/.test(line)).join(' ');
  const flat = withoutFrames.replace(/\s+/g, ' ').trim() || 'no reason given';
  return flat.length > 300 ? `${flat.slice(0, 297)}...` : flat;
}
