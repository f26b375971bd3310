import { UsageError } from '../errors.ts';
import { generateK6Script, runnerTest } from '../k6/k6-script.ts';
import { equalSegments } from '../k6/k6-segments.ts';
import { testRunManifest } from '../k6/k6-testrun.ts';
import type { K6ScriptSpec } from '../k6/k6-script.ts';
import type { CliIo } from './io.ts';
import { checkOutputPath, writeFileAtomic } from './output-dir.ts';
import { parseCount, parseDuration, parseUsers, usersAt } from '../plan/plan.ts';
import { SCENARIOS } from '../../scenarios/index.ts';

/** Raw `export k6` flags as the CLI hands them over. */
export interface RawExportK6Options {
  scenario?: string;
  target?: string;
  rate?: string;
  duration: string;
  warmup: string;
  out?: string;
  /** Runners sharing the rate (k6 operator parallelism, or k6 processes with --execution-segment). */
  parallelism?: string;
  /** Users the load spreads over (each iteration picks one), and how. */
  users?: string;
  distribution?: string;
  /** New users logging in per second, as a k6 scenario of their own beside each phase. */
  loginRate?: string;
}

function parseTarget(value: string | undefined): string {
  let url: URL | undefined;
  try {
    url = value ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new UsageError(`--target: give the app's base URL, e.g. http://127.0.0.1:3000 (from sessionbench serve)`);
  }
  // The parsed, serialised form: no raw text (a newline, a quote) of the flag reaches the script.
  return url.href.replace(/\/+$/, '');
}

/** Validates `export k6` flags into a script spec; UsageError names the first problem. */
export function parseExportK6Options(raw: RawExportK6Options): K6ScriptSpec {
  const found = raw.scenario ? SCENARIOS[raw.scenario] : undefined;
  const scenario = found?.kind === 'load' || found?.kind === 'race' ? found : undefined;
  const exportable = Object.values(SCENARIOS).filter((s) => s.kind === 'load' || s.kind === 'race').map((s) => s.id);
  if (!scenario) throw new UsageError(`--scenario: give one of ${exportable.join(', ')}`);
  if (raw.rate === undefined) throw new UsageError('--rate: give the target rate in requests per second, e.g. --rate 500');
  if (raw.users?.trim() === 'prefilled') throw new UsageError('--users: give a count; serve prefills nothing, so export k6 users log in when first picked');
  if (scenario.kind !== 'load' && raw.users !== undefined) throw new UsageError(`--users: applies to load scenarios; ${scenario.id} is a race on one session per VU`);
  const users = usersAt(parseUsers({ users: raw.users, distribution: raw.distribution ?? 'zipfian', prefill: undefined, loginRate: raw.loginRate }), 0);
  if (raw.parallelism !== undefined && !raw.out) throw new UsageError('--parallelism: give --out <script.js>; the TestRun manifest is written beside it');
  return {
    scenario,
    target: parseTarget(raw.target),
    ratePerSecond: parseCount('--rate', raw.rate, { min: 1, max: 1_000_000 }),
    warmupSeconds: parseDuration('--warmup', raw.warmup, { min: 0, max: 3600 }),
    durationSeconds: parseDuration('--duration', raw.duration, { min: 1, max: 24 * 3600 }),
    ...(users ? { users } : {}),
    ...(raw.parallelism === undefined ? {} : { runners: { parallelism: parseCount('--parallelism', raw.parallelism, { min: 1, max: 1000 }) } }),
  };
}

/** The manifest's path: beside the script, `read-heavy.js` → `read-heavy.testrun.yaml`. */
export function manifestPath(scriptPath: string): string {
  return `${scriptPath.replace(/\.[cm]?js$/, '')}.testrun.yaml`;
}

/** `sessionbench export k6`: writes the script to `--out`, or to stdout. */
export async function exportK6Command(raw: RawExportK6Options, io: Pick<CliIo, 'stdout' | 'stderr'>): Promise<void> {
  const spec = parseExportK6Options(raw);
  const script = generateK6Script(spec);
  if (spec.runners && raw.out) {
    const manifest = manifestPath(raw.out);
    await checkOutputPath('--out', raw.out, 'file');
    await checkOutputPath('--out', manifest, 'file');
    const test = runnerTest({ ...spec, runners: spec.runners });
    await writeFileAtomic(raw.out, script);
    await writeFileAtomic(manifest, testRunManifest({ test, scriptPath: raw.out, target: spec.target }));
    const { segments, sequence } = equalSegments(spec.runners.parallelism);
    io.stderr(
      [
        `k6 script: ${raw.out} (test ${test.id}); k6-operator TestRun: ${manifest}`,
        `without the operator, run the ${segments.length} runner${segments.length === 1 ? '' : 's'} at once (one per machine), with one SB_RUN_ID per run (results go to SB_RESULTS_DIR, an existing directory, default .):`,
        ...segments.map((segment) => `  SB_RUN_ID=run-1 k6 run --execution-segment "${segment}" --execution-segment-sequence "${sequence}" ${raw.out}`),
        'then merge their sessionbench-*.json files: sessionbench report --k6-summary sessionbench-*.json --k6-store <store>',
        '',
      ].join('\n'),
    );
    return;
  }
  if (raw.out) {
    await checkOutputPath('--out', raw.out, 'file');
    await writeFileAtomic(raw.out, script);
    io.stderr(`k6 script: ${raw.out} (run it with: k6 run --summary-export summary.json ${raw.out})\n`);
  } else {
    io.stdout(script);
  }
}
