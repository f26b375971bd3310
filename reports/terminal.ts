import type { RunResult } from './result.ts';
import type { TextTable } from './text-table.ts';
import type { Comparison } from './compare.ts';
import { comparisonTable, notMeasuredTable, resultsTable } from './tables.ts';
import { conditionWarnings } from './conditions.ts';

function layout(table: TextTable): string {
  const widths = table.columns.map((column, i) => Math.max(column.title.length, ...table.rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    table.columns
      .map((column, i) => (column.numeric ? (cells[i] ?? '').padStart(widths[i]!) : (cells[i] ?? '').padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(table.columns.map((column) => column.title)), widths.map((width) => '─'.repeat(width)).join('  '), ...table.rows.map(line), ...(table.notes ?? [])].join('\n');
}

/**
 * Plain-text results for the terminal: one row per measured store × scenario ×
 * load model (medians over repetitions), then every failed or skipped entry with its reason.
 */
export function renderTerminalTable(result: RunResult): string {
  const measured = resultsTable(result);
  const notMeasured = notMeasuredTable(result);
  const parts = [`sessionbench · started ${result.startedAt}${result.env.gitSha ? ` · ${result.env.gitSha.slice(0, 7)}` : ''}${result.partial ? ' · PARTIAL (interrupted)' : ''}`];
  parts.push(measured.rows.length > 0 ? layout(measured) : 'Nothing was measured.');
  if (notMeasured.rows.length > 0) parts.push(`Not measured:\n${layout(notMeasured)}`);
  const warnings = conditionWarnings(result);
  if (warnings.length > 0) parts.push(warnings.map((warning) => `warning: ${warning}`).join('\n'));
  return parts.join('\n\n');
}

/** The baseline verdicts for the terminal: every metric, regressions named, and a one-line verdict. */
export function renderTerminalComparison(comparison: Comparison): string {
  const quiet = comparison.metrics.filter((metric) => metric.verdict === 'within-noise').length;
  const verdict =
    comparison.regressions > 0
      ? `${comparison.regressions} regression${comparison.regressions === 1 ? '' : 's'} beyond ${comparison.failOnPercent}% and outside noise`
      : `no regression beyond ${comparison.failOnPercent}% outside noise (${quiet} of ${comparison.metrics.length} metrics within noise)`;
  return `Against baseline ${comparison.baseline.startedAt}: ${verdict}\n\n${layout(comparisonTable(comparison, false))}`;
}
