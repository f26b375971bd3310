import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { describeEnvironment } from '../plan/environment.ts';
import { UsageError } from '../errors.ts';
import { k6SummaryToEntry } from './k6-summary.ts';
import { groupRunners, mergeRunners, RunnerSetError } from './k6-merge.ts';
import { isRunnerFile, parseRunnerFile } from './k6-runner-file.ts';
import type { RunnerTest } from './k6-runner-file.ts';
import type { K6SummaryMeta } from './k6-summary.ts';
import { parseCount, parseDuration } from '../plan/plan.ts';
import type { RunResult } from '../../contract/result.ts';
import { SCHEMA_VERSION } from '../../contract/result.ts';
import { STORES } from '../../stores/index.ts';
import { STORE_IDS } from '../../contract/vocabulary.ts';
import type { StoreId } from '../../contract/vocabulary.ts';
import { ReportInputError } from '../../contract/read.ts';

/**
 * What a k6 summary does not say about its run, as `report` flags: a summary holds
 * metrics only, and a script from `export k6` names neither the store behind its
 * target nor (machine-readably) its rate and phase lengths.
 */
export interface RawK6ImportFlags {
  k6Store?: string;
  k6Scenario?: string;
  k6Rate?: string;
  k6Duration?: string;
  k6Warmup?: string;
}

function parseK6Store(flags: RawK6ImportFlags): StoreId {
  const store = flags.k6Store;
  if (!store || !(STORE_IDS as readonly string[]).includes(store)) throw new UsageError(`--k6-store: give the store the app served, one of ${STORE_IDS.join(', ')}`);
  return store as StoreId;
}

/** Validates the `--k6-*` flags into summary metadata; UsageError names the first missing or bad flag. */
export function parseK6ImportFlags(flags: RawK6ImportFlags): Omit<K6SummaryMeta, 'repetition'> {
  const store = parseK6Store(flags);
  if (!flags.k6Scenario) throw new UsageError('--k6-scenario: give the scenario the script was exported from, e.g. --k6-scenario read-heavy');
  if (flags.k6Rate === undefined) throw new UsageError('--k6-rate: give the rate the script ran at (export k6 --rate), e.g. --k6-rate 500');
  if (flags.k6Duration === undefined) throw new UsageError('--k6-duration: give the measured phase of the script (export k6 --duration), e.g. --k6-duration 30s');
  const id = store as StoreId;
  return {
    store: id,
    storeLabel: STORES[id].label,
    scenario: flags.k6Scenario,
    ratePerSecond: parseCount('--k6-rate', flags.k6Rate, { min: 1, max: 1_000_000 }),
    durationSeconds: parseDuration('--k6-duration', flags.k6Duration, { min: 1, max: 24 * 3600 }),
    ...(flags.k6Warmup === undefined ? {} : { warmupSeconds: parseDuration('--k6-warmup', flags.k6Warmup, { min: 0, max: 3600 }) }),
  };
}

/** Runner files say what ran: a `--k6-*` flag given beside them must agree, or the report would mislabel them. */
function checkFlagsAgree(flags: RawK6ImportFlags, test: RunnerTest, label: string): void {
  const differs = (flag: string, given: string | undefined, parsed: (value: string) => unknown, actual: unknown) => {
    if (given !== undefined && parsed(given) !== actual) throw new UsageError(`${flag} ${given} contradicts ${label}, which ran ${JSON.stringify(actual)}: leave the flag out for runner files`);
  };
  differs('--k6-scenario', flags.k6Scenario, (v) => v, test.scenario);
  differs('--k6-rate', flags.k6Rate, (v) => parseCount('--k6-rate', v, { min: 1, max: 1_000_000 }), test.ratePerSecond);
  differs('--k6-duration', flags.k6Duration, (v) => parseDuration('--k6-duration', v, { min: 1, max: 24 * 3600 }), test.durationSeconds);
  differs('--k6-warmup', flags.k6Warmup, (v) => parseDuration('--k6-warmup', v, { min: 0, max: 3600 }), test.warmupSeconds);
}

async function readSummary(path: string): Promise<{ summary: unknown; finishedAt: Date }> {
  const label = basename(path);
  let text: string;
  let finishedAt: Date;
  try {
    [text, finishedAt] = await Promise.all([readFile(path, 'utf8'), stat(path).then((info) => info.mtime)]);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ReportInputError(`${label} cannot be read (${code === 'ENOENT' ? `no such file: ${resolve(path)}` : (error as Error).message})`);
  }
  try {
    return { summary: JSON.parse(text), finishedAt };
  } catch (error) {
    throw new ReportInputError(`${label} is not a k6 summary: invalid JSON (${(error as Error).message.replace(/\s+/g, ' ')})`);
  }
}

