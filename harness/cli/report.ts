import { mkdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { importK6Files } from '../k6/k6-import.ts';
import type { RawK6ImportFlags } from '../k6/k6-import.ts';
import { checkOutputPath, writeFileAtomic } from './output-dir.ts';
import { writeCiJson } from './write-outputs.ts';
import type { CiOutputs } from './write-outputs.ts';
import type { RunResult } from '../../contract/result.ts';
import { loadChartJs } from '../../reports/render/assets.ts';
import { renderHtml } from '../../reports/render/html.ts';
import { parseRunResult, ReportInputError } from '../../contract/read.ts';
import { renderMarkdown } from '../../reports/render/markdown.ts';

/**
 * Reads and validates a results file. `label` names it in errors (default: its file
 * name), e.g. "baseline main.json". Missing, unreadable, corrupt or incompatible
 * files throw ReportInputError with a one-line message.
 */
export async function loadRunResultFile(path: string, label = basename(path)): Promise<RunResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ReportInputError(`${label} cannot be read (${code === 'ENOENT' ? `no such file: ${resolve(path)}` : (error as Error).message})`);
  }
  return parseRunResult(text, label);
}

/** A run's directory (`results/<timestamp>/`) stands for the results.json inside it. */
async function resultsFileOf(path: string): Promise<string> {
  const isDirectory = await stat(path).then((found) => found.isDirectory(), () => false);
  return isDirectory ? join(path, 'results.json') : path;
}

/**
 * `npm run report -- <files>` (a run's directory stands for its results.json): validates every results file, then writes
 * `report.html` (all runs), `summary.md` (one section per run) and the CI JSON
 * (`ci-bigger-is-better.json`, `ci-smaller-is-better.json`, of the latest run) next to the first
 * file or into `outDir`. k6 summaries (`--k6-summary`, with the `--k6-*` flags that
 * say what ran) become one more run in the open-model section. Runs nothing;
 * nothing is written when any input is bad.
 */
export async function runReportCommand(args: {
  files: string[];
  outDir?: string;
  k6Summaries?: string[];
  k6?: RawK6ImportFlags;
}): Promise<{ htmlPath: string; markdownPath: string } & CiOutputs> {
  const summaries = args.k6Summaries ?? [];
  args = { ...args, files: await Promise.all(args.files.map(resultsFileOf)) };
  if (args.files.length === 0 && summaries.length === 0) throw new ReportInputError('report needs at least one results file or --k6-summary');
  const outDir = args.outDir ?? dirname(args.files[0] ?? summaries[0]!);
  await checkOutputPath('--out', outDir, 'directory');
  const results = await Promise.all(args.files.map((file) => loadRunResultFile(file)));
  if (summaries.length > 0) results.push(await importK6Files(summaries, args.k6 ?? {}));
  await mkdir(outDir, { recursive: true });
  const htmlPath = join(outDir, 'report.html');
  const markdownPath = join(outDir, 'summary.md');
  await writeFileAtomic(htmlPath, renderHtml(results, { chartJs: await loadChartJs() }));
  await writeFileAtomic(markdownPath, results.map((result) => renderMarkdown(result)).join('\n---\n\n'));
  const latest = results.reduce((last, result) => (result.startedAt > last.startedAt ? result : last));
  return { htmlPath, markdownPath, ...(await writeCiJson(latest, outDir)) };
}
