import type { RunResult } from '../../contract/result.ts';
import type { ChartSection, LabelledRun } from '../sections/chart-spec.ts';
import { buildChartSections } from './charts.ts';
import type { Comparison } from '../verdict/compare.ts';
import { comparisonVerdict, comparisonWarnings } from '../verdict/compare.ts';
import { html, inlineScript, jsonForScript, SafeHtml } from './escape.ts';
import { formatBytes, formatCount, formatLoad } from '../figures/format.ts';
import { PAGE_SCRIPT } from './page-script.ts';
import { recommendStore } from '../verdict/recommend.ts';
import type { StoreScore } from '../verdict/recommend.ts';
import type { TextTable } from '../figures/text-table.ts';
import { comparisonTable, notMeasuredTable, resultsTable, scoreboardTable } from '../sections/tables.ts';
import { conditionWarnings, runConditions } from '../sections/conditions.ts';

/** What renderHtml needs besides the results. */
export interface HtmlOptions {
  /** chart.js UMD source to inline (see loadChartJs); the page makes no network request. */
  chartJs: string;
  /** A comparison of the latest run against a baseline, shown after the summary. */
  comparison?: Comparison;
}

const STYLE = new SafeHtml(`
:root { --ink: #0f172a; --muted: #475569; --line: #e2e8f0; --panel: #f8fafc; --accent: #0f766e; --bad: #b91c1c; --warn: #a16207; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Liberation Sans", sans-serif; color: var(--ink); background: #fff; }
header { background: var(--ink); color: #f8fafc; padding: 28px 40px 22px; }
header h1 { margin: 0 0 4px; font-size: 26px; font-weight: 650; letter-spacing: -0.01em; }
header p { margin: 0; color: #cbd5e1; }
main { max-width: 1280px; margin: 0 auto; padding: 8px 40px 48px; }
section { margin-top: 36px; }
h2 { font-size: 20px; margin: 0 0 6px; padding-bottom: 6px; border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 20px 0 8px; }
.intro, figcaption, .muted { color: var(--muted); }
.verdict { font-size: 18px; line-height: 1.45; background: #ecfdf5; border-left: 5px solid var(--accent); padding: 14px 18px; margin: 14px 0; }
.verdict.none { background: #fef2f2; border-color: var(--bad); }
.partial { background: #fef2f2; border-left: 5px solid var(--bad); padding: 10px 16px; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; margin: 8px 0 4px; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:hover { background: #f1f5f9; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 340px), 1fr)); gap: 14px; margin-top: 10px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; background: #fff; }
.card h4 { margin: 0 0 6px; font-size: 14px; }
.card ul { margin: 0; padding-left: 18px; font-size: 13.5px; }
.objection { color: var(--bad); }
.warning { color: var(--warn); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 480px), 1fr)); gap: 18px; margin-top: 12px; }
figure.wide { grid-column: 1 / -1; }
figure { margin: 0; min-width: 0; border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px 10px; }
figure h4 { margin: 0 0 8px; font-size: 14px; }
.plot { position: relative; height: 300px; }
.plot.tall { height: 380px; }
figcaption { font-size: 12.5px; margin-top: 6px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 8px 0; font-size: 13.5px; }
dt { color: var(--muted); }
dd { margin: 0; overflow-wrap: anywhere; }
code { font-size: 12.5px; }
p, figcaption, h2, h3, h4 { overflow-wrap: anywhere; }
table.decision th, table.decision td.num { white-space: normal; }
.card h5 { margin: 10px 0 4px; font-size: 12.5px; color: var(--muted); font-weight: 600; }
.card ul.notes { color: var(--muted); font-size: 12.5px; }
.omitted { font-size: 13px; }
@media (max-width: 640px) {
  header { padding: 18px 16px 14px; }
  header h1 { font-size: 21px; }
  main { padding: 4px 14px 32px; }
  .plot { height: 260px; }
  /* The decision table as one block per store, each cell with its column title. */
  table.decision thead { display: none; }
  table.decision tr { display: block; border-bottom: 2px solid var(--line); padding: 6px 0; }
  table.decision td { display: flex; justify-content: space-between; gap: 14px; border: 0; padding: 3px 4px; text-align: right; }
  table.decision td::before { content: attr(data-label); font-weight: 600; text-align: left; flex: 0 0 42%; }
  table.decision td:first-child { font-weight: 650; }
}
`);

