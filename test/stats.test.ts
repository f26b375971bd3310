import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mannWhitneyGreater, smallestPValue } from '../reports/figures/stats.ts';
import { createLatencyHistogram, encodeHistogram } from '../harness/load/histogram.ts';
import { quantileSamples } from '../reports/figures/histogram.ts';

describe('Mann–Whitney, one-sided', () => {
  test('exact p-values for small samples match the counting argument', () => {
    assert.equal(mannWhitneyGreater([1, 2, 3], [4, 5, 6]), 1 / 20);
    assert.equal(mannWhitneyGreater([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]), 1 / 252);
    assert.equal(mannWhitneyGreater([1, 2, 3, 4, 6], [5, 7, 8, 9, 10]), 2 / 252, 'one pair out of order');
    assert.equal(mannWhitneyGreater([4, 5, 6], [1, 2, 3]), 1, 'the other direction');
    assert.equal(smallestPValue(5, 5), 1 / 252);
    assert.equal(smallestPValue(1, 1), 0.5);
  });

  test('ties count half and identical samples give no evidence', () => {
    const p = mannWhitneyGreater([5, 5, 5], [5, 5, 5]);
    assert.equal(p, 1);
    assert.ok(mannWhitneyGreater([1, 2, 2], [2, 2, 3]) > 0.05);
  });

  test('large samples use the normal approximation: a 5% shift is found, no shift is not', () => {
    const base = Array.from({ length: 2000 }, (_, i) => 1000 + (i % 100));
    assert.ok(mannWhitneyGreater(base, base.map((value) => value * 1.05)) < 1e-6);
    const p = mannWhitneyGreater(base, [...base].reverse());
    assert.ok(p > 0.4 && p < 0.6, String(p));
  });
});

describe('quantileSamples', () => {
  test('draws evenly by rank from merged histograms, optionally from a percentile up', () => {
    const histogram = createLatencyHistogram();
    for (let value = 1; value <= 1000; value++) histogram.recordValue(value);
    const encoded = encodeHistogram(histogram);
    const all = quantileSamples([encoded, encoded], 10);
    assert.equal(all.length, 10);
    assert.ok(Math.abs(all[0]! - 50) <= 1 && Math.abs(all[9]! - 950) <= 1, all.join(','));
    const tail = quantileSamples([encoded], 4, 90);
    assert.ok(tail.every((value) => value >= 900), tail.join(','));
    assert.deepEqual(quantileSamples(['', ''], 10), []);
  });
});
