import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from './output-dir.ts';
import type { RunResult } from '../../reports/result.ts';
import { loadChartJs } from '../../reports/assets.ts';
import { renderCiJson } from '../../reports/ci-json.ts';
import type { Comparison } from '../../reports/compare.ts';
import { renderHtml } from '../../reports/html.ts';
import { renderMarkdown } from '../../reports/markdown.ts';

/** Files one run writes into its directory. */
export interface RunOutputs {
  results: string;
  html: string;
  markdown: string;
  ciBiggerIsBetter: string;
  ciSmallerIsBetter: string;
}

/**
 * Writes results.json, report.html, summary.md and the github-action-benchmark
 * inputs, each atomically; appends the Markdown to GITHUB_STEP_SUMMARY when CI
 * provides one. `result` must already be redacted.
 */
export async function writeRunOutputs(result: RunResult, dir: string, comparison?: Comparison): Promise<RunOutputs> {
  const outputs: RunOutputs = {
    results: path.join(dir, 'results.json'),
    html: path.join(dir, 'report.html'),
    markdown: path.join(dir, 'summary.md'),
    ciBiggerIsBetter: path.join(dir, 'ci-bigger-is-better.json'),
    ciSmallerIsBetter: path.join(dir, 'ci-smaller-is-better.json'),
  };
  const markdown = renderMarkdown(result, comparison);
  const ci = renderCiJson(result);
  await writeFileAtomic(outputs.results, `${JSON.stringify(result, null, 2)}\n`);
  await writeFileAtomic(outputs.html, renderHtml([result], { chartJs: await loadChartJs(), comparison }));
  await writeFileAtomic(outputs.markdown, markdown);
  await writeFileAtomic(outputs.ciBiggerIsBetter, `${JSON.stringify(ci.biggerIsBetter, null, 2)}\n`);
  await writeFileAtomic(outputs.ciSmallerIsBetter, `${JSON.stringify(ci.smallerIsBetter, null, 2)}\n`);
  if (process.env.GITHUB_STEP_SUMMARY) await appendFile(process.env.GITHUB_STEP_SUMMARY, `${markdown}\n`);
  return outputs;
}
