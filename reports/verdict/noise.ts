/**
 * Telling stores apart by the run's own noise. Each store's repetitions (fresh app processes,
 * interleaved across stores round by round) scatter around its true figure; the scatter they share —
 * the machine's — is estimated from the log figure: with the rounds taken out when the run was
 * round-robin with enough stores and rounds (a round the machine ran slow in is not noise of each store),
 * else by pooling the stores' within-store variance.
 *
 * A repetition far off what the others predict for it is left out first: on this project's 2-core
 * VM fresh app processes came out 30–45 % slow at times (less often since the app got a CPU of its
 * own, see harness/run/cpu-placement.ts), and one such repetition would otherwise set the noise of
 * the whole run. The test is the textbook outlier test of a linear
 * model (externally studentized residuals, Bonferroni), symmetric (a repetition too fast goes as well),
 * and recorded with the figures it left out.
 *
 * Two stores whose difference is smaller than that noise can resolve at the stated confidence
 * are tied: the verdict then decides by its next criterion, never by noise.
 */
import type { NoiseOutlier, NoiseRule } from '../../contract/result.ts';

/** One store's repetitions of the compared figure. */
export interface Sample {
  key: string;
  values: readonly number[];
  /** The round (repetition number) of each value, when the run interleaved its stores round by round. */
  rounds?: readonly number[];
}

/**
 * Residual degrees of freedom, (stores − 1) × (rounds − 1), the rounds design must leave before rounds
 * are taken out: two stores in three rounds would leave 2 (pooled they have 4); two stores in five or more
 * rounds, or three stores in three, leave enough to gain from pairing the stores within each round.
 */
const MIN_ROUNDS_DEGREES_OF_FREEDOM = 4;

/**
 * A repetition left out must also be this far from what the other repetitions predict for it (relative,
 * either way) — the spread issue 23 allows one fresh process — so that only a material deviation goes.
 */
export const OUTLIER_MIN_OFF = 0.15;

/** Two-sided 97.5 % quantile of Student's t for 1–30 degrees of freedom; beyond, the normal 1.96 is close enough. */
const T_975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** The confidence the verdict uses: 95 %, two-sided. */
export const VERDICT_CONFIDENCE = 0.95;

function tQuantile(degreesOfFreedom: number): number {
  return T_975[degreesOfFreedom - 1] ?? 1.96;
}

const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

/** One repetition: its store's index, its round's index (0 when the design has no rounds), its log figure. */
interface Cell {
  store: number;
  round: number;
  log: number;
  value: number;
}

/** A fitted additive model of the log figure: a level per store (at the average round) and an offset per round. */
interface Fit {
  storeLevels: number[];
  roundOffsets: number[];
}

const residualOf = (fit: Fit, cell: Cell) => cell.log - fit.storeLevels[cell.store]! - fit.roundOffsets[cell.round]!;

/**
 * Least squares for log y = store + round, by backfitting (exact for a full table after one pass,
 * converging when cells are missing); round offsets average 0. With one round it is the store means.
 */
function fitLeastSquares(cells: readonly Cell[], stores: number, rounds: number): Fit {
  const byStore = Array.from({ length: stores }, (_, s) => cells.filter((cell) => cell.store === s));
  const storeLevels = byStore.map((own) => mean(own.map((cell) => cell.log)));
  const roundOffsets = Array.from({ length: rounds }, () => 0);
  if (rounds === 1) return { storeLevels, roundOffsets };
  const byRound = Array.from({ length: rounds }, (_, r) => cells.filter((cell) => cell.round === r));
  for (let pass = 0; pass < 200; pass++) {
    for (let r = 0; r < rounds; r++) roundOffsets[r] = byRound[r]!.length === 0 ? 0 : mean(byRound[r]!.map((cell) => cell.log - storeLevels[cell.store]!));
    const shift = mean(roundOffsets);
    for (let r = 0; r < rounds; r++) roundOffsets[r]! -= shift;
    let moved = 0;
    for (let s = 0; s < stores; s++) {
      const level = mean(byStore[s]!.map((cell) => cell.log - roundOffsets[cell.round]!));
      moved = Math.max(moved, Math.abs(level - storeLevels[s]!));
      storeLevels[s] = level;
    }
    if (moved < 1e-12) break;
  }
  return { storeLevels, roundOffsets };
}

