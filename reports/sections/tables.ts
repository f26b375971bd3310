import type { NoiseRule, OkEntry, RunResult } from '../../contract/result.ts';
import type { TextTable } from '../figures/text-table.ts';
import { groupEntries, groupSpread, scenarioLabeller } from '../figures/aggregate.ts';
import type { ChangeTest, Comparison } from '../verdict/compare.ts';
import { formatMissRate } from './instances.ts';
import { CORRECTNESS_OBSERVATIONS, correctnessCount, formatCorrectness } from '../figures/metrics.ts';
import { formatOutageBrief } from '../../scenarios/outage/section.ts';
import type { Recommendation } from '../verdict/recommend.ts';
import { formatBytes, formatCount, formatCpu, formatPercent, formatRate, formatServer, formatSpread, formatUnit, formatUs } from '../figures/format.ts';


function columns(...specs: [string, boolean][]): TextTable['columns'] {
  return specs.map(([title, numeric]) => ({ title, numeric }));
}

/** The flag next to results whose load generator ran out of CPU. */
export const GENERATOR_SATURATED = "load generator saturated: throughput is the generator's limit, not the store's";

/** Failed requests, each counted once: connection errors (refused, reset), timeouts, responses outside 2xx; summed over repetitions. */
export const ERRORS_COLUMN = 'Errors / timeouts / non-2xx';

/**
 * One row per store × scenario × load model that was measured under load: medians (and ranges)
 * over repetitions. Race and ttl send scripted bursts, whose throughput means little: their
 * results are in correctnessTable.
 */
export function resultsTable(result: RunResult): TextTable {
  const rows = groupEntries(result.entries)
    .filter((group) => group.ok.length > 0 && group.load.model !== 'scripted')
    .map((group) => {
      const throughput = groupSpread(group, (entry) => entry.measured.throughput)!;
      const p50 = groupSpread(group, (entry) => entry.measured.latencyUs.p50)!;
      const p99 = groupSpread(group, (entry) => entry.measured.latencyUs.p99)!;
      const sum = (pick: (entry: (typeof group.ok)[number]) => number) => group.ok.reduce((total, entry) => total + pick(entry), 0);
      const measured = group.notMeasured.length === 0 ? 'ok' : `ok ×${group.ok.length}, not measured ×${group.notMeasured.length}`;
      const status = group.ok.some((entry) => entry.cpu?.generatorSaturated) ? `${measured}, generator saturated *` : measured;
      const cpu = (process: 'app' | 'generator' | 'server') => groupSpread(group, (entry) => entry.cpu?.[process])?.median;
      return [
        group.storeLabel,
        group.scenario,
        group.load.model,
        status,
        String(group.ok.length),
        formatSpread(throughput, formatRate),
        formatSpread(p50, formatUs),
        formatSpread(p99, formatUs),
        [sum((entry) => entry.measured.errors), sum((entry) => entry.measured.timeouts), sum((entry) => entry.measured.non2xx)].map(formatCount).join(' / '),
        formatCpu({ app: cpu('app'), generator: cpu('generator'), server: cpu('server') }),
        formatServer(group.store, group.server),
      ];
    });
  return {
    columns: columns(['Store', false], ['Scenario', false], ['Model', false], ['Status', false], ['Runs', true], ['Throughput', true], ['p50', true], ['p99', true], [ERRORS_COLUMN, true], ['CPU % of a core: app · generator · server', false], ['Server', false]),
    rows,
    ...(rows.some((row) => row[3]!.endsWith('*')) ? { notes: [`* ${GENERATOR_SATURATED}.`] } : {}),
  };
}

/**
 * What the race and ttl scenarios found, one row per store × scenario: each problem with what it
 * is counted out of ("44 of 200 increments"), totalled over repetitions.
 */
export function correctnessTable(result: RunResult): TextTable {
  const rows = groupEntries(result.entries)
    // A restart has its own section (scenarios/restart/section.ts).
    .filter((group) => group.ok.length > 0 && group.load.model === 'scripted' && !group.ok.some((entry) => entry.kind === 'restart'))
    .map((group) => {
      const findings = CORRECTNESS_OBSERVATIONS.filter((observation) => correctnessCount(group.ok, observation) !== undefined).map(
        (observation) => `${observation.short} ${formatCorrectness(group.ok, observation)}`,
      );
      const status = group.notMeasured.length === 0 ? 'ok' : `ok ×${group.ok.length}, not measured ×${group.notMeasured.length}`;
      return [group.storeLabel, group.scenario, status, String(group.ok.length), findings.length > 0 ? findings.join(' · ') : 'nothing to observe'];
    });
  return { columns: columns(['Store', false], ['Scenario', false], ['Status', false], ['Runs', true], ['Found (zero is the only good answer)', false]), rows };
}

