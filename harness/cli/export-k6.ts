import { UsageError } from '../errors.ts';
import { generateK6Script } from '../load/k6-script.ts';
import type { K6ScriptSpec } from '../load/k6-script.ts';
import type { CliIo } from './io.ts';
import { checkOutputPath, writeFileAtomic } from './output-dir.ts';
import { parseCount, parseDuration } from '../plan/plan.ts';
import { SCENARIOS } from '../../scenarios/index.ts';

/** Raw `export k6` flags as the CLI hands them over. */
export interface RawExportK6Options {
  scenario?: string;
  target?: string;
  rate?: string;
  duration: string;
  warmup: string;
  out?: string;
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
  return {
    scenario,
    target: parseTarget(raw.target),
    ratePerSecond: parseCount('--rate', raw.rate, { min: 1, max: 1_000_000 }),
    warmupSeconds: parseDuration('--warmup', raw.warmup, { min: 0, max: 3600 }),
    durationSeconds: parseDuration('--duration', raw.duration, { min: 1, max: 24 * 3600 }),
  };
}

/** `sessionbench export k6`: writes the script to `--out`, or to stdout. */
export async function exportK6Command(raw: RawExportK6Options, io: Pick<CliIo, 'stdout' | 'stderr'>): Promise<void> {
  const script = generateK6Script(parseExportK6Options(raw));
  if (raw.out) {
    await checkOutputPath('--out', raw.out, 'file');
    await writeFileAtomic(raw.out, script);
    io.stderr(`k6 script: ${raw.out} (run it with: k6 run --summary-export summary.json ${raw.out})\n`);
  } else {
    io.stdout(script);
  }
}
