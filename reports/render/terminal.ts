import type { RunResult, NoiseRule } from '../../contract/result.ts';
import type { TextTable } from '../figures/text-table.ts';
import type { Comparison } from '../verdict/compare.ts';
import { comparisonVerdict, comparisonWarnings } from '../verdict/compare.ts';
import { comparisonTable, correctnessTable, notMeasuredTable, resultsTable } from '../sections/tables.ts';
import { REPORT_SECTIONS } from '../sections/index.ts';
import { objectionBrief, recommendStore } from '../verdict/recommend.ts';
import type { Recommendation } from '../verdict/recommend.ts';
import { formatBytes, formatRate, formatUs } from '../figures/format.ts';
import { conditionWarnings, runConditions } from '../sections/conditions.ts';

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

/** Columns between cells. */
const GAP = 2;

/** The words of a line for wrapping: a percent sign stays with its number ("48 %"). */
function wrapWords(text: string): string[] {
  return text
    .split(' ')
    .filter(Boolean)
    .reduce<string[]>((words, word) => (word.startsWith('%') && words.length > 0 ? [...words.slice(0, -1), `${words.at(-1)} ${word}`] : [...words, word]), []);
}

/** Greedy word wrap to `width`; a word longer than the width is cut. Never returns an empty list. */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of wrapWords(text)) {
    let rest = word;
    while (rest.length > width) {
      if (line) lines.push(line);
      line = '';
      lines.push(rest.slice(0, width));
      rest = rest.slice(width);
    }
    if (!rest) continue;
    if (!line) line = rest;
    else if (line.length + 1 + rest.length <= width) line += ` ${rest}`;
    else {
      lines.push(line);
      line = rest;
    }
  }
  return [...lines, line];
}

/** Every line of a paragraph wrapped to `width`. */
function wrapParagraph(text: string, width: number, indent = ''): string {
  return text
    .split('\n')
    .flatMap((line) => wrapText(line, width - indent.length).map((part, i) => (i === 0 ? part : indent + part)))
    .join('\n');
}

function inert(raw: TextTable): TextTable {
  return {
    ...raw,
    columns: raw.columns.map((column) => ({ ...column, title: terminalLine(column.title) })),
    rows: raw.rows.map((row) => row.map(terminalLine)),
    notes: raw.notes?.map(terminalText),
  };
}

const longestWord = (text: string) => Math.max(1, ...wrapWords(text).map((word) => word.length));

/** Column widths that fit `width` when each cell may wrap at its spaces, or undefined when even one word per line does not fit. */
function wrappedWidths(table: TextTable, width: number): number[] | undefined {
  const natural = table.columns.map((column, i) => Math.max(column.title.length, ...table.rows.map((row) => row[i]?.length ?? 0)));
  const least = table.columns.map((column, i) => Math.max(longestWord(column.title), ...table.rows.map((row) => longestWord(row[i] ?? ''))));
  const room = width - GAP * (table.columns.length - 1);
  if (least.reduce((sum, one) => sum + one, 0) > room) return undefined;
  // Titles wrap first: a column need not be wider than its cells for its title.
  const content = table.columns.map((column, i) => Math.max(longestWord(column.title), ...table.rows.map((row) => row[i]?.length ?? 0)));
  const widths = content.reduce((sum, one) => sum + one, 0) <= room ? natural.map((one, i) => Math.min(one, content[i]! + (room - content.reduce((a, b) => a + b, 0)))) : [...content];
  let total = widths.reduce((sum, one) => sum + one, 0);
  while (total > room) {
    // Narrow the widest column that can still give up a character.
    let widest = -1;
    widths.forEach((one, i) => {
      if (one > least[i]! && (widest < 0 || one > widths[widest]!)) widest = i;
    });
    widths[widest]! -= 1;
    total -= 1;
  }
  return widths;
}

function gridLines(table: TextTable, widths: readonly number[]): string[] {
  const row = (cells: readonly string[]) => {
    const wrapped = table.columns.map((_, i) => wrapText(cells[i] ?? '', widths[i]!));
    const height = Math.max(...wrapped.map((lines) => lines.length));
    return Array.from({ length: height }, (_, k) =>
      table.columns
        .map((column, i) => (column.numeric ? (wrapped[i]![k] ?? '').padStart(widths[i]!) : (wrapped[i]![k] ?? '').padEnd(widths[i]!)))
        .join(' '.repeat(GAP))
        .trimEnd(),
    );
  };
  return [...row(table.columns.map((column) => column.title)), widths.map((one) => '─'.repeat(one)).join(' '.repeat(GAP)), ...table.rows.flatMap(row)];
}

/**
 * Too narrow for a grid: one block per row, its leading text columns (store, scenario) on the
 * first line, then "Title: value" pairs, indented and wrapped.
 */
