import type { LoadRoute } from '../../scenarios/common.ts';

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * Expands weights into the shortest repeating sequence with exactly those
 * proportions, interleaved evenly (smooth weighted round-robin), e.g.
 * 95/5 → 19 reads and 1 write in a cycle of 20.
 */
export function expandMix(mix: ReadonlyArray<{ route: LoadRoute; weight: number }>): LoadRoute[] {
  const divisor = mix.reduce((acc, entry) => gcd(acc, entry.weight), 0);
  const weights = mix.map((entry) => ({ route: entry.route, weight: entry.weight / divisor, current: 0 }));
  const total = weights.reduce((sum, entry) => sum + entry.weight, 0);
  const sequence: LoadRoute[] = [];
  for (let i = 0; i < total; i++) {
    for (const entry of weights) entry.current += entry.weight;
    const pick = weights.reduce((best, entry) => (entry.current > best.current ? entry : best));
    pick.current -= total;
    sequence.push(pick.route);
  }
  return sequence;
}
