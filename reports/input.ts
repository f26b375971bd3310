import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import { z } from 'zod';
import type { RunResult } from './result.ts';
import { SCHEMA_VERSION } from './result.ts';
import { SERVER_KINDS, STORE_IDS } from '../stores/types.ts';

/** Bad report input (missing, corrupt or incompatible results file); `message` is one line for the user. */
export class ReportInputError extends Error {
  override readonly name = 'ReportInputError';
}

const count = z.number().int().nonnegative();
const micros = z.number().nonnegative();

const latencySummary = z.object({ min: micros, mean: micros, p50: micros, p90: micros, p99: micros, p999: micros, max: micros, count });

/** Empty when the source had no histogram (a k6 summary import). */
const histogram = z.string().refine(
  (encoded) => {
    if (encoded === '') return true;
    try {
      decodeFromCompressedBase64(encoded);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a compressed base64 HDR histogram' },
);

const phaseMetrics = z.object({
  durationSeconds: z.number().nonnegative(),
  requests: count,
  throughput: z.number().nonnegative(),
  latencyUs: latencySummary,
  histogram,
  errors: count,
  non2xx: count,
  timeouts: count,
});

const loadModel = z.discriminatedUnion('driver', [
  z.object({ driver: z.literal('autocannon'), model: z.literal('closed'), connections: count }),
  z.object({ driver: z.literal('k6'), model: z.literal('open'), ratePerSecond: z.number().positive(), droppedIterations: count.optional() }),
  z.object({ driver: z.literal('harness'), model: z.literal('scripted'), description: z.string() }),
]);

const timelineSecond = z.object({ second: count, ok: count, non2xx: count, errors: count, timeouts: count, p99Us: micros });

const memorySample = z.object({ t: z.number().nonnegative(), rss: count, heapUsed: count });

const memoryMetrics = z.object({
  app: z.object({ before: memorySample, after: memorySample, samples: z.array(memorySample) }),
  server: z.object({ before: z.number(), after: z.number(), source: z.string() }).optional(),
  harnessRss: z.object({ before: count, after: count }).optional(),
  sessionsBefore: count.optional(),
  sessionsAfter: count.optional(),
  bytesPerSession: z.number().optional(),
  appHeapBytesPerSession: z.number().optional(),
});

const serverInfo = z.object({
  kind: z.enum(SERVER_KINDS),
  url: z.string(),
  source: z.enum(['url', 'docker', 'local']),
  product: z.string(),
  version: z.string(),
  label: z.string(),
  managed: z.boolean(),
});

const capabilities = z.object({
  serverSide: z.boolean(),
  countsSessions: z.boolean(),
  removesExpired: z.union([z.literal(true), z.object({ reason: z.string() })]),
  payloadLimit: z.object({ bytes: count, reason: z.string() }).optional(),
  ttlLimit: z.object({ seconds: z.number().positive(), reason: z.string() }).optional(),
  revocable: z.boolean(),
});

const entryBase = {
  store: z.enum(STORE_IDS),
  storeLabel: z.string(),
  scenario: z.string(),
  payloadBytes: count.optional(),
  instances: z.number().int().positive().optional(),
  variant: z.string().optional(),
  repetition: z.number().int().positive(),
  server: serverInfo.optional(),
  capabilities: capabilities.optional(),
  load: loadModel,
};

const storeOpLatency = latencySummary.extend({ errors: count });

const entry = z.discriminatedUnion('status', [
  z.object({
    ...entryBase,
    status: z.literal('ok'),
    warmup: phaseMetrics.optional(),
    measured: phaseMetrics,
    storeOps: z.object({ get: storeOpLatency, set: storeOpLatency, touch: storeOpLatency, destroy: storeOpLatency }).partial().optional(),
    memory: memoryMetrics.optional(),
    cpu: z
      .object({ app: z.number().optional(), generator: z.number().optional(), server: z.number().optional(), generatorSaturated: z.boolean() })
      .optional(),
    sessionsStored: count.optional(),
    timeline: z.array(timelineSecond).optional(),
    observations: z.record(z.string(), z.number()).optional(),
    notes: z.array(z.string()).optional(),
  }),
  z.object({ ...entryBase, status: z.literal('failed'), reason: z.string(), cause: z.enum(['payload-limit', 'error']).optional() }),
  z.object({ ...entryBase, status: z.literal('skipped'), reason: z.string() }),
]);

const runResult: z.ZodType<RunResult> = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  startedAt: z.string(),
  finishedAt: z.string(),
  partial: z.boolean(),
  env: z.object({
    node: z.string(),
    os: z.object({ platform: z.string(), release: z.string(), arch: z.string() }),
    cpu: z.object({ model: z.string(), count }),
    totalMemoryBytes: count,
    gitSha: z.string().optional(),
    sessionbench: z.string(),
    packages: z.record(z.string(), z.string()),
  }),
  plan: z.object({
    stores: z.array(z.enum(STORE_IDS)),
    scenarios: z.array(z.string()),
    repeat: z.number().int().positive(),
    warmupSeconds: z.number().nonnegative(),
    durationSeconds: z.number().nonnegative(),
    connections: count,
    payloadBytes: z.array(count),
    driver: z.enum(['autocannon', 'k6']),
    ratePerSecond: z.number().positive().optional(),
  }),
  entries: z.array(entry),
});

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
 * "baseline main.json". Throws ReportInputError with a one-line message when the
 * text is not JSON, has another schemaVersion, or does not match RunResult.
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
  if (version !== SCHEMA_VERSION) return fail(version === undefined ? 'it has no schemaVersion' : `it has schemaVersion ${JSON.stringify(version)}`);
  const parsed = runResult.safeParse(data);
  return parsed.success ? parsed.data : fail(describeIssues(parsed.error));
}
