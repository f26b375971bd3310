import type { OkEntry, RunResult } from '../../contract/result.ts';
import { groupEntries, groupSpread, observationsOf } from '../figures/aggregate.ts';
import type { EntryGroup } from '../figures/aggregate.ts';
import type { SectionCharts, LabelledRun } from './chart-spec.ts';
import { seriesOf, tablesPerRun } from './chart-spec.ts';
import { formatCount, formatRate, formatSpread } from '../figures/format.ts';
import type { TextTable } from '../figures/text-table.ts';

/**
 * Share of requests answered 401 for want of a session above which a store is said
 * to lose sessions across instances. The in-process store misses about (N−1)/N.
 */
export const SESSION_MISS_TOLERANCE = 0.01;

/** The session-miss rate of an entry served by several app instances; undefined otherwise. */
export function sessionMissRate(entry: OkEntry): number | undefined {
  return (entry.instances ?? 1) > 1 ? observationsOf(entry, 'load')?.sessionMissRate : undefined;
}

/** "66.7%" for 0.667. */
export function formatMissRate(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}

function multiInstance(group: EntryGroup): boolean {
  return group.ok.some((entry) => sessionMissRate(entry) !== undefined);
}

/** One row per store × scenario served by several instances: session-miss rate, misses, throughput. */
export function instancesTable(result: RunResult): TextTable {
  const rows = groupEntries(result.entries)
    .filter(multiInstance)
    .map((group) => {
      const rate = groupSpread(group, sessionMissRate)!;
      const misses = group.ok.reduce((sum, entry) => sum + (observationsOf(entry, 'load')?.sessionMisses ?? 0), 0);
      const verdict = rate.max > SESSION_MISS_TOLERANCE ? 'loses sessions across instances' : 'sessions shared';
      return [
        group.storeLabel,
        group.scenario,
        String(group.ok[0]!.instances),
        formatSpread(rate, formatMissRate),
        formatCount(misses),
        formatSpread(groupSpread(group, (entry) => entry.measured.throughput)!, formatRate),
        verdict,
      ];
    });
  const column = (title: string, numeric: boolean) => ({ title, numeric });
  return {
    columns: [column('Store', false), column('Scenario', false), column('Instances', true), column('Session misses', true), column('Requests answered 401', true), column('Throughput', true), column('Verdict', false)],
    rows,
  };
}

/**
 * "Several app instances": the share of requests that found no session when a
 * round-robin balancer spread them over N app instances, per store. Undefined when
 * no run used more than one instance.
 */
export function instancesCharts(runs: readonly LabelledRun[]): SectionCharts | undefined {
  const series = seriesOf(runs, multiInstance);
  if (series.length === 0) return undefined;
  const scenarios = [...new Set(series.flatMap((one) => one.groups.filter(multiInstance).map((group) => group.scenario)))];
  return {
    intro: 'The app ran as several instances behind a round-robin balancer, as in most production deployments. A request that reaches an instance which does not know its session is answered 401: a store that keeps sessions in the app process misses about (N−1)/N of them.',
    charts: [
      {
        id: 'session-miss-rate',
        title: 'Requests that found no session',
        caption: `Median over repetitions, in % of requests. Anything above ${formatMissRate(SESSION_MISS_TOLERANCE)} means users would be logged out at random.`,
        type: 'bar',
        x: { title: 'scenario', labels: scenarios },
        y: { title: 'requests without their session', unit: 'percent', max: 100 },
        datasets: series.map((one) => ({
          label: one.label,
          color: one.color,
          data: scenarios.map((scenario) => {
            const group = one.groups.find((candidate) => candidate.scenario === scenario);
            const rate = group && groupSpread(group, sessionMissRate);
            return rate ? rate.median * 100 : null;
          }),
        })),
      },
    ],
    tables: tablesPerRun(runs, instancesTable),
  };
}
