import type { AtRateVerdict } from '../../contract/conditions.ts';
import type { OkEntry, RunResult } from '../../contract/result.ts';
import type { AnyStoreId } from '../../contract/vocabulary.ts';
import { scenarioKeyOf } from '../figures/aggregate.ts';
import { formatCount, formatRate, formatUs } from '../figures/format.ts';
import { noiseRule, resolvablyAhead } from './noise.ts';

/**
 * Latency at a stated rate (`--latency-at`) beside the saturated ranking: the recommendation ranks on
 * saturated (closed-model) throughput; this reads the open-model entries measured at one rate that every
 * store could sustain and says whether ordering by their p99 there gives the same order.
 */

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The at-rate entries of one scenario (the one named `preferScenario` when measured, else the first), by store. */
function atRateGroup(result: RunResult, preferScenario?: string): { scenario: string; entries: OkEntry[] } | undefined {
  const atRate = result.entries.filter((entry): entry is OkEntry => entry.status === 'ok' && entry.kind === 'load' && entry.atRate !== undefined && entry.load.model === 'open');
  if (atRate.length === 0) return undefined;
  const first = atRate.find((entry) => entry.scenario === preferScenario) ?? atRate[0]!;
  const key = scenarioKeyOf(first);
  return { scenario: first.scenario, entries: atRate.filter((entry) => scenarioKeyOf(entry) === key) };
}

/**
 * Each store's p50/p99 at the stated rate and whether `ranked` (the verdict's candidate order, by saturated
 * throughput) is also their order by p99 at that rate: a store ahead by throughput that has a p99 the run can
 * resolve as higher than a store behind it breaks the order. Undefined when the run measured no rate.
 */
export function latencyAtRate(result: RunResult, ranked: readonly AnyStoreId[], preferScenario?: string): AtRateVerdict | undefined {
  const group = atRateGroup(result, preferScenario);
  if (!group) return undefined;
  const byStore = new Map<AnyStoreId, OkEntry[]>();
  for (const entry of group.entries) byStore.set(entry.store, [...(byStore.get(entry.store) ?? []), entry]);
  const stores = [...byStore]
    .map(([store, entries]) => ({
      store,
      p50Us: median(entries.map((entry) => entry.measured.latencyUs.p50)),
      p99Us: median(entries.map((entry) => entry.measured.latencyUs.p99)),
      droppedIterations: entries.reduce((sum, entry) => sum + (entry.load.model === 'open' ? (entry.load.droppedIterations ?? 0) : 0), 0),
      p99s: entries.map((entry) => entry.measured.latencyUs.p99),
    }))
    .sort((a, b) => a.p99Us - b.p99Us);
  const rule = noiseRule('p99', stores.map((s) => ({ key: s.store, values: s.p99s })));
  const candidates = ranked.flatMap((id) => stores.find((s) => s.store === id) ?? []);
  // Without repetitions to judge noise by, any inversion counts.
  const inverted = (ahead: (typeof stores)[number], behind: (typeof stores)[number]) =>
    ahead.p99Us > behind.p99Us && (rule === undefined || resolvablyAhead(rule, ahead.store, behind.store));
  const sameOrder = candidates.every((ahead, i) => candidates.slice(i + 1).every((behind) => !inverted(ahead, behind)));
  return {
    rankedOn: 'saturated-throughput',
    scenario: group.scenario,
    ...(group.entries[0]!.storeRttMs === undefined ? {} : { storeRttMs: group.entries[0]!.storeRttMs }),
    rate: group.entries[0]!.atRate!,
    stores: stores.map(({ p99s: _, ...figures }) => figures),
    sameOrder,
  };
}

/** The sentence the headline ends with: which figure the ranking is on, and the p50/p99 at the stated rate. */
export function atRateSentence(verdict: AtRateVerdict, labelOf: (store: AnyStoreId) => string): string {
  const { rate } = verdict;
  const how = rate.basis === 'stated' ? 'a stated rate' : `${Math.round(rate.share * 100)}% of the slowest store's saturated throughput (${labelOf(rate.slowestStore)}, ${formatRate(Math.round(rate.slowestThroughput))})`;
  const figures = verdict.stores.map((s) => `${labelOf(s.store)} ${formatUs(s.p50Us)} / ${formatUs(s.p99Us)}${s.droppedIterations > 0 ? ` (did not sustain it: ${formatCount(s.droppedIterations)} iterations dropped)` : ''}`);
  return (
    `Ranked on saturated throughput (closed model). At ${formatRate(rate.ratePerSecond)} on ${verdict.scenario}${verdict.storeRttMs === undefined ? '' : ` with ${formatCount(verdict.storeRttMs)} ms to the store`}, ${how}, open model, p50 / p99: ${figures.join('; ')} — ` +
    (verdict.sameOrder ? 'by p99 at that rate the candidates come in the same order.' : 'by p99 at that rate the candidates come in a different order.')
  );
}
