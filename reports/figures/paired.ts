/**
 * The paired test the A/B gate uses: Wilcoxon's signed-rank test, exact, on the differences of
 * the blocks (A and B measured side by side), and Holm's step-down correction over the metrics
 * judged. Exact (the distribution of the rank sum over every sign flip, ties by average ranks,
 * zero differences dropped), so a verdict reads the same on every machine.
 */

/** Differences smaller than this (in the unit given, e.g. a log ratio) count as zero. */
const ZERO = 1e-12;

/** Result of one exact signed-rank test. */
export interface SignedRankTest {
  /** Pairs with a non-zero difference (the test's sample size). */
  n: number;
  /** Sum of the ranks of the positive differences. */
  wPlus: number;
  /** P(W+ ≥ observed) under "no change": support for B > A. */
  pGreater: number;
  /** P(W+ ≤ observed): support for B < A. */
  pLess: number;
  /** Two-sided p-value: twice the smaller one-sided p, at most 1. */
  pTwoSided: number;
}

/** Average ranks (1-based) of `values`, ties sharing the mean of their positions. */
function averageRanks(values: readonly number[]): number[] {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const ranks = new Array<number>(values.length);
  let start = 0;
  while (start < order.length) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]!.value - order[start]!.value <= ZERO) end++;
    const rank = (start + end) / 2 + 1;
    for (let i = start; i <= end; i++) ranks[order[i]!.index] = rank;
    start = end + 1;
  }
  return ranks;
}

/** Exact one-sample signed-rank test of `differences` (B − A per pair) against a zero median. */
export function signedRankTest(differences: readonly number[]): SignedRankTest {
  const nonZero = differences.filter((d) => Math.abs(d) > ZERO);
  const n = nonZero.length;
  if (n === 0) return { n, wPlus: 0, pGreater: 1, pLess: 1, pTwoSided: 1 };
  // Average ranks are multiples of ½: doubled, they are whole numbers a counting table can index.
  const doubled = averageRanks(nonZero.map(Math.abs)).map((rank) => Math.round(rank * 2));
  const observed = nonZero.reduce((sum, d, i) => sum + (d > 0 ? doubled[i]! : 0), 0);
  const total = doubled.reduce((sum, rank) => sum + rank, 0);
  // ways[s]: sign assignments whose positive ranks sum to s (each of the 2^n equally likely under H0).
  let ways = new Float64Array(total + 1);
  ways[0] = 1;
  for (const rank of doubled) {
    const next = new Float64Array(total + 1);
    for (let s = 0; s <= total; s++) {
      const count = ways[s]!;
      if (count === 0) continue;
      next[s] = next[s]! + count;
      next[s + rank] = next[s + rank]! + count;
    }
    ways = next;
  }
  const all = 2 ** n;
  let atLeast = 0;
  let atMost = 0;
  for (let s = 0; s <= total; s++) {
    if (s >= observed) atLeast += ways[s]!;
    if (s <= observed) atMost += ways[s]!;
  }
  const pGreater = atLeast / all;
  const pLess = atMost / all;
  return { n, wPlus: observed / 2, pGreater, pLess, pTwoSided: Math.min(1, 2 * Math.min(pGreater, pLess)) };
}

/** The smallest two-sided p-value the exact signed-rank test can give with `pairs` pairs: 2 / 2^pairs. */
export function smallestSignedRankP(pairs: number): number {
  return Math.min(1, 2 / 2 ** pairs);
}

/**
 * The fewest pairs with which the exact two-sided signed-rank test can reject at `alpha` after
 * Holm's correction over `metrics` tests: the first Holm step needs metrics × p ≤ alpha, and the
 * smallest p with n pairs is 2 / 2^n, so n ≥ log2(2 × metrics / alpha).
 */
export function minimumPairs(metrics: number, alpha: number): number {
  let pairs = 1;
  while (Math.max(1, metrics) * smallestSignedRankP(pairs) > alpha) pairs++;
  return pairs;
}

/** One p-value after Holm's step-down correction. */
export interface HolmResult {
  /** The p-value as tested. */
  p: number;
  /** Holm-adjusted p-value (monotone in the sorted order, at most 1). */
  adjusted: number;
  /** Rejected at the family-wise level alpha. */
  rejected: boolean;
}

/**
 * Holm's step-down correction: sorted ascending, the i-th smallest p (0-based) is multiplied by
 * (m − i), adjusted values are kept monotone, and a hypothesis is rejected while its adjusted p
 * is at most alpha. Controls the family-wise error rate at alpha for any dependence. Results are
 * in the input order.
 */
export function holm(pValues: readonly number[], alpha: number): HolmResult[] {
  const m = pValues.length;
  const order = pValues.map((p, index) => ({ p, index })).sort((a, b) => a.p - b.p || a.index - b.index);
  const results = new Array<HolmResult>(m);
  let running = 0;
  order.forEach(({ p, index }, i) => {
    running = Math.max(running, Math.min(1, (m - i) * p));
    results[index] = { p, adjusted: running, rejected: running <= alpha };
  });
  return results;
}

/** The median of some numbers (mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Sample standard deviation; 0 with fewer than two values. */
export function standardDeviation(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  return Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1));
}

/** Standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/**
 * The smallest shift of the paired differences' centre the signed-rank test detects with
 * `power` at two-sided level `alpha`, for `pairs` pairs whose differences spread with standard
 * deviation `sd` (normal approximation, the test's 3/π asymptotic efficiency against the t-test).
 */
export function minimumDetectableShift(sd: number, pairs: number, alpha: number, power = 0.9): number {
  if (pairs < 2) return Number.POSITIVE_INFINITY;
  const z = normalQuantile(1 - alpha / 2) + normalQuantile(power);
  return (z * sd) / Math.sqrt(pairs * (3 / Math.PI));
}