/**
 * Two-sided tail probability of Student's t with an integer number of degrees of freedom
 * (Abramowitz & Stegun 26.7.3–4: a finite sum in θ = atan(t / √ν)).
 */
export function studentTwoSidedP(t: number, degreesOfFreedom: number): number {
  const theta = Math.atan(Math.abs(t) / Math.sqrt(degreesOfFreedom));
  const cos2 = Math.cos(theta) ** 2;
  let term = 1;
  let sum = 1;
  if (degreesOfFreedom % 2 === 1) {
    if (degreesOfFreedom === 1) return 1 - (2 / Math.PI) * theta;
    for (let k = 2; k <= degreesOfFreedom - 3; k += 2) sum += (term *= (k / (k + 1)) * cos2);
    return Math.max(0, 1 - (2 / Math.PI) * (theta + Math.sin(theta) * Math.cos(theta) * sum));
  }
  for (let k = 1; k <= degreesOfFreedom - 3; k += 2) sum += (term *= (k / (k + 1)) * cos2);
  return Math.max(0, 1 - Math.sin(theta) * sum);
}

/** The family-wise error allowed for calling any repetition of the run an outlier (Bonferroni over the repetitions). */
export const OUTLIER_ALPHA = 0.05;

/**
 * The repetitions to leave out: the outlier test of a linear model, one repetition at a time — the
 * repetition with the largest externally studentized residual (its distance from what the other
 * repetitions predict for it, in units of the noise they show) goes when Student's t makes it
 * significant at OUTLIER_ALPHA, Bonferroni over all repetitions, and it is more than OUTLIER_MIN_OFF
 * off; then the model is fitted again without it and the next is tested. A store keeps at least two
 * thirds of its repetitions, and when more than a quarter of the run would go, none does (then the
 * spread is the machine's, not a spell's).
 *
 * Two stores round by round are a paired comparison: a round's two residuals are equal and opposite,
 * so the test cannot tell which of the two a spell hit. There the round goes whole — both its
 * repetitions, each recorded — and what is left is still complete pairs.
 */
function outliersOf(cells: readonly Cell[], stores: number, rounds: number): Map<Cell, number> {
  const out = new Map<Cell, number>();
  const pairs = stores === 2 && rounds > 1;
  const allowance = Array.from({ length: stores }, (_, s) => Math.floor(cells.filter((cell) => cell.store === s).length / 3));
  const mayLose = (s: number) => allowance[s]!;
  const lost = Array.from({ length: stores }, () => 0);
  for (;;) {
    const kept = cells.filter((cell) => !out.has(cell));
    const residualDf = kept.length - (stores + roundsIn(kept) - 1);
    if (residualDf < 2) break;
    const fit = fitLeastSquares(kept, stores, rounds);
    const squares = kept.reduce((sum, cell) => sum + residualOf(fit, cell) ** 2, 0);
    const leverage = leverageOf(kept, stores, rounds);
    let worst: { cell: Cell; t: number; deleted: number } | undefined;
    for (const [i, cell] of kept.entries()) {
      if (lost[cell.store]! >= mayLose(cell.store) || (pairs && lost[1 - cell.store]! >= mayLose(1 - cell.store))) continue;
      const residual = residualOf(fit, cell);
      const h = leverage(i);
      if (h > 1 - 1e-9) continue;
      const othersVariance = (squares - residual ** 2 / (1 - h)) / (residualDf - 1);
      const t = othersVariance > 0 ? residual / Math.sqrt(othersVariance * (1 - h)) : Infinity;
      if (!worst || Math.abs(t) > Math.abs(worst.t)) worst = { cell, t, deleted: residual / (1 - h) };
    }
    if (!worst || studentizedP(worst.t, residualDf - 1) * cells.length >= OUTLIER_ALPHA || Math.abs(Math.expm1(worst.deleted)) <= OUTLIER_MIN_OFF) break;
    out.set(worst.cell, Math.expm1(worst.deleted));
    lost[worst.cell.store]! += 1;
    const partner = pairs ? kept.find((cell) => cell.round === worst.cell.round && cell !== worst.cell) : undefined;
    if (partner) {
      out.set(partner, Math.expm1(-worst.deleted));
      lost[partner.store]! += 1;
    }
  }
  return out.size > cells.length / 4 ? new Map() : out;
}