function blockLines(table: TextTable, width: number): string[] {
  const keys = Math.max(1, Math.min(2, table.columns.findIndex((column) => column.numeric) < 0 ? 2 : table.columns.findIndex((column) => column.numeric)));
  return table.rows.flatMap((cells) => {
    const pairs = table.columns.slice(keys).flatMap((column, i) => (cells[keys + i] ? [`${column.title}: ${cells[keys + i]}`] : []));
    const lines = wrapText(cells.slice(0, keys).join(' · '), width);
    let line = '';
    for (const pair of pairs) {
      if (line && line.length + 3 + pair.length <= width - 2) line += ` · ${pair}`;
      else {
        if (line) lines.push(`  ${line}`);
        const parts = wrapText(pair, width - 2);
        lines.push(...parts.slice(0, -1).map((part) => `  ${part}`));
        line = parts[parts.length - 1]!;
      }
    }
    if (line) lines.push(`  ${line}`);
    return lines;
  });
}

/** A table as text no wider than `width`: one line per row when it fits, else cells wrapped at spaces, else one block per row. */
function layout(raw: TextTable, width: number): string {
  const table = inert(raw);
  const widths = table.columns.map((column, i) => Math.max(column.title.length, ...table.rows.map((row) => row[i]?.length ?? 0)));
  const fitted = widths.reduce((sum, one) => sum + one, 0) + GAP * (widths.length - 1) <= width ? widths : wrappedWidths(table, width);
  const lines = fitted ? gridLines(table, fitted) : blockLines(table, width);
  return [...lines, ...(table.notes ?? []).map((note) => wrapParagraph(note, width, '  '))].join('\n');
}

/** The rows of `table` split by the value of one column, which each part leaves out; footnotes go with the last part. */
function splitByColumn(table: TextTable, title: string): [string, TextTable][] {
  const index = table.columns.findIndex((column) => column.title === title);
  const parts = new Map<string, string[][]>();
  for (const row of table.rows) parts.set(row[index]!, [...(parts.get(row[index]!) ?? []), row.filter((_, i) => i !== index)]);
  const columns = table.columns.filter((_, i) => i !== index);
  return [...parts].map(([value, rows], i) => [value, { columns, rows, ...(i === parts.size - 1 && table.notes ? { notes: table.notes } : {}) }]);
}

/** Objection codes as a few words for the terminal's one line of stores not advised. */

/** "8 %": the smallest throughput difference the run resolved. */
function resolvable(rule: NoiseRule | undefined): string {
  return rule ? `differences above ${Math.max(1, Math.round(rule.smallestResolvable * 100))} % resolvable` : 'noise unknown';
}

/**
 * The verdict in at most six lines: what to do, the leading candidates with their figures, and the
 * stores not advised with why (the HTML and Markdown give the whole headline and the evidence).
 */
export function terminalVerdict(recommendation: Recommendation, width: number): string {
  const { choice, decision, scores } = recommendation;
  const label = (id: string) => scores.find((score) => score.store === id)?.storeLabel ?? id;
  let first: string;
  if (!choice) first = recommendation.headline;
  else if (decision.decidedBy === 'tie') first = `${joinLabels(decision.tiedOnThroughput.map(label))} are tied on throughput and p99 (${resolvable(decision.throughputRule)}): choose on other grounds.`;
  else if (decision.decidedBy === 'p99') first = `Use ${choice.storeLabel}: tied on throughput with ${joinLabels(decision.tiedOnThroughput.filter((id) => id !== choice.store).map(label))} (${resolvable(decision.throughputRule)}), lower p99.`;
  else if (decision.decidedBy === 'too-few-repetitions') first = `No verdict on speed from one repetition per store (run with --repeat 3); fastest here: ${choice.storeLabel}.`;
  else if (decision.decidedBy === 'one-candidate') first = `Use ${choice.storeLabel}: the only store measured that has no objection.`;
  else first = `Use ${choice.storeLabel}: the fastest candidate (${resolvable(decision.throughputRule)}).`;
  const rankedOn = recommendation.atRate ? ` Ranked on saturated throughput; the order by p99 at ${formatRate(recommendation.atRate.rate.ratePerSecond)}${recommendation.atRate.storeRttMs === undefined ? '' : ` (${recommendation.atRate.storeRttMs} ms to the store)`} is ${recommendation.atRate.sameOrder ? 'the same' : 'different'}.` : '';
  const sweep = recommendation.rttSweep;
  const sweepText = sweep
    ? ` Ranked at ${sweep.rankedAtMs} ms to the store; ${sweep.at
        .map((at) => `at ${at.rttMs} ms ${at.sameOrder ? 'the order holds within noise' : `the ranking flips (${at.flipped.map((pair) => `${label(pair.ahead)} ahead of ${label(pair.behind)}${pair.tiedAtFirst ? `, tied at ${sweep.rankedAtMs} ms` : ''}`).join('; ')})`}${at.notMeasured ? ` (not measured there: ${at.notMeasured.map(label).join(', ')})` : ''}`)
        .join(', ')}.`
    : '';
  const lines = [wrapParagraph(terminalText(`Verdict: ${first}${rankedOn}${sweepText}`), width, '  ')];
  const candidates = scores.filter((score) => score.objections.length === 0 && score.headlineThroughput).slice(0, 3);
  for (const score of candidates) {
    const atRate = recommendation.atRate?.stores.find((one) => one.store === score.store);
    const atRateText = atRate ? ` · at ${formatRate(recommendation.atRate!.rate.ratePerSecond)} p50 ${formatUs(atRate.p50Us)}, p99 ${formatUs(atRate.p99Us)}` : '';
    const sweepFigures = (sweep?.at ?? []).flatMap((at) => at.stores.filter((one) => one.store === score.store).map((one) => ` · at ${at.rttMs} ms ${formatRate(one.throughput)}`)).join('');
    const figures = `${formatRate(score.headlineThroughput!.value)} · p99 ${formatUs(score.headlineThroughput!.p99Us)}${atRateText}${sweepFigures}${score.bytesPerSession === undefined ? '' : ` · ${formatBytes(score.bytesPerSession)}/session`}`;
    lines.push(indented(`${score.storeLabel}: ${figures}`, width));
  }
  const advisedAgainst = scores.filter((score) => score.objections.length > 0 && !score.objections.some((one) => one.code === 'baseline'));
  if (advisedAgainst.length > 0) {
    const why = advisedAgainst.map((score) => `${score.storeLabel} — ${[...new Set(score.objections.map(objectionBrief))].join(', ')}`);
    lines.push(indented(`Not advised: ${why.join('; ')}`, width));
  }
  // At most six lines: a long list of stores not advised is cut, the report has them all.
  const all = lines.join('\n').split('\n');
  return all.length <= 6 ? all.join('\n') : [...all.slice(0, 5), '  … (all stores and why: the report)'].join('\n');
}

