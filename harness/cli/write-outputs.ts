import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from './output-dir.ts';
import type { RunResult } from '../../contract/result.ts';
import { loadChartJs } from '../../reports/render/assets.ts';
import { renderCiJson } from '../../reports/render/ci-json.ts';
import type { Comparison } from '../../reports/verdict/compare.ts';
import { renderHtml } from '../../reports/render/html.ts';
import { renderMarkdown } from '../../reports/render/markdown.ts';

/** Files one run writes into its directory. */
export interface RunOutputs extends CiOutputs {
  results: string;
  html: string;
  markdown: string;
}

/** The two github-action-benchmark inputs of one run. */
export interface CiOutputs {
  ciBiggerIsBetter: string;
  ciSmallerIsBetter: string;
}

/** Writes ci-bigger-is-better.json and ci-smaller-is-better.json (never empty arrays) into `dir`, atomically. */
export async function writeCiJson(result: RunResult, dir: string): Promise<CiOutputs> {
  const outputs = { ciBiggerIsBetter: path.join(dir, 'ci-bigger-is-better.json'), ciSmallerIsBetter: path.join(dir, 'ci-smaller-is-better.json') };
  const ci = renderCiJson(result);
  await writeFileAtomic(outputs.ciBiggerIsBetter, `${JSON.stringify(ci.biggerIsBetter, null, 2)}\n`);
  await writeFileAtomic(outputs.ciSmallerIsBetter, `${JSON.stringify(ci.smallerIsBetter, null, 2)}\n`);
  return outputs;
}

/**
 * Writes results.json, report.html, summary.md and the github-action-benchmark
 * inputs, each atomically; appends the Markdown to GITHUB_STEP_SUMMARY when CI
 * provides one. `result` must already be redacted.
 */
export async function writeRunOutputs(result: RunResult, dir: string, comparison?: Comparison): Promise<RunOutputs> {
  const files = { results: path.join(dir, 'results.json'), html: path.join(dir, 'report.html'), markdown: path.join(dir, 'summary.md') };
  const markdown = renderMarkdown(result, comparison);
  await writeFileAtomic(files.results, `${JSON.stringify(result, null, 2)}\n`);
  await writeFileAtomic(files.html, renderHtml([result], { chartJs: await loadChartJs(), comparison }));
  await writeFileAtomic(files.markdown, markdown);
  const outputs: RunOutputs = { ...files, ...(await writeCiJson(result, dir)) };
  if (process.env.GITHUB_STEP_SUMMARY) await appendFile(process.env.GITHUB_STEP_SUMMARY, `${markdown}\n`);
  return outputs;
}