/**
 * The leverage of each kept repetition (index into `kept`): how much its own figure moves its fitted value.
 * For a full table it is 1/n of its store plus 1/S − 1/N for its round; with repetitions missing, the
 * fitted value of a unit response at that repetition (the fit is linear in the log figures).
 */
function leverageOf(kept: readonly Cell[], stores: number, rounds: number): (index: number) => number {
  const counts = Array.from({ length: stores }, (_, s) => kept.filter((cell) => cell.store === s).length);
  const full = rounds === 1 || counts.every((count) => count === rounds);
  if (full) return (i) => 1 / counts[kept[i]!.store]! + (rounds > 1 ? 1 / stores - 1 / kept.length : 0);
  return (i) => {
    const unit = fitLeastSquares(kept.map((cell, j) => ({ ...cell, log: i === j ? 1 : 0 })), stores, rounds);
    return unit.storeLevels[kept[i]!.store]! + unit.roundOffsets[kept[i]!.round]!;
  };
}

/** The rounds that still have a repetition (a round left out whole has no offset to fit). */
const roundsIn = (cells: readonly Cell[]) => new Set(cells.map((cell) => cell.round)).size;

const studentizedP = (t: number, degreesOfFreedom: number) => (Number.isFinite(t) ? studentTwoSidedP(t, degreesOfFreedom) : 0);

/**
 * With a repetition left out of a round-robin table the store levels are no longer plain means, and
 * √(1/nₐ + 1/n_b) understates how far two of them scatter. Each level is linear in the log figures, so
 * its weights come from fitting each kept repetition alone (1 there, 0 elsewhere); the variance of a
 * store's level against a complete store's, in units of σ², is then the sum of squared weight
 * differences. A store's effective repetitions are what makes √(1/n_eff + 1/rounds) equal to that.
 * Undefined for a complete table (or pooled stores), where the plain counts are exact.
 */
function effectiveRepetitions(kept: readonly Cell[], stores: number, rounds: number): number[] | undefined {
  const countOf = (s: number) => kept.filter((cell) => cell.store === s).length;
  const complete = Array.from({ length: stores }, (_, s) => countOf(s) === rounds);
  const reference = complete.indexOf(true);
  if (rounds === 1 || complete.every(Boolean) || reference < 0) return undefined;
  const weights = kept.map((_, i) => fitLeastSquares(kept.map((cell, j) => ({ ...cell, log: i === j ? 1 : 0 })), stores, rounds).storeLevels);
  return Array.from({ length: stores }, (_, s) => {
    if (complete[s]) return rounds;
    const variance = weights.reduce((sum, w) => sum + (w[s]! - w[reference]!) ** 2, 0);
    return 1 / (variance - 1 / rounds);
  });
}

/** Each store's log figure by round, when every usable store has the same rounds once each and they leave enough degrees of freedom. */
function roundsDesign(samples: readonly Sample[]): number[] | undefined {
  if (samples.some((sample) => sample.rounds === undefined || sample.rounds.length !== sample.values.length)) return undefined;
  const rounds = [...new Set(samples[0]!.rounds)].sort((a, b) => a - b);
  const same = (sample: Sample) => sample.rounds!.length === rounds.length && new Set(sample.rounds).size === rounds.length && sample.rounds!.every((round) => rounds.includes(round));
  return (samples.length - 1) * (rounds.length - 1) >= MIN_ROUNDS_DEGREES_OF_FREEDOM && samples.every(same) ? rounds : undefined;
}

/**
 * The noise rule of a set of samples, or undefined when no store has two repetitions (nothing
 * says how far one repetition is from the next: then nothing can be told apart).
 *
 * `rounds` design (see the contract): residuals of the additive model log y[s][r] = store + round + noise,
 * so a round the machine ran slow in does not count as noise of every store; `pooled`: the within-store
 * scatter pooled over the stores. Either way outliers (see `outliersOf`) are left out first, unless
 * `leaveOutOutliers: false` (to compare with the rule without them).
 */