function tableHtml(table: TextTable, empty: string, tableClass: string | false = false): SafeHtml {
  if (table.rows.length === 0) return html`<p class="muted">${empty}</p>`;
  const cls = (numeric: boolean) => (numeric ? 'num' : false);
  return html`<div class="scroll"><table class="${tableClass}">
<thead><tr>${table.columns.map((column) => html`<th class="${cls(column.numeric)}">${column.title}</th>`)}</tr></thead>
<tbody>${table.rows.map((row) => html`<tr>${row.map((cell, i) => html`<td class="${cls(table.columns[i]?.numeric ?? false)}" data-label="${table.columns[i]?.title ?? ''}">${cell}</td>`)}</tr>`)}</tbody>
</table></div>${(table.notes ?? []).map((note) => html`<p class="muted">${note}</p>`)}`;
}

function list(items: readonly string[], cls: string): SafeHtml {
  return html`${items.map((item) => html`<li class="${cls}">${item}</li>`)}`;
}

/**
 * One store: what rules it out and what to know (warnings), then the runs' own notes apart,
 * each once, labelled with the scenario and variant they came from.
 */
function storeCard(score: StoreScore): SafeHtml {
  const remarks = score.objections.length + score.warnings.length > 0;
  return html`<div class="card"><h4>${score.storeLabel}</h4>
${remarks && html`<ul>${list(score.objections.map((objection) => objection.text), 'objection')}${list(score.warnings, 'warning')}</ul>`}
${score.notes.length > 0 && html`<h5>How it was measured, and what the runs noted</h5><ul class="notes">${score.notes.map((note) => html`<li><strong>${note.scenarios.join(', ')}</strong>: ${note.text}</li>`)}</ul>`}
</div>`;
}

/** A number and its " %" kept on one line (a narrow screen otherwise wraps between them). */
const unbrokenPercents = (text: string): string => text.replace(/(\d) %/g, '$1\u00a0%');

function summarySection(latest: LabelledRun, runCount: number): SafeHtml {
  const recommendation = recommendStore(latest.result);
  const remarks = recommendation.scores.filter((score) => score.objections.length + score.warnings.length + score.notes.length > 0);
  return html`<section id="summary">
<h2>Which store should we use?</h2>
${runCount > 1 && html`<p class="muted">Based on the latest run, ${latest.label}; the charts show all ${runCount} runs.</p>`}
${latest.result.partial && html`<p class="partial">This run was interrupted: it holds only what was measured before it stopped.</p>`}
${conditionWarnings(latest.result).map((warning) => html`<p class="partial">${warning}</p>`)}
${runConditions(latest.result).map((line) => html`<p class="muted">${line}</p>`)}
<p class="verdict${recommendation.choice ? '' : ' none'}">${unbrokenPercents(recommendation.headline)}</p>
${tableHtml(scoreboardTable(recommendation), 'No stores in this run.', 'decision')}
${remarks.length > 0 && html`<h3>What to know about each store</h3>
<div class="cards">${remarks.map(storeCard)}</div>`}
${recommendation.caveats.length > 0 && html`<h3>Caveats</h3><ul>${list(recommendation.caveats, '')}</ul>`}
</section>`;
}

