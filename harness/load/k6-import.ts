import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { describeEnvironment } from '../plan/environment.ts';
import { UsageError } from '../errors.ts';
import { k6SummaryToEntry } from './k6-summary.ts';
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

/** Validates the `--k6-*` flags into summary metadata; UsageError names the first missing or bad flag. */
export function parseK6ImportFlags(flags: RawK6ImportFlags): Omit<K6SummaryMeta, 'repetition'> {
  const store = flags.k6Store;
  if (!store || !(STORE_IDS as readonly string[]).includes(store)) throw new UsageError(`--k6-store: give the store the app served, one of ${STORE_IDS.join(', ')}`);
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
 * Wraps k6 summaries of one exported script (repetitions, in the order given) in a
 * RunResult under the open model. The environment is this machine's, marked as an
 * import: k6 ran elsewhere. Times come from the summary files' modification times.
 */
export async function importK6Summaries(paths: readonly string[], meta: Omit<K6SummaryMeta, 'repetition'>): Promise<RunResult> {
  const read = await Promise.all(paths.map(readSummary));
  const entries = read.map(({ summary }, i) => {
    try {
      return k6SummaryToEntry(summary, { ...meta, repetition: i + 1 });
    } catch (error) {
      throw new ReportInputError(`${basename(paths[i]!)}: ${(error as Error).message}`);
    }
  });
  const finished = Math.max(...read.map(({ finishedAt }) => finishedAt.getTime()));
  const first = Math.min(...read.map(({ finishedAt }) => finishedAt.getTime()));
  const runSeconds = (meta.warmupSeconds ?? 0) + meta.durationSeconds;
  const env = describeEnvironment();
  env.sessionbench = `${env.sessionbench} · imported from k6 summary ${paths.map((path) => basename(path)).join(', ')} (k6 ran elsewhere; this is the importing machine)`;
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
