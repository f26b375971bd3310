import type { RttSweepVerdict } from '../../contract/conditions.ts';
import type { OkEntry, ResultEntry, RunResult } from '../../contract/result.ts';
import type { AnyStoreId } from '../../contract/vocabulary.ts';
import { scenarioKeyOf } from '../figures/aggregate.ts';
import { formatRate } from '../figures/format.ts';
import { spreadOf } from '../figures/spread.ts';
import { noiseRule, resolvablyAhead } from './noise.ts';

/**
 * A `--store-rtt 0,2ms` sweep beside the ranking: the verdict ranks at the sweep's first round trip;
 * this compares the stores' saturated throughput at each other one, by that round trip's own noise,
 * and names every pair whose order turned.
 */

const median = (values: readonly number[]): number => spreadOf(values)!.median;

/** The round trip the verdict ranks on: the first one the run recorded (the sweep's first); undefined without `--store-rtt`. */
export function rankedRtt(entries: readonly ResultEntry[]): number | undefined {
  return entries.find((entry) => entry.storeRttMs !== undefined)?.storeRttMs;
}

/** Whether an entry was measured at the round trip the verdict ranks on (every entry, without a sweep). */
export function rankedAt(entries: readonly ResultEntry[]): (entry: ResultEntry) => boolean {
  const rtt = rankedRtt(entries);
  return (entry) => (entry.storeRttMs ?? rtt) === rtt;
}

/** The measurement an entry belongs to, whatever its round trip. */
const keyWithoutRtt = (entry: ResultEntry) => scenarioKeyOf({ ...entry, storeRttMs: undefined });

/**
 * For each round trip after the first, every store measured on one saturated measurement (`headlineKey`, a
 * scenarioKeyOf at the first round trip, when given; else the run's first closed-model load), in the order of
 * their median throughput at the first round trip: their median there, and the pairs where a store behind at
 * the first round trip is ahead by more than that round trip's repetitions resolve (with one repetition each,
 * any inversion counts). Stores an objection rules out are compared too: a flip is about speed. Undefined without a sweep.
 */
export function rankingAcrossRtts(result: RunResult, headlineKey: string | undefined): RttSweepVerdict | undefined {
  const rankedAtMs = rankedRtt(result.entries);
  const isSaturated = (entry: ResultEntry): entry is OkEntry => entry.status === 'ok' && entry.load.model === 'closed' && entry.atRate === undefined && (entry.mitigation ?? 'none') === 'none';
  const reference = result.entries.find((entry) => (headlineKey === undefined ? isSaturated(entry) && entry.storeRttMs === rankedAtMs && entry.kind === 'load' : scenarioKeyOf(entry) === headlineKey));
  if (rankedAtMs === undefined || !reference) return undefined;
  const measurement = keyWithoutRtt(reference);
  // The no-session baseline is a yardstick, not a store to rank.
  const saturated = result.entries.filter((entry): entry is OkEntry => isSaturated(entry) && entry.store !== 'none' && keyWithoutRtt(entry) === measurement);
  const medianAt = (store: AnyStoreId, rttMs: number) => {
    const values = saturated.filter((entry) => entry.store === store && entry.storeRttMs === rttMs).map((entry) => entry.measured.throughput);
    return values.length === 0 ? undefined : median(values);
  };
  const ranked = [...new Set(saturated.map((entry) => entry.store))]
    .flatMap((store) => {
      const first = medianAt(store, rankedAtMs);
      return first === undefined ? [] : [{ store, first }];
    })
    .sort((a, b) => b.first - a.first)
    .map(({ store }) => store);
  if (ranked.length < 2) return undefined;
  const others = [...new Set(saturated.map((entry) => entry.storeRttMs))].filter((rtt): rtt is number => rtt !== undefined && rtt !== rankedAtMs);
  if (others.length === 0) return undefined;
  /** Each store's repetitions at one round trip, in the first round trip's order, and the noise they share. */
  const samplesAt = (rttMs: number) => {
    const samples = ranked.flatMap((store) => {
      const entries = saturated.filter((entry) => entry.storeRttMs === rttMs && entry.store === store);
      return entries.length === 0 ? [] : [{ key: store, store, values: entries.map((entry) => entry.measured.throughput), rounds: entries.map((entry) => entry.repetition) }];
    });
    return { samples, rule: noiseRule('throughput', samples) };
  };
  const first = samplesAt(rankedAtMs);
  const at = others.map((rttMs) => {
    const { samples, rule } = samplesAt(rttMs);
    const flipped = samples.flatMap((higher, i) =>
      samples
        .slice(i + 1)
        .filter((lower) => median(lower.values) > median(higher.values) && (rule === undefined || resolvablyAhead(rule, lower.store, higher.store)))
        .map((lower) => ({ ahead: lower.store, behind: higher.store, tiedAtFirst: first.rule !== undefined && !resolvablyAhead(first.rule, higher.store, lower.store) })),
    );
    const stores = samples.map((sample) => ({ store: sample.store, throughput: median(sample.values) })).sort((a, b) => b.throughput - a.throughput);
    const notMeasured = ranked.filter((store) => !samples.some((sample) => sample.store === store));
    return { rttMs, stores, sameOrder: flipped.length === 0, flipped, ...(notMeasured.length > 0 ? { notMeasured } : {}) };
  });
  return { rankedAtMs, scenario: reference.scenario, at };
}

/** The headline's sentence: the ranking's round trip, and at each other one the figures and whether the order holds. */
export function rttSweepSentence(sweep: RttSweepVerdict, labelOf: (store: AnyStoreId) => string): string {
  const parts = sweep.at.map((at) => {
    const figures = at.stores.map((s) => `${labelOf(s.store)} ${formatRate(s.throughput)}`).join(', ');
    const order = at.sameOrder
      ? 'the order holds (within the noise)'
      : `the ranking flips: ${at.flipped.map((pair) => `${labelOf(pair.ahead)} ahead of ${labelOf(pair.behind)}${pair.tiedAtFirst ? ` (tied at ${sweep.rankedAtMs} ms)` : ''}`).join('; ')}`;
    const missing = at.notMeasured ? ` Not measured at ${at.rttMs} ms: ${at.notMeasured.map(labelOf).join(', ')} (see the entries).` : '';
    return ` At ${at.rttMs} ms, saturated ${sweep.scenario}: ${figures} — ${order}.${missing}`;
  });
  return `Ranked at ${sweep.rankedAtMs} ms to the store server (--store-rtt).${parts.join('')}`;
}
