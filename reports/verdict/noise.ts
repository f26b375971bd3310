/**
 * Telling stores apart by the run's own noise. Each store's repetitions (fresh app processes,
 * interleaved across stores round by round) scatter around its true figure; the scatter they share —
 * the machine's — is estimated from the log figure: with the rounds taken out when the run was
 * round-robin over three or more stores (a round the machine ran slow in is not noise of each store),
 * else by pooling the stores' within-store variance.
 * Two stores whose difference is smaller than that noise can resolve at the stated confidence
 * are tied: the verdict then decides by its next criterion, never by noise.
 */
import type { NoiseRule } from '../../contract/result.ts';

/** One store's repetitions of the compared figure. */
export interface Sample {
  key: string;
  values: readonly number[];
  /** The round (repetition number) of each value, when the run interleaved its stores round by round. */
  rounds?: readonly number[];
}

/** Stores needed before rounds are taken out: with two, (2 − 1) × (rounds − 1) degrees of freedom are too few to gain. */
const MIN_STORES_FOR_ROUNDS = 3;

/** Two-sided 97.5 % quantile of Student's t for 1–30 degrees of freedom; beyond, the normal 1.96 is close enough. */
const T_975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** The confidence the verdict uses: 95 %, two-sided. */
export const VERDICT_CONFIDENCE = 0.95;

function tQuantile(degreesOfFreedom: number): number {
  return T_975[degreesOfFreedom - 1] ?? 1.96;
}

const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

/**
 * The noise rule of a set of samples, or undefined when no store has two repetitions (nothing
 * says how far one repetition is from the next: then nothing can be told apart).
 */
export function noiseRule(metric: NoiseRule['metric'], samples: readonly Sample[]): NoiseRule | undefined {
  const usable = samples.filter((sample) => sample.values.length >= 2 && sample.values.every((value) => value > 0));
  return roundsRule(metric, usable) ?? pooledRule(metric, usable);
}

/** Each store's log figure by round, when every usable store has the same two or more rounds once each and there are enough stores. */
function byRound(samples: readonly Sample[]): { rounds: number[]; logs: number[][] } | undefined {
  if (samples.length < MIN_STORES_FOR_ROUNDS || samples.some((sample) => sample.rounds === undefined || sample.rounds.length !== sample.values.length)) return undefined;
  const rounds = [...new Set(samples[0]!.rounds)].sort((a, b) => a - b);
  const same = (sample: Sample) => sample.rounds!.length === rounds.length && new Set(sample.rounds).size === rounds.length && sample.rounds!.every((round) => rounds.includes(round));
  if (rounds.length < 2 || !samples.every(same)) return undefined;
  return { rounds, logs: samples.map((sample) => rounds.map((round) => Math.log(sample.values[sample.rounds!.indexOf(round)]!))) };
}

/**
 * The rule of a round-robin run (see `design: rounds` in the contract): residuals of the additive model
 * log y[s][r] = store + round + noise, so a round the machine ran slow in does not count as noise of every store.
 */
function roundsRule(metric: NoiseRule['metric'], samples: readonly Sample[]): NoiseRule | undefined {
  const table = byRound(samples);
  if (!table) return undefined;
  const { rounds, logs } = table;
  const storeMeans = logs.map(mean);
  const roundMeans = rounds.map((_, r) => mean(logs.map((row) => row[r]!)));
  const grand = mean(storeMeans);
  const squares = logs.reduce((sum, row, s) => sum + row.reduce((inner, value, r) => inner + (value - storeMeans[s]! - roundMeans[r]! + grand) ** 2, 0), 0);
  const degreesOfFreedom = (logs.length - 1) * (rounds.length - 1);
  const pooledLogSd = Math.sqrt(squares / degreesOfFreedom);
  const smallestResolvable = Math.expm1(tQuantile(degreesOfFreedom) * pooledLogSd * Math.sqrt(2 / rounds.length));
  return { metric, confidence: VERDICT_CONFIDENCE, repetitions: logs.length * rounds.length, degreesOfFreedom, pooledLogSd, smallestResolvable, design: 'rounds' };
}

/** The within-store scatter pooled over the stores. */
function pooledRule(metric: NoiseRule['metric'], usable: readonly Sample[]): NoiseRule | undefined {
  const degreesOfFreedom = usable.reduce((sum, sample) => sum + sample.values.length - 1, 0);
  if (degreesOfFreedom === 0) return undefined;
  const squares = usable.reduce((sum, sample) => {
    const logs = sample.values.map(Math.log);
    const center = mean(logs);
    return sum + logs.reduce((inner, value) => inner + (value - center) ** 2, 0);
  }, 0);
  const pooledLogSd = Math.sqrt(squares / degreesOfFreedom);
  const counts = usable.map((sample) => sample.values.length).sort((a, b) => a - b);
  const typical = counts[Math.floor(counts.length / 2)]!;
  const smallestResolvable = Math.expm1(tQuantile(degreesOfFreedom) * pooledLogSd * Math.sqrt(2 / typical));
  return { metric, confidence: VERDICT_CONFIDENCE, repetitions: usable.reduce((sum, sample) => sum + sample.values.length, 0), degreesOfFreedom, pooledLogSd, smallestResolvable, design: 'pooled' };
}

/**
 * Whether two stores' figures differ by more than the rule's noise: the difference of their mean
 * log figures against t × pooled SD × √(1/nₐ + 1/n_b). A store with one repetition is compared
 * with the pooled noise of the others (its own scatter is unknown, but the machine's is not).
 */
export function resolvablyDifferent(rule: NoiseRule, a: readonly number[], b: readonly number[]): boolean {
  if (a.length === 0 || b.length === 0) return false;
  const difference = Math.abs(mean(a.map(Math.log)) - mean(b.map(Math.log)));
  return difference > tQuantile(rule.degreesOfFreedom) * rule.pooledLogSd * Math.sqrt(1 / a.length + 1 / b.length);
}