/** Each correctness problem (rows) for each store (columns): "285 of 340 increments", "not run" or "does not apply", never a bare 0. */
export function correctnessByProblemTable(result: RunResult): TextTable {
  const stores = groupEntries(result.entries)
    .filter((group) => group.ok.length > 0)
    .reduce((byStore, group) => byStore.set(group.storeLabel, [...(byStore.get(group.storeLabel) ?? []), ...group.ok]), new Map<string, OkEntry[]>());
  const racing = [...stores].filter(([, ok]) => ok.some((entry) => entry.kind === 'race' || entry.kind === 'ttl'));
  if (racing.length === 0) return { columns: [], rows: [] };
  return {
    columns: columns(['Problem', false], ...racing.map(([label]): [string, boolean] => [label, true])),
    rows: CORRECTNESS_OBSERVATIONS.map((observation) => [observation.label, ...racing.map(([, ok]) => formatCorrectness(ok, observation))]),
  };
}

/**
 * Every failed or skipped entry, never presented as numbers: one row per store, status and
 * reason, with the scenarios it concerns, so each reason is said once.
 */
export function notMeasuredTable(result: RunResult): TextTable {
  const scenarioLabel = scenarioLabeller(result.entries);
  const groups = new Map<string, { store: string; status: string; reason: string; scenarios: Map<string, number> }>();
  for (const entry of result.entries) {
    if (entry.status === 'ok') continue;
    const key = JSON.stringify([entry.store, entry.status, entry.reason]);
    const group = groups.get(key) ?? { store: entry.storeLabel, status: entry.status, reason: entry.reason, scenarios: new Map() };
    groups.set(key, group);
    const label = scenarioLabel(entry);
    group.scenarios.set(label, (group.scenarios.get(label) ?? 0) + 1);
  }
  const rows = [...groups.values()].map((group) => [
    group.store,
    [...group.scenarios].map(([label, runs]) => (runs > 1 ? `${label} ×${runs}` : label)).join(', '),
    group.status,
    group.reason,
  ]);
  return { columns: columns(['Store', false], ['Scenarios', false], ['Status', false], ['Reason', false]), rows };
}

function formatPValue(test: ChangeTest | undefined): string {
  if (!test) return '—';
  return test.pValue < 0.001 ? '<0.001' : test.pValue.toFixed(3);
}

/** Metric-by-metric verdicts against the baseline; `onlyChanged` keeps the rows outside noise. */
export function comparisonTable(comparison: Comparison, onlyChanged: boolean): TextTable {
  const rows = comparison.metrics
    .filter((metric) => !onlyChanged || metric.verdict !== 'within-noise')
    .map((metric) => {
      const format = formatUnit(metric.unit);
      const verdict = metric.regression ? 'REGRESSION' : metric.verdict;
      const unknown = metric.verdict === 'unknown' ? ` (fewer than ${comparison.minRepetitions} repetitions a side)` : '';
      return { regression: metric.regression, cells: [metric.storeLabel, metric.scenario, metric.model, metric.metric, formatSpread(metric.baseline, format), formatSpread(metric.current, format), formatPercent(metric.changePercent), formatPValue(metric.repetitionTest), formatPValue(metric.requestTest), `${verdict}${unknown}`] };
    });
  const unmatched = comparison.unmatched.map((group) => ({ regression: group.regression, cells: [group.storeLabel, group.scenario, group.model, '—', '', '', '', '', '', `${group.regression ? 'REGRESSION: ' : ''}${group.reason}`] }));
  const all = [...rows, ...unmatched];
  return {
    columns: columns(['Store', false], ['Scenario', false], ['Model', false], ['Metric', false], ['Baseline', true], ['Current', true], ['Change', true], ['p (runs)', true], ['p (requests)', true], ['Verdict', false]),
    // Regressions first: they are what a reader of a failed check looks for.
    rows: [...all.filter((row) => row.regression), ...all.filter((row) => !row.regression)].map((row) => row.cells),
  };
}

/** The correctness counts found, e.g. "44 lost updates, 2 resurrected"; "none found" or "not measured". */
function correctness(score: Recommendation['scores'][number]): string {
  const counts: [number | undefined, string][] = [
    [score.lostUpdates, 'lost updates'],
    [score.resurrected, 'resurrected after logout'],
    [score.staleSessions, 'outlived their TTL'],
  ];
  if (counts.every(([value]) => value === undefined)) return NOT_MEASURED;
  const found = counts.filter(([value]) => value).map(([value, label]) => `${formatCount(value!)} ${label}`);
  return found.length === 0 ? 'none found' : found.join(', ');
}

const NOT_MEASURED = 'not measured';

/** Title of the scoreboard's p99 column: load scenarios only (see isLoadEntry in recommend.ts). */
export const WORST_P99_COLUMN = 'Worst p99 (closed-model load; no outage, race or ttl)';

/** Sessions kept across a restart per persistence setting, e.g. "lost 100 of 100 (none: no AOF, no RDB snapshots); kept 100 of 100 (AOF, appendfsync everysec)". */
function formatRestartBrief(restart: NonNullable<Recommendation['scores'][number]['restart']>): string {
  return restart.byPersistence.map((one) => `${one.lost === 0 ? 'kept' : 'lost'} ${formatCount(one.lost === 0 ? one.outOf : one.lost)} of ${formatCount(one.outOf)} (${one.persistence})`).join('; ');
}