/** A line of the verdict, two spaces in, its continuation four. */
function indented(text: string, width: number): string {
  return wrapParagraph(terminalText(text), width - 2, '  ')
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

function joinLabels(labels: readonly string[]): string {
  return labels.length <= 1 ? labels.join('') : `${labels.slice(0, -1).join(', ')} and ${labels[labels.length - 1]}`;
}

/** How wide terminal output may be. */
export interface TerminalOptions {
  /** Characters per line (the terminal's COLUMNS); no limit when absent. */
  width?: number;
}

/** The narrowest width laid out as asked; below it, lines may be longer. */
const MIN_WIDTH = 40;

/**
 * Plain-text results for the terminal, no line wider than `options.width`: one row per
 * store × scenario × load model measured under load (medians over repetitions), what the
 * race and ttl scenarios found, the outage runs with the rule they were read by, then what
 * was not measured, each reason once.
 */
export function renderTerminalTable(result: RunResult, options: TerminalOptions = {}): string {
  const width = Math.max(MIN_WIDTH, options.width ?? Infinity);
  const measured = resultsTable(result);
  const correctness = correctnessTable(result);
  const notMeasured = notMeasuredTable(result);
  const parts = [wrapParagraph(terminalLine(`sessionbench · started ${result.startedAt}${result.env.gitSha ? ` · ${result.env.gitSha.slice(0, 7)}` : ''}${result.partial ? ' · PARTIAL (interrupted)' : ''}`), width)];
  if (measured.rows.length > 0 || correctness.rows.length > 0) parts.push(terminalVerdict(recommendStore(result), width));
  if (measured.rows.length === 0) parts.push(correctness.rows.length > 0 ? 'Nothing was measured under load.' : 'Nothing was measured.');
  for (const [model, table] of splitByColumn(measured, 'Model')) parts.push(`Under load, ${model} model\n${layout(table, width)}`);
  for (const section of REPORT_SECTIONS.filter((one) => one.terminal)) {
    const table = section.table?.(result);
    if (table && table.rows.length > 0) parts.push(`${section.title}\n${layout(table, width)}`);
  }
  if (notMeasured.rows.length > 0) parts.push(`Not measured:\n${layout(notMeasured, width)}`);
  const conditions = runConditions(result);
  if (conditions.length > 0) parts.push(conditions.map((line) => wrapParagraph(terminalText(`conditions: ${line}`), width, '  ')).join('\n'));
  const warnings = conditionWarnings(result);
  if (warnings.length > 0) parts.push(warnings.map((warning) => wrapParagraph(terminalText(`warning: ${warning}`), width, '  ')).join('\n'));
  return parts.join('\n\n');
}

/** The baseline verdicts for the terminal: every metric, regressions named, and a one-line verdict. */
export function renderTerminalComparison(comparison: Comparison, options: TerminalOptions = {}): string {
  const width = Math.max(MIN_WIDTH, options.width ?? Infinity);
  const warnings = comparisonWarnings(comparison).map((warning) => `\n${wrapParagraph(`warning: ${terminalLine(warning)}`, width, '  ')}`).join('');
  return `${wrapParagraph(`Against baseline ${terminalLine(comparison.baseline.startedAt)}: ${comparisonVerdict(comparison)}`, width)}${warnings}\n\n${layout(comparisonTable(comparison, false), width)}`;
}