export function noiseRule(metric: NoiseRule['metric'], samples: readonly Sample[], options: { leaveOutOutliers?: boolean } = {}): NoiseRule | undefined {
  // A figure of 0 (nothing measured) has no log: that repetition is left out, the store's others still count.
  const positive = samples.map((sample) => {
    const keep = sample.values.map((value) => value > 0);
    return { ...sample, values: sample.values.filter((_, i) => keep[i]), ...(sample.rounds ? { rounds: sample.rounds.filter((_, i) => keep[i]) } : {}) };
  });
  const usable = positive.filter((sample) => sample.values.length >= 2);
  if (usable.length === 0) return undefined;
  const roundList = roundsDesign(usable);
  const cells: Cell[] = usable.flatMap((sample, store) =>
    sample.values.map((value, i) => ({ store, round: roundList ? roundList.indexOf(sample.rounds![i]!) : 0, log: Math.log(value), value })),
  );
  const roundCount = roundList?.length ?? 1;
  const out = options.leaveOutOutliers === false ? new Map<Cell, number>() : outliersOf(cells, usable.length, roundCount);
  const kept = cells.filter((cell) => !out.has(cell));
  const fit = fitLeastSquares(kept, usable.length, roundCount);
  const degreesOfFreedom = kept.length - usable.length - (roundsIn(kept) - 1);
  if (degreesOfFreedom < 1) return undefined;
  const pooledLogSd = Math.sqrt(kept.reduce((sum, cell) => sum + residualOf(fit, cell) ** 2, 0) / degreesOfFreedom);
  const counts = usable.map((_, s) => kept.filter((cell) => cell.store === s).length);
  const effective = effectiveRepetitions(kept, usable.length, roundCount);
  // The resolution quoted is for two stores with the run's typical number of kept repetitions (a round left out whole counts for none).
  const typical = [...counts].sort((a, b) => a - b)[Math.floor(counts.length / 2)]!;
  const smallestResolvable = Math.expm1(tQuantile(degreesOfFreedom) * pooledLogSd * Math.sqrt(2 / typical));
  const outliers: NoiseOutlier[] = [...out].map(([cell, offExpected]) => ({
    store: usable[cell.store]!.key,
    ...(roundList ? { round: roundList[cell.round]! } : {}),
    value: cell.value,
    offExpected,
  }));
  const singles = positive.filter((sample) => sample.values.length === 1);
  const singleLevel = (sample: Sample) => {
    const round = roundList && sample.rounds ? roundList.indexOf(sample.rounds[0]!) : -1;
    return Math.log(sample.values[0]!) - (round >= 0 ? fit.roundOffsets[round]! : 0);
  };
  return {
    metric,
    confidence: VERDICT_CONFIDENCE,
    repetitions: kept.length,
    degreesOfFreedom,
    pooledLogSd,
    smallestResolvable,
    design: roundList ? 'rounds' : 'pooled',
    levels: Object.fromEntries([
      ...usable.map((sample, s) => [sample.key, { logLevel: fit.storeLevels[s]!, repetitions: counts[s]!, ...(effective && effective[s] !== counts[s] ? { effectiveRepetitions: effective[s]! } : {}) }] as const),
      ...singles.map((sample) => [sample.key, { logLevel: singleLevel(sample), repetitions: 1 }] as const),
    ]),
    ...(options.leaveOutOutliers === false ? {} : { outlierTest: { alpha: OUTLIER_ALPHA, minOff: OUTLIER_MIN_OFF } }),
    ...(outliers.length > 0 ? { outliers } : {}),
  };
}

/**
 * Whether store `ahead`'s figure is above store `behind`'s by more than the rule's noise: the difference
 * of their fitted log levels (mean log figure, each round's offset taken out) against
 * t × pooled SD × √(1/nₐ + 1/n_b) (effective repetitions where one was left out of a round-robin table).
 * Directional, so that it never contradicts which is ahead. A store with one repetition is compared
 * with the noise of the others (its own scatter is unknown, but the machine's is not); a store the rule
 * has no level for cannot be told apart.
 */
export function resolvablyAhead(rule: NoiseRule, ahead: string, behind: string): boolean {
  const first = rule.levels?.[ahead];
  const second = rule.levels?.[behind];
  if (!first || !second) return false;
  const n = (level: { repetitions: number; effectiveRepetitions?: number | undefined }) => level.effectiveRepetitions ?? level.repetitions;
  return first.logLevel - second.logLevel > tQuantile(rule.degreesOfFreedom) * rule.pooledLogSd * Math.sqrt(1 / n(first) + 1 / n(second));
}
