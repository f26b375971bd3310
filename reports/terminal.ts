import type { RunResult } from './result.ts';
import type { TextTable } from './text-table.ts';
import type { Comparison } from './compare.ts';
import { comparisonVerdict, comparisonWarnings } from './compare.ts';
import { comparisonTable, notMeasuredTable, resultsTable } from './tables.ts';
import { outageTable } from './outage.ts';
import { conditionWarnings } from './conditions.ts';

/**
 * Characters that act on a terminal instead of showing: C0 controls but tab and newline (ESC, BEL,
 * CR, backspace…), DEL, C1 controls (CSI…) and the bidirectional overrides that reorder a line.
 */
const TERMINAL_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const LINE_BREAKS = /\r\n|[\n\u2028\u2029]/g;

function visible(char: string): string {
  return char === '\r' ? '\\r' : char === '\n' || char === '\u2028' || char === '\u2029' || char === '\r\n' ? '\\n' : `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * Text from anywhere (a flag, a server's reply, a results file) made inert for a terminal:
 * every control character is shown as an escape (`\u001b`), so nothing can move the cursor,
 * recolour, ring or rewrite what was printed. Newlines and tabs stay.
 */
export function terminalText(text: string): string {
  return text.replace(TERMINAL_CONTROLS, visible);
}

/** `terminalText` on one line: line breaks are shown as `\n` too. */
export function terminalLine(text: string): string {
  return terminalText(text.replace(LINE_BREAKS, visible));
}

function layout(raw: TextTable): string {
  const table: TextTable = {
    ...raw,
    columns: raw.columns.map((column) => ({ ...column, title: terminalLine(column.title) })),
    rows: raw.rows.map((row) => row.map(terminalLine)),
    notes: raw.notes?.map(terminalText),
  };
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
 * load model (medians over repetitions), the outage runs with the rule they were
 * read by, then every failed or skipped entry with its reason.
 */
export function renderTerminalTable(result: RunResult): string {
  const measured = resultsTable(result);
  const notMeasured = notMeasuredTable(result);
  const parts = [terminalLine(`sessionbench · started ${result.startedAt}${result.env.gitSha ? ` · ${result.env.gitSha.slice(0, 7)}` : ''}${result.partial ? ' · PARTIAL (interrupted)' : ''}`)];
  parts.push(measured.rows.length > 0 ? layout(measured) : 'Nothing was measured.');
  const outage = outageTable(result);
  if (outage.rows.length > 0) parts.push(`Outage: what happens when the store goes down\n${layout(outage)}`);
  if (notMeasured.rows.length > 0) parts.push(`Not measured:\n${layout(notMeasured)}`);
  const warnings = conditionWarnings(result);
  if (warnings.length > 0) parts.push(warnings.map((warning) => `warning: ${warning}`).join('\n'));
  return parts.join('\n\n');
}

/** The baseline verdicts for the terminal: every metric, regressions named, and a one-line verdict. */
export function renderTerminalComparison(comparison: Comparison): string {
  const warnings = comparisonWarnings(comparison).map((warning) => `\nwarning: ${terminalLine(warning)}`).join('');
  return `Against baseline ${terminalLine(comparison.baseline.startedAt)}: ${comparisonVerdict(comparison)}${warnings}\n\n${layout(comparisonTable(comparison, false))}`;
}
