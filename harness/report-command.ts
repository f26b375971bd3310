import { mkdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from './output.ts';
import type { RunResult } from './result.ts';
import { loadChartJs } from '../reports/assets.ts';
import { renderHtml } from '../reports/html.ts';
import { parseRunResult, ReportInputError } from '../reports/input.ts';
import { renderMarkdown } from '../reports/markdown.ts';

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

/**
 * `npm run report -- <files>`: validates every results file, then writes
 * `report.html` (all runs) and `summary.md` (one section per run) next to the first
 * file or into `outDir`. Runs nothing; nothing is written when any input is bad.
 */
export async function runReportCommand(args: { files: string[]; outDir?: string; k6Summaries?: string[] }): Promise<{ htmlPath: string; markdownPath: string }> {
  if (args.files.length === 0) throw new ReportInputError('report needs at least one results file');
  if (args.k6Summaries && args.k6Summaries.length > 0) throw new ReportInputError('importing k6 summary files is not supported yet');
  const results = await Promise.all(args.files.map((file) => loadRunResultFile(file)));
  const outDir = args.outDir ?? dirname(args.files[0]!);
  await mkdir(outDir, { recursive: true });
  const htmlPath = join(outDir, 'report.html');
  const markdownPath = join(outDir, 'summary.md');
  await writeFileAtomic(htmlPath, renderHtml(results, { chartJs: await loadChartJs() }));
  await writeFileAtomic(markdownPath, results.map((result) => renderMarkdown(result)).join('\n---\n\n'));
  return { htmlPath, markdownPath };
}
