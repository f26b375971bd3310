import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { OkEntry, RunResult } from '../contract/result.ts';
import { holm, minimumPairs, signedRankTest, smallestSignedRankP } from '../reports/figures/paired.ts';
import { judgeAb } from '../reports/verdict/ab.ts';
import type { AbBlock } from '../reports/verdict/ab.ts';
import { mulberry32 } from './helpers/random.ts';

/** P(W+ ≥ observed) by enumerating every sign assignment: the definition the exact test must match. */
function bruteForceGreater(differences: number[]): number {
  const nonZero = differences.filter((d) => d !== 0);
  const abs = nonZero.map(Math.abs);
  const ranks = abs.map((value) => {
    const below = abs.filter((other) => other < value).length;
    const equal = abs.filter((other) => other === value).length;
    return below + (equal + 1) / 2;
  });
  const observed = nonZero.reduce((sum, d, i) => sum + (d > 0 ? ranks[i]! : 0), 0);
  let atLeast = 0;
  for (let mask = 0; mask < 2 ** nonZero.length; mask++) {
    const w = ranks.reduce((sum, rank, i) => sum + (mask & (1 << i) ? rank : 0), 0);
    if (w >= observed - 1e-9) atLeast++;
  }
  return atLeast / 2 ** nonZero.length;
}

describe('exact signed-rank test', () => {
  test('all five differences positive: p(one-sided) = 1/32, two-sided 1/16', () => {
    const result = signedRankTest([1, 2, 3, 4, 5]);
    assert.equal(result.pGreater, 1 / 32);
    assert.equal(result.pTwoSided, 1 / 16);
    assert.equal(result.pLess, 1);
  });

  test('one negative smallest difference: two-sided 0.125 (as R wilcox.test(c(-1,2,3,4,5)))', () => {
    assert.equal(signedRankTest([-1, 2, 3, 4, 5]).pTwoSided, 0.125);
  });

  test('matches brute-force enumeration, ties and zeros included', () => {
    const random = mulberry32(23);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(random() * 11);
      // Rounded values make ties; some are zero (dropped, as Wilcoxon drops them).
      const differences = Array.from({ length: n }, () => Math.round((random() - 0.4) * 6));
      const exact = signedRankTest(differences);
      assert.ok(Math.abs(exact.pGreater - bruteForceGreater(differences)) < 1e-12, `differences ${differences.join(',')}: ${exact.pGreater} vs ${bruteForceGreater(differences)}`);
    }
  });

  test('no non-zero difference: p = 1 (nothing to reject)', () => {
    assert.equal(signedRankTest([0, 0, 0]).pTwoSided, 1);
  });
});

describe('Holm correction', () => {
  test('step-down adjusted p-values, monotone, in input order', () => {
    const results = holm([0.01, 0.04, 0.03, 0.005], 0.05);
    const adjusted = results.map((r) => Number(r.adjusted.toFixed(10)));
    assert.deepEqual(adjusted, [0.03, 0.06, 0.06, 0.02]);
    assert.deepEqual(results.map((r) => r.rejected), [true, false, false, true]);
  });

  test('one test is not corrected; adjusted p never exceeds 1', () => {
    assert.deepEqual(holm([0.04], 0.05), [{ p: 0.04, adjusted: 0.04, rejected: true }]);
    assert.ok(holm([0.6, 0.7, 0.9], 0.05).every((r) => r.adjusted <= 1 && !r.rejected));
  });

  test('stops at the first non-rejection even when a later raw p is small enough alone', () => {
    // 0.02 × 2 = 0.04 rejects; 0.049 × 1 = 0.049 rejects too (step-down). With 3 tests, 0.02 × 3 = 0.06 rejects none.
    assert.deepEqual(holm([0.02, 0.049], 0.05).map((r) => r.rejected), [true, true]);
    assert.deepEqual(holm([0.02, 0.049, 0.049], 0.05).map((r) => r.rejected), [false, false, false]);
  });
});

describe('pairs needed', () => {
  test('the smallest two-sided p with n pairs is 2 / 2^n', () => {
    assert.equal(smallestSignedRankP(7), 2 / 128);
    assert.equal(signedRankTest([1, 2, 3, 4, 5, 6, 7]).pTwoSided, smallestSignedRankP(7));
  });

  test('Holm over m metrics at alpha needs 2m / 2^n ≤ alpha', () => {
    assert.equal(minimumPairs(1, 0.05), 6);
    assert.equal(minimumPairs(2, 0.05), 7);
    assert.equal(minimumPairs(4, 0.05), 8);
    assert.equal(minimumPairs(2, 0.01), 9);
    for (const [m, alpha] of [[2, 0.05], [24, 0.05], [3, 0.01]] as const) {
      const n = minimumPairs(m, alpha);
      assert.ok(m * smallestSignedRankP(n) <= alpha && m * smallestSignedRankP(n - 1) > alpha);
    }
  });
});

