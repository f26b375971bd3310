import type { z } from 'zod';
import { migrateV1 } from './migrate-v1.ts';
import { SCHEMA_VERSION, runResultSchema } from './result.ts';
import type { RunResult } from './result.ts';

/** Bad report input (missing, corrupt or incompatible results file); `message` is one line for the user. */
export class ReportInputError extends Error {
  override readonly name = 'ReportInputError';
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function describeIssues(error: z.ZodError): string {
  const [first] = error.issues;
  if (!first) return 'invalid';
  const where = first.path.length > 0 ? `${first.path.join('.')}: ` : '';
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problems)` : '';
  return `${where}${oneLine(first.message)}${more}`;
}

/**
 * Parses and validates a results document. `source` names it for the user, e.g.
 * "baseline main.json". A schemaVersion 1 file is migrated on read. Throws
 * ReportInputError with a one-line message when the text is not JSON, has another
 * schemaVersion, or does not match RunResult.
 */
export function parseRunResult(text: string, source: string): RunResult {
  const fail = (problem: string): never => {
    throw new ReportInputError(`${source} is not a sessionbench results file (schemaVersion ${SCHEMA_VERSION} expected): ${problem}`);
  };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return fail(`invalid JSON (${oneLine((error as Error).message)})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return fail('the top level is not an object');
  const version = (data as { schemaVersion?: unknown }).schemaVersion;
  if (version !== SCHEMA_VERSION && version !== 1) return fail(version === undefined ? 'it has no schemaVersion' : `it has schemaVersion ${JSON.stringify(version)} (this sessionbench reads 1 and ${SCHEMA_VERSION})`);
  const document = version === 1 ? migrateV1(data as Record<string, unknown>) : data;
  const parsed = runResultSchema.safeParse(document);
  return parsed.success ? parsed.data : fail(describeIssues(parsed.error));
}
