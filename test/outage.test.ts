import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeOutage } from '../harness/probes/outage-analysis.ts';
import type { TimelineSecond } from '../reports/result.ts';

const row = (second: number, ok: number, timeouts = 0): TimelineSecond => ({ second, ok, non2xx: 0, errors: 0, timeouts, p99Us: 1000 });

test('an outage reads as time to first error, failures and a stable recovery', () => {
  const rows = [row(0, 900), row(1, 1000), row(2, 1000), row(3, 10), row(4, 0), row(5, 0, 10), row(6, 0), row(7, 800, 4), row(8, 1000), row(9, 950, 2), row(10, 1000)];
  const observed = analyzeOutage(rows, { pausedAtMs: 3000, resumedAtMs: 7000, firstFailureMs: 5010 });
  assert.equal(observed.timeToFirstErrorMs, 2010);
  assert.equal(observed.failuresDuring, 10);
  assert.equal(observed.failuresAfter, 6);
  assert.equal(observed.throughputBefore, 1000);
  assert.equal(observed.recovered, true);
  assert.equal(observed.recoverySeconds, 3, 'the straggler at second 9 delays recovery to second 10');
});

test('no failure and no recovery are stated, not invented', () => {
  const rows = [row(0, 1000), row(1, 1000), row(2, 0), row(3, 0), row(4, 0, 5), row(5, 100)];
  const observed = analyzeOutage(rows, { pausedAtMs: 2000, resumedAtMs: 4000 });
  assert.equal(observed.timeToFirstErrorMs, undefined);
  assert.equal(observed.recovered, false);
  assert.equal(observed.recoverySeconds, undefined);
});