/**
 * Reads k6 result files given to `report --k6-summary`: either k6 summaries
 * (repetitions of one run, described by the `--k6-*` flags) or the files the
 * runners of a script from `export k6 --parallelism` wrote (they describe
 * themselves; `--k6-store` is still needed). The files say which they are; a
 * mix of both is refused.
 */
export async function importK6Files(paths: readonly string[], flags: RawK6ImportFlags): Promise<RunResult> {
  const store = parseK6Store(flags);
  const read = await Promise.all(paths.map(readSummary));
  const runnerFiles = read.map(({ summary }) => isRunnerFile(summary));
  if (!runnerFiles.some(Boolean)) return importK6Summaries(paths, parseK6ImportFlags(flags), read);
  const summaryAt = runnerFiles.indexOf(false);
  if (summaryAt >= 0) {
    const runnerAt = runnerFiles.indexOf(true);
    throw new ReportInputError(`${basename(paths[runnerAt]!)} is a sessionbench k6 runner file and ${basename(paths[summaryAt]!)} a k6 summary: give one kind at a time`);
  }
  const files = read.map(({ summary }, i) => {
    try {
      return { label: basename(paths[i]!), file: parseRunnerFile(summary) };
    } catch (error) {
      throw new ReportInputError(`${basename(paths[i]!)}: ${(error as Error).message}`);
    }
  });
  checkFlagsAgree(flags, files[0]!.file.test, files[0]!.label);
  let entries;
  try {
    entries = groupRunners(files).map((group, i) => mergeRunners(group, { store, storeLabel: STORES[store].label, repetition: i + 1 }));
  } catch (error) {
    if (error instanceof RunnerSetError) throw new ReportInputError(error.message);
    throw error;
  }
  const { test } = files[0]!.file;
  const runners = files.length === entries.length ? '' : ` (${files.length} runners)`;
  return wrapEntries(paths, read, entries, {
    store,
    scenario: test.scenario,
    ratePerSecond: test.ratePerSecond,
    durationSeconds: test.durationSeconds,
    warmupSeconds: test.warmupSeconds,
    source: `k6 runner files${runners}`,
  });
}

/**
 * Wraps k6 summaries of one exported script (repetitions, in the order given) in a
 * RunResult under the open model. The environment is this machine's, marked as an
 * import: k6 ran elsewhere. Times come from the summary files' modification times.
 */
export async function importK6Summaries(
  paths: readonly string[],
  meta: Omit<K6SummaryMeta, 'repetition'>,
  read?: Array<{ summary: unknown; finishedAt: Date }>,
): Promise<RunResult> {
  const documents = read ?? (await Promise.all(paths.map(readSummary)));
  const entries = documents.map(({ summary }, i) => {
    try {
      return k6SummaryToEntry(summary, { ...meta, repetition: i + 1 });
    } catch (error) {
      throw new ReportInputError(`${basename(paths[i]!)}: ${(error as Error).message}`);
    }
  });
  return wrapEntries(paths, documents, entries, { ...meta, source: 'k6 summary' });
}

function wrapEntries(
  paths: readonly string[],
  read: ReadonlyArray<{ finishedAt: Date }>,
  entries: RunResult['entries'],
  meta: Pick<K6SummaryMeta, 'store' | 'scenario' | 'ratePerSecond' | 'durationSeconds' | 'warmupSeconds'> & { source: string },
): RunResult {
  const finished = Math.max(...read.map(({ finishedAt }) => finishedAt.getTime()));
  const first = Math.min(...read.map(({ finishedAt }) => finishedAt.getTime()));
  const runSeconds = (meta.warmupSeconds ?? 0) + meta.durationSeconds;
  const env = describeEnvironment();
  env.sessionbench = `${env.sessionbench} · imported from ${meta.source} ${paths.map((path) => basename(path)).join(', ')} (k6 ran elsewhere; this is the importing machine)`;
  return {
    schemaVersion: SCHEMA_VERSION,
    startedAt: new Date(first - runSeconds * 1000).toISOString(),
    finishedAt: new Date(finished).toISOString(),
    partial: false,
    env,
    plan: {
      stores: [meta.store],
      scenarios: [meta.scenario],
      repeat: entries.length,
      warmupSeconds: meta.warmupSeconds ?? 0,
      durationSeconds: meta.durationSeconds,
      connections: 0,
      payloadBytes: [],
      driver: 'k6',
      ratePerSecond: meta.ratePerSecond,
    },
    entries,
  };
}