/** The flag (or scenario) that measures each optional column of the decision table. */
const HOW_TO_MEASURE: Record<string, string> = {
  'Throughput (closed model) · % of fastest': 'a load scenario, e.g. --scenario read-heavy',
  [WORST_P99_COLUMN]: 'a load scenario, e.g. --scenario read-heavy',
  'Memory / session': '--memory-sessions 1000 with a load scenario (or --scenario churn, --prefill N)',
  'Correctness problems': '--scenario race-resave,ttl (the default run has the race)',
  'Several instances': '--instances 3',
  'When the store goes down': '--scenario outage',
  'After a server restart': '--scenario restart',
};

/**
 * The evidence behind the recommendation: one row per store, best candidate first. A column no
 * store was measured for is left out, and a note names what would measure it.
 */
export function scoreboardTable(recommendation: Recommendation): TextTable {
  const tied = new Set(recommendation.decision.tiedOnThroughput);
  const rows = recommendation.scores.map((score) => {
    const verdict =
      score === recommendation.choice
        ? recommendation.decision.decidedBy === 'tie' ? 'tied (shown first)' : 'recommended'
        : score.objections.length > 0 ? 'not advised' : tied.has(score.store) ? 'tied on throughput' : 'candidate';
    const throughput = score.headlineThroughput
      ? `${formatRate(score.headlineThroughput.value)} (${score.headlineThroughput.scenario})${score.relativeThroughput === undefined ? '' : ` · ${Math.round(score.relativeThroughput * 100)}%`}`
      : NOT_MEASURED;
    return [
      score.storeLabel,
      formatServer(score.store, score.server),
      verdict,
      throughput,
      score.worstP99Us === undefined ? NOT_MEASURED : formatUs(score.worstP99Us),
      score.bytesPerSession === undefined ? NOT_MEASURED : formatBytes(score.bytesPerSession),
      correctness(score),
      score.sessionMisses ? `${formatMissRate(score.sessionMisses.rate)} missed · ${score.sessionMisses.instances} apps` : NOT_MEASURED,
      score.outage ? formatOutageBrief(score.outage) : NOT_MEASURED,
      score.restart ? formatRestartBrief(score.restart) : NOT_MEASURED,
    ];
  });
  const all = columns(['Store', false], ['Server', false], ['Verdict', false], ['Throughput (closed model) · % of fastest', true], [WORST_P99_COLUMN, true], ['Memory / session', true], ['Correctness problems', false], ['Several instances', true], ['When the store goes down', false], ['After a server restart', false]);
  const unmeasured = all.map((column, index) => HOW_TO_MEASURE[column.title] !== undefined && rows.length > 0 && rows.every((row) => row[index] === NOT_MEASURED));
  const rule = recommendation.decision.throughputRule;
  return {
    columns: all.filter((_, index) => !unmeasured[index]),
    rows: rows.map((row) => row.filter((_, index) => !unmeasured[index])),
    notes: [
      ...(recommendation.scores.some((score) => score.objections.some((one) => one.code === 'baseline') && score.relativeThroughput === 1)
        ? ['% of fastest: of the no-session baseline, the fastest here: the same app keeping no session at all, so the rest is what sessions cost.']
        : []),
      ...(rule ? [`Throughput differences above ${Math.max(1, Math.round(rule.smallestResolvable * 100))} % were resolvable in this run (${Math.round(rule.confidence * 100)} % confidence, ${rule.design === 'rounds' ? `spread of ${formatCount(rule.repetitions)} repetitions once each round's shared offset is taken out` : `pooled spread of ${formatCount(rule.repetitions)} repetitions`}); smaller ones are ties.`] : []),
      ...(rule?.outliers ? [outliersNote(rule, recommendation)] : []),
      ...all.filter((_, index) => unmeasured[index]).map((column) => `Not measured in this run: ${column.title.toLowerCase()} — ${HOW_TO_MEASURE[column.title]}.`),
    ],
  };
}

/** The repetitions the noise rule left out, named, so a reader can see what a slow spell of the machine took away. */
function outliersNote(rule: NoiseRule, recommendation: Recommendation): string {
  const labelOf = (store: string) => recommendation.scores.find((score) => score.store === store)?.storeLabel ?? store;
  const listed = (rule.outliers ?? []).map(
    (outlier) => `${labelOf(outlier.store)}${outlier.round === undefined ? '' : ` repetition ${outlier.round}`}, ${formatRate(outlier.value)} (${Math.round(Math.abs(outlier.offExpected) * 100)} % ${outlier.offExpected < 0 ? 'below' : 'above'})`,
  );
  const test = rule.outlierTest ? ` (over ${Math.round(rule.outlierTest.minOff * 100)} % off what the other repetitions predict for it, and beyond their noise: studentized residual, Bonferroni at ${rule.outlierTest.alpha}; most often a slow spell of the machine)` : '';
  return `Left out of that comparison as an outlier${test}: ${listed.join('; ')}.`;
}