function comparisonSection(comparison: Comparison): SafeHtml {
  const verdict = comparisonVerdict(comparison);
  const warnings = comparisonWarnings(comparison);
  return html`<section id="comparison">
<h2>Against the baseline</h2>
<p class="intro">Baseline ${comparison.baseline.startedAt}${comparison.baseline.gitSha ? ` (${comparison.baseline.gitSha.slice(0, 10)})` : ''} → current ${comparison.current.startedAt}${comparison.current.gitSha ? ` (${comparison.current.gitSha.slice(0, 10)})` : ''}. Medians over repetitions; a change counts when it is at least the metric's minimum effect and a one-sided Mann–Whitney test on the repetitions (and, for latency, on per-request latencies from the histograms) supports it.</p>
<p class="verdict${comparison.regressions > 0 ? ' none' : ''}">${verdict}</p>
${warnings.length > 0 ? html`<ul class="caveats">${warnings.map((warning) => html`<li>${warning}</li>`)}</ul>` : ''}
${tableHtml(comparisonTable(comparison, false), 'Nothing to compare: no store × scenario was measured in both runs.')}
</section>`;
}

function chartSectionHtml(section: ChartSection): SafeHtml {
  return html`<section id="${section.id}">
<h2>${section.title}</h2>
<p class="intro">${section.intro}</p>
<div class="charts">${section.charts.map(
    (chart) => html`<figure class="${chart.wide && 'wide'}"><h4>${chart.title}</h4><div class="plot${chart.datasets.length > 6 ? ' tall' : ''}"><canvas id="chart-${chart.id}" role="img" aria-label="${chart.title}"></canvas></div><figcaption>${chart.caption}</figcaption></figure>`,
  )}</div>
${(section.omitted ?? []).map((omitted) => html`<p class="muted omitted">Not drawn: <strong>${omitted.title}</strong> — ${omitted.reason}.</p>`)}
${(section.tables ?? []).map(({ title, table }) => html`${title && html`<h3>${title}</h3>`}${tableHtml(table, '')}`)}
</section>`;
}

function resultsSection(runs: readonly LabelledRun[]): SafeHtml {
  return html`<section id="results">
<h2>All results</h2>
<p class="intro">Medians over repetitions, with the min–max range when there were several. Errors are connection errors (refused, reset); timeouts and responses outside 2xx are counted apart, each request once. Race and ttl send scripted bursts whose speed means little: what they found is under Correctness.</p>
${runs.map(
  (run) => html`${runs.length > 1 && html`<h3>Run ${run.label}</h3>`}
${tableHtml(resultsTable(run.result), 'Nothing was measured in this run.')}
<h3>Not measured</h3>
${tableHtml(notMeasuredTable(run.result), 'Every planned store × scenario was measured.')}`,
)}
</section>`;
}

/** The load generator's own RSS across entries: a diagnostic, since it must not grow with run length. */
function harnessRss(result: RunResult): string | undefined {
  const samples = result.entries.flatMap((entry) => (entry.status === 'ok' && entry.memory?.harnessRss ? [entry.memory.harnessRss] : []));
  if (samples.length === 0) return undefined;
  const growth = Math.max(...samples.map((sample) => sample.after - sample.before));
  const low = Math.min(...samples.map((sample) => sample.before));
  const high = Math.max(...samples.map((sample) => sample.after));
  return `${formatBytes(low)} → ${formatBytes(high)} over ${samples.length} measured entries; largest growth within one entry ${formatBytes(growth)} (the harness process generates the load; it should not grow with run length)`;
}

