import type { RunResult } from '../../contract/result.ts';
import type { Comparison } from '../verdict/compare.ts';
import { comparisonVerdict, comparisonWarnings } from '../verdict/compare.ts';
import { escapeMarkdown } from './escape.ts';
import { recommendStore } from '../verdict/recommend.ts';
import type { TextTable } from '../figures/text-table.ts';
import { comparisonTable, notMeasuredTable, resultsTable, scoreboardTable } from '../sections/tables.ts';
import { REPORT_SECTIONS } from '../sections/index.ts';
import { conditionWarnings, runConditions } from '../sections/conditions.ts';

function markdownTable(table: TextTable): string {
  const row = (cells: readonly string[]) => `| ${cells.map(escapeMarkdown).join(' | ')} |`;
  const rule = `|${table.columns.map((column) => (column.numeric ? ' ---: ' : ' --- ')).join('|')}|`;
  const notes = (table.notes ?? []).map((note) => `\n${escapeMarkdown(note)}`);
  return [row(table.columns.map((column) => column.title)), rule, ...table.rows.map(row), ...notes].join('\n');
}

function comparisonMarkdown(comparison: Comparison): string {
  const verdict = escapeMarkdown(comparisonVerdict(comparison));
  const changed = comparisonTable(comparison, true);
  const warnings = comparisonWarnings(comparison);
  const summary = `Baseline ${escapeMarkdown(comparison.baseline.startedAt)} → current ${escapeMarkdown(comparison.current.startedAt)}. ${comparison.regressions > 0 ? `**${verdict}**` : verdict}`;
  return [
    '### Against the baseline',
    // A GitHub alert block, so a regression stands out in the job summary.
    comparison.regressions > 0 ? `> [!CAUTION]\n> ${summary}` : summary,
    ...(warnings.length > 0 ? [warnings.map((warning) => `- ${escapeMarkdown(warning)}`).join('\n')] : []),
    ...(changed.rows.length > 0 ? [markdownTable(changed)] : []),
  ].join('\n\n');
}

/**
 * A Markdown summary of one run for a CI job summary: the comparison against a
 * baseline first when given (regressions first, highlighted), then the
 * recommendation and its evidence, results and what was not measured.
 */
export function renderMarkdown(result: RunResult, comparison?: Comparison): string {
  const recommendation = recommendStore(result);
  const { env } = result;
  const notMeasured = notMeasuredTable(result);
  const measured = resultsTable(result);
  const warnings = conditionWarnings(result);
  return [
    '## sessionbench results',
    escapeMarkdown(`Started ${result.startedAt}${env.gitSha ? ` at ${env.gitSha.slice(0, 7)}` : ''} · Node ${env.node} · ${env.cpu.model} × ${env.cpu.count} · ${env.os.platform} ${env.os.release}`),
    ...(result.partial ? ['> **Partial run:** interrupted; it holds only what was measured before it stopped.'] : []),
    ...warnings.map((warning) => `> **Warning:** ${escapeMarkdown(warning)}`),
    ...runConditions(result).map((line) => `> **Conditions:** ${escapeMarkdown(line)}`),
    ...(comparison ? [comparisonMarkdown(comparison)] : []),
    `**${escapeMarkdown(recommendation.headline)}**`,
    markdownTable(scoreboardTable(recommendation)),
    ...(recommendation.caveats.length > 0 ? [recommendation.caveats.map((caveat) => `- ${escapeMarkdown(caveat)}`).join('\n')] : []),
    '### Results',
    measured.rows.length > 0 ? markdownTable(measured) : 'Nothing was measured.',
    ...REPORT_SECTIONS.flatMap((section) => {
      const table = section.table?.(result);
      return table && table.rows.length > 0 ? [`### ${section.title}`, markdownTable(table)] : [];
    }),
    ...(notMeasured.rows.length > 0 ? ['### Not measured', markdownTable(notMeasured)] : []),
  ].join('\n\n') + '\n';
}
