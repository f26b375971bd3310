import { z } from 'zod';
import { BUCKET_METRIC_PREFIX, BUCKET_TAG, LATENCY_BUCKETS } from './k6-latency-buckets.ts';
import { WHOLE_SEGMENT } from './k6-segments.ts';

/** `format` of the file each k6 runner of an exported script writes at its end (handleSummary). */
export const RUNNER_FILE_FORMAT = 'sessionbench-k6-runner';

/** What the export says about the test, baked into the script: every runner's file repeats it. */
export const runnerTestSchema = z.object({
  /** A hash of the generated script's settings: runners of one test (and its repetitions) share it. */
  id: z.string().regex(/^[0-9a-f]{6,64}$/),
  scenario: z.string().min(1),
  /** The whole test's rate; a runner ran its segment's share of it. */
  ratePerSecond: z.number().positive(),
  warmupSeconds: z.number().nonnegative(),
  durationSeconds: z.number().positive(),
  /** Runners the export planned for (`export k6 --parallelism`); the files, not this, say how many ran. */
  parallelism: z.number().int().positive(),
  sessionbench: z.string(),
});
export type RunnerTest = z.infer<typeof runnerTestSchema>;

const count = z.number().int().nonnegative();

/**
 * One k6 runner's results: which test, which run of it (`SB_RUN_ID`), which
 * execution segment, the summary's per-phase counts and trend figures, and the
 * measured phase's latency as bucket counts (see LATENCY_BUCKETS).
 * A whole run is segment "0:1"; runners of one run have the same `run`.
 */
export const runnerFileSchema = z.object({
  format: z.literal(RUNNER_FILE_FORMAT),
  version: z.literal(1),
  test: runnerTestSchema,
  /** `SB_RUN_ID` from the runner's environment ('' when unset): tells repetitions of one test apart. */
  run: z.string().max(200),
  segment: z.string(),
  sequence: z.string().nullable(),
  testRunDurationMs: z.number().nonnegative(),
  latencyBuckets: z.object({
    unit: z.literal(LATENCY_BUCKETS.unit),
    growth: z.literal(LATENCY_BUCKETS.growth),
    lowestUs: z.literal(LATENCY_BUCKETS.lowestUs),
    highestUs: z.literal(LATENCY_BUCKETS.highestUs),
    measured: z.record(z.string().regex(/^\d{1,5}$/), count),
  }),
  /** The summary's sub-metrics (`http_reqs{scenario:measured,kind:work}` …), each as k6's `values`. */
  metrics: z.record(z.string(), z.record(z.string(), z.number())),
});
export type RunnerFile = z.infer<typeof runnerFileSchema>;

/** True when a parsed JSON document says it is a runner's file (whether or not it is a valid one). */
export function isRunnerFile(document: unknown): boolean {
  return typeof document === 'object' && document !== null && (document as { format?: unknown }).format === RUNNER_FILE_FORMAT;
}

/** Validates a runner's file; the error names the first bad field. */
export function parseRunnerFile(document: unknown): RunnerFile {
  const parsed = runnerFileSchema.safeParse(document);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new Error(`not a valid ${RUNNER_FILE_FORMAT} file: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
}

/**
 * JavaScript for the k6 script: `observeLatency` (counts a measured work
 * request into its bucket) and `handleSummary`, which writes the runner's file
 * into `SB_RESULTS_DIR` (default: the working directory), named after the test,
 * the run and the segment so runners sharing a volume never overwrite each other.
 * `--summary-export` still works beside it.
 */
export function runnerOutputScript(): string {
  const scheme = { unit: LATENCY_BUCKETS.unit, growth: LATENCY_BUCKETS.growth, lowestUs: LATENCY_BUCKETS.lowestUs, highestUs: LATENCY_BUCKETS.highestUs };
  return `
function observeLatency(res, kind) {
  if (kind === WORK && exec.scenario.name === 'measured') countLatency(res.timings.duration);
}

export function handleSummary(data) {
  const options = exec.test.options;
  const segment = options.executionSegment || '${WHOLE_SEGMENT}';
  const run = __ENV.SB_RUN_ID || '';
  const measured = {};
  const metrics = {};
  for (const name of Object.keys(data.metrics)) {
    const values = data.metrics[name].values;
    const bucket = /^${BUCKET_METRIC_PREFIX}\\d+\\{${BUCKET_TAG}:(\\d+)\\}$/.exec(name);
    if (bucket) {
      if (values.count > 0) measured[bucket[1]] = values.count; // thresholds make k6 list every bucket, empty ones too
    } else if (name.indexOf('${BUCKET_METRIC_PREFIX}') === 0) continue;
    else if (name.indexOf('{scenario:') > 0) metrics[name] = values;
  }
  const doc = {
    format: '${RUNNER_FILE_FORMAT}',
    version: 1,
    test: CONFIG.runner,
    run,
    segment,
    sequence: options.executionSegmentSequence || null,
    testRunDurationMs: data.state.testRunDurationMs,
    latencyBuckets: Object.assign(${JSON.stringify(scheme)}, { measured }),
    metrics,
  };
  const safe = (text) => text.replace(/:/g, '-').replace(/\\//g, '_').replace(/[^A-Za-z0-9._-]/g, '');
  const name = 'sessionbench-' + CONFIG.runner.id + (run ? '-' + safe(run) : '') + '-' + safe(segment) + '.json';
  const file = (__ENV.SB_RESULTS_DIR || '.').replace(/\\/+$/, '') + '/' + name;
  return { [file]: JSON.stringify(doc), stdout: 'sessionbench: segment ' + segment + ' of test ' + CONFIG.runner.id + ' (run ' + JSON.stringify(run) + '): results written to ' + file + '\\n' };
}
`;
}
