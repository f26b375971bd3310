/**
 * The two-sample test the regression gate uses: Mann–Whitney U, one-sided.
 * Exact (every split of the pooled values, ties included) for the few repetitions a
 * run has, so the p-value is the same on every machine; the normal approximation with
 * a tie correction for the thousands of per-request samples drawn from histograms.
 * Hand-written because the npm statistics packages either give no p-value for it or
 * estimate it with Math.random (a gate must not flip between two reads of one file).
 */

/** Pooled sizes up to this many splits are enumerated exactly; beyond, the normal approximation. */
const EXACT_LIMIT = 200_000;

/** U of `larger` over `smaller`: pairs where the `larger` sample's value is the larger one, ties counting half. */
function uStatistic(smaller: readonly number[], larger: readonly number[]): number {
  let u = 0;
  for (const b of larger) for (const a of smaller) u += b > a ? 1 : b === a ? 0.5 : 0;
  return u;
}

function binomial(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return Math.round(result);
}

/** The smallest one-sided p-value an exact test can reach with these sample sizes: 1 / C(n+m, n). */
export function smallestPValue(n: number, m: number): number {
  return n === 0 || m === 0 ? 1 : 1 / binomial(n + m, n);
}

function exactPValue(a: readonly number[], b: readonly number[]): number {
  const pooled = [...a, ...b];
  const observed = uStatistic(a, b);
  const n = a.length;
  let atLeast = 0;
  let total = 0;
  const chosen: number[] = [];
  const visit = (start: number): void => {
    if (chosen.length === n) {
      const inA = new Set(chosen);
      const first = chosen.map((index) => pooled[index]!);
      const second = pooled.filter((_, index) => !inA.has(index));
      total += 1;
      if (uStatistic(first, second) >= observed - 1e-9) atLeast += 1;
      return;
    }
    for (let index = start; index <= pooled.length - (n - chosen.length); index++) {
      chosen.push(index);
      visit(index + 1);
      chosen.pop();
    }
  };
  visit(0);
  return atLeast / total;
}

/** Standard normal upper tail, P(Z ≥ z) (Abramowitz–Stegun 7.1.26 via erfc; error < 1.5e-7). */
function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

function normalPValue(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  const m = b.length;
  const pooled = [...a.map((value) => ({ value, inB: false })), ...b.map((value) => ({ value, inB: true }))].sort((x, y) => x.value - y.value);
  let rankSumB = 0;
  let tieTerm = 0;
  for (let start = 0; start < pooled.length; ) {
    let end = start;
    while (end + 1 < pooled.length && pooled[end + 1]!.value === pooled[start]!.value) end++;
    const rank = (start + end) / 2 + 1;
    const ties = end - start + 1;
    tieTerm += ties ** 3 - ties;
    for (let i = start; i <= end; i++) if (pooled[i]!.inB) rankSumB += rank;
    start = end + 1;
  }
  const u = rankSumB - (m * (m + 1)) / 2;
  const total = n + m;
  const variance = ((n * m) / 12) * (total + 1 - tieTerm / (total * (total - 1)));
  if (variance <= 0) return 1;
  // Continuity correction towards the null.
  return normalUpperTail((u - (n * m) / 2 - 0.5) / Math.sqrt(variance));
}

/**
 * One-sided Mann–Whitney test that `b` tends to be larger than `a`: the p-value of seeing
 * a U at least as large as the observed one if both came from one distribution.
 * Exact for small samples, normal approximation (tie-corrected) for large ones; 1 when either is empty.
 */
export function mannWhitneyGreater(a: readonly number[], b: readonly number[]): number {
  if (a.length === 0 || b.length === 0) return 1;
  return binomial(a.length + b.length, a.length) <= EXACT_LIMIT ? exactPValue(a, b) : normalPValue(a, b);
}