describe('judging blocks', () => {
  const fixture = JSON.parse(readFileSync(new URL('./fixtures/run-result.json', import.meta.url), 'utf8')) as RunResult;
  const template = fixture.entries.find((entry): entry is OkEntry => entry.status === 'ok' && entry.store === 'memory' && entry.kind === 'load' && entry.storeWrites !== undefined && entry.storeOps !== undefined)!;
  /** One run of the template entry; the app's CPU (% of a core) is what `cpuUsPerRequest` µs per request cost at that throughput. */
  const run = (throughput: number, p99: number, getCalls = template.storeOps!.get!.count, cpuUsPerRequest = 40): RunResult => ({
    ...fixture,
    entries: [
      {
        ...template,
        measured: { ...template.measured, throughput, latencyUs: { ...template.measured.latencyUs, p99 } },
        storeOps: { ...template.storeOps, get: { ...template.storeOps!.get!, count: getCalls } },
        cpu: { generatorSaturated: false, ...template.cpu, app: (cpuUsPerRequest * throughput) / 10_000 },
      },
    ],
  });
  const random = mulberry32(7);
  const noisy = (value: number) => value * (1 + (random() - 0.5) * 0.3);

  test('A/A: noise in both directions is tied; identical counts are tied', () => {
    const blocks: AbBlock[] = Array.from({ length: 8 }, (_, i) => ({ first: i % 2 ? 'a' : 'b', a: run(noisy(1000), noisy(5000)), b: run(noisy(1000), noisy(5000)) }));
    const verdict = judgeAb(blocks);
    assert.deepEqual(verdict.timing.map((metric) => metric.metric), ['throughput', 'p99', 'appCpuPerRequest']);
    assert.equal(verdict.regressions, 0, JSON.stringify(verdict.timing.map((m) => [m.metric, m.changePercent, m.adjustedP])));
    assert.ok(verdict.counts.every((count) => count.verdict === 'tied'));
  });

  test('B 20% slower in every block: throughput worse and a regression; below the floor it is tied', () => {
    const blocks: AbBlock[] = Array.from({ length: 8 }, (_, i) => {
      const base = noisy(1000);
      return { first: i % 2 ? 'a' : 'b', a: run(base, 5000), b: run(base * 0.8, 5000) };
    });
    const throughput = judgeAb(blocks).timing.find((metric) => metric.metric === 'throughput')!;
    assert.equal(throughput.verdict, 'worse');
    assert.ok(throughput.regression);
    assert.ok(Math.abs(throughput.changePercent + 20) < 1e-6);
    assert.equal(judgeAb(blocks, { minEffectPercent: 25 }).timing.find((metric) => metric.metric === 'throughput')!.verdict, 'tied');
  });

  test('B costs 12% more app CPU per request while throughput swings ±15%: CPU per request is worse, throughput tied', () => {
    const steady = (value: number) => value * (1 + (random() - 0.5) * 0.02);
    const blocks: AbBlock[] = Array.from({ length: 8 }, (_, i) => ({ first: i % 2 ? 'a' : 'b', a: run(noisy(1000), 5000, undefined, steady(40)), b: run(noisy(1000), 5000, undefined, steady(40 * 1.12)) }));
    const verdict = judgeAb(blocks);
    const cpu = verdict.timing.find((metric) => metric.metric === 'appCpuPerRequest')!;
    assert.equal(cpu.label, 'app CPU per request');
    assert.equal(cpu.verdict, 'worse', JSON.stringify(cpu));
    assert.ok(cpu.regression);
    assert.ok(Math.abs(cpu.changePercent - 12) < 2, String(cpu.changePercent));
    assert.equal(verdict.timing.find((metric) => metric.metric === 'throughput')!.verdict, 'tied');
  });

  test('a round trip inside a Store call (one more Redis GET per request) is a count regression by the server\'s own command counts', () => {
    const requests = template.storeWrites!.requests;
    const withServer = (gets: number): RunResult => {
      const result = run(noisy(1000), noisy(5000));
      const entry = result.entries[0] as OkEntry;
      return { ...result, entries: [{ ...entry, storeWrites: { ...entry.storeWrites!, serverCalls: { source: 'redis INFO commandstats', calls: { get: gets * requests, expire: requests } } } }] };
    };
    const blocks: AbBlock[] = Array.from({ length: 3 }, () => ({ first: 'a', a: withServer(1), b: withServer(2) }));
    const verdict = judgeAb(blocks);
    const server = verdict.counts.find((count) => count.metric === 'server commands per request')!;
    assert.equal(server.a.median, 2);
    assert.equal(server.b.median, 3);
    assert.ok(server.regression);
    assert.equal(verdict.counts.find((count) => count.metric === 'store calls per request')!.verdict, 'tied', 'the Store interface saw one get per request on both sides');
  });

  test('one extra store call per request is a count regression, however noisy the clocks', () => {
    const requests = template.storeWrites!.requests;
    const blocks: AbBlock[] = Array.from({ length: 3 }, () => ({ first: 'a', a: run(noisy(1000), noisy(5000)), b: run(noisy(1000), noisy(5000), template.storeOps!.get!.count + requests) }));
    const calls = judgeAb(blocks).counts.find((count) => count.metric === 'store calls per request')!;
    assert.equal(calls.verdict, 'worse');
    assert.ok(calls.regression);
    assert.ok(Math.abs(calls.b.median - calls.a.median - 1) < 1e-9);
  });
});
