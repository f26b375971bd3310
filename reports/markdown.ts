import type { RunResult } from './result.ts';
import type { Comparison } from './compare.ts';
import { comparisonVerdict, comparisonWarnings } from './compare.ts';
import { escapeMarkdown } from './escape.ts';
import { instancesTable } from './instances.ts';
import { outageTable } from './outage.ts';
import { scaleTable } from './scale.ts';
import { expiryTable } from './expiry.ts';
import { recommendStore } from './recommend.ts';
import { remediesTable } from './remedies.ts';
import type { TextTable } from './text-table.ts';
import { comparisonTable, correctnessTable, notMeasuredTable, resultsTable, scoreboardTable } from './tables.ts';
import { conditionWarnings } from './conditions.ts';
import { storeOpsTable, storeWritesTable } from './store-ops.ts';

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
  const correctness = correctnessTable(result);
  const remedies = remediesTable(result);
  const instances = instancesTable(result);
  const outage = outageTable(result);
  const scale = scaleTable(result);
  const expiry = expiryTable(result);
  const storeOps = storeOpsTable(result);
  const storeWrites = storeWritesTable(result);
  const warnings = conditionWarnings(result);
  return [
    '## sessionbench results',
    escapeMarkdown(`Started ${result.startedAt}${env.gitSha ? ` at ${env.gitSha.slice(0, 7)}` : ''} · Node ${env.node} · ${env.cpu.model} × ${env.cpu.count} · ${env.os.platform} ${env.os.release}`),
    ...(result.partial ? ['> **Partial run:** interrupted; it holds only what was measured before it stopped.'] : []),
    ...warnings.map((warning) => `> **Warning:** ${escapeMarkdown(warning)}`),
    ...(comparison ? [comparisonMarkdown(comparison)] : []),
    `**${escapeMarkdown(recommendation.headline)}**`,
    markdownTable(scoreboardTable(recommendation)),
    ...(recommendation.caveats.length > 0 ? [recommendation.caveats.map((caveat) => `- ${escapeMarkdown(caveat)}`).join('\n')] : []),
    '### Results',
    measured.rows.length > 0 ? markdownTable(measured) : 'Nothing was measured.',
    ...(correctness.rows.length > 0 ? ['### Correctness: race and ttl', markdownTable(correctness)] : []),
    ...(remedies.rows.length > 0 ? ['### Remedies against lost updates and resurrected logouts', markdownTable(remedies)] : []),
    ...(storeOps.rows.length > 0 ? ['### Store operations: alone vs under load', markdownTable(storeOps)] : []),
    ...(storeWrites.rows.length > 0 ? ['### Store writes per request', markdownTable(storeWrites)] : []),
    ...(instances.rows.length > 0 ? ['### Several app instances', markdownTable(instances)] : []),
    ...(scale.rows.length > 0 ? ['### Cost as stored sessions grow', markdownTable(scale)] : []),
    ...(expiry.rows.length > 0 ? ['### Expiry at scale', markdownTable(expiry)] : []),
    ...(outage.rows.length > 0 ? ['### Outage: what happens when the store goes down', markdownTable(outage)] : []),
    ...(notMeasured.rows.length > 0 ? ['### Not measured', markdownTable(notMeasured)] : []),
  ].join('\n\n') + '\n';
}