function environmentHtml(result: RunResult): SafeHtml {
  const rss = harnessRss(result);
  const { env, plan } = result;
  const servers = [...new Map(result.entries.flatMap((entry) => (entry.server ? [[entry.server.label, entry.server] as const] : []))).values()];
  const load = result.entries[0] ? formatLoad(result.entries[0].load) : plan.driver;
  return html`<dl>
<dt>Started / finished</dt><dd>${result.startedAt} → ${result.finishedAt}</dd>
<dt>Node.js</dt><dd>${env.node}</dd>
<dt>OS</dt><dd>${env.os.platform} ${env.os.release} (${env.os.arch})</dd>
<dt>CPU</dt><dd>${env.cpu.model} × ${env.cpu.count}</dd>
<dt>Memory</dt><dd>${formatBytes(env.totalMemoryBytes)}</dd>
${env.cpuPlacement && html`<dt>CPU placement</dt><dd>${env.cpuPlacement.mode === 'split' ? `app under test on CPU ${env.cpuPlacement.appCpus.join(', ')}; load generator and servers on CPU ${env.cpuPlacement.harnessCpus.join(', ')} (--cpu-placement split)` : `every process on every CPU: ${env.cpuPlacement.reason}`}</dd>`}
${env.machineLoad && html`<dt>Machine load</dt><dd>load average ${env.machineLoad.loadAverageStart.join(' / ')} (1 / 5 / 15 min) at the start, ${env.machineLoad.loadAverageEnd.join(' / ')} at the end${env.machineLoad.stealPercent === undefined ? '' : `; steal ${env.machineLoad.stealPercent}% of CPU time`}</dd>`}
<dt>sessionbench</dt><dd>${env.sessionbench}${env.gitSha ? html` at <code>${env.gitSha}</code>` : ''}</dd>
<dt>Plan</dt><dd>${plan.stores.join(', ')} × ${plan.scenarios.join(', ')}; ${formatCount(plan.repeat)} repetition(s)${plan.repeatAuto ? ` (--repeat auto, for ${formatCount(plan.stores.length)} store${plan.stores.length === 1 ? '' : 's'})` : ''}; warm-up ${plan.warmupCapSeconds ? `${plan.warmupSeconds}–${plan.warmupCapSeconds} s, until throughput settles` : `${plan.warmupSeconds} s`}, measured ${plan.durationSeconds} s; ${load}; payload ${plan.payloadBytes.map(formatBytes).join(", ")}${plan.probeOperations ? `; each store probed alone with ${formatCount(plan.probeOperations)} calls per operation` : ''}</dd>
<dt>Servers</dt><dd>${servers.length === 0 ? 'none' : servers.map((server, i) => html`${i > 0 ? '; ' : ''}${server.label} — ${server.source}, <code>${server.url}</code>`)}</dd>
${rss && html`<dt>Harness RSS</dt><dd>${rss}</dd>`}
<dt>Packages</dt><dd>${Object.entries(env.packages).map(([name, version], i) => html`${i > 0 ? ', ' : ''}<code>${name}@${version}</code>`)}</dd>
</dl>`;
}

function environmentSection(runs: readonly LabelledRun[]): SafeHtml {
  return html`<section id="environment">
<h2>Environment</h2>
${runs.map((run) => html`${runs.length > 1 && html`<h3>Run ${run.label}</h3>`}${environmentHtml(run.result)}`)}
</section>`;
}

/** Tells runs apart by start time (and commit), oldest first. */
function labelRuns(results: readonly RunResult[]): LabelledRun[] {
  return [...results]
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt))
    .map((result) => ({ result, label: `${result.startedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}${result.env.gitSha ? ` @${result.env.gitSha.slice(0, 7)}` : ''}` }));
}

/**
 * One self-contained HTML report for one or more runs: summary and recommendation
 * first, then charts (closed and open load models apart), tables, environment, and
 * the RunResults embedded as JSON. Every input text is escaped; nothing is fetched.
 */
export function renderHtml(results: readonly RunResult[], options: HtmlOptions): string {
  const runs = labelRuns(results);
  const latest = runs[runs.length - 1];
  const sections = buildChartSections(runs);
  const charts = sections.flatMap((section) => section.charts);
  const subtitle = runs.length === 1 ? `Run ${runs[0]!.label}` : `${runs.length} runs: ${runs.map((run) => run.label).join(' · ')}`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>sessionbench report</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>sessionbench: Express session stores compared</h1><p>${subtitle}</p></header>
<main>
${latest ? summarySection(latest, runs.length) : html`<p class="verdict none">No results.</p>`}
${options.comparison && comparisonSection(options.comparison)}
${sections.map(chartSectionHtml)}
${resultsSection(runs)}
${environmentSection(runs)}
</main>
<script type="application/json" id="sessionbench-results">${jsonForScript(results)}</script>
<script type="application/json" id="sessionbench-charts">${jsonForScript(charts)}</script>
<script>${inlineScript(options.chartJs)}</script>
<script>${inlineScript(PAGE_SCRIPT)}</script>
</body>
</html>
`.value;
}
