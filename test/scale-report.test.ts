import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderMarkdown } from '../reports/render/markdown.ts';
import { runResultSchema } from '../contract/result.ts';
import { scaleFindings, scalePoints, scaleTable } from '../reports/sections/scale.ts';
import { scaleSweepResult } from './helpers/scale-result.ts';

test('a scale sweep is a valid result with one point per store and stored-session count', async () => {
  const result = await scaleSweepResult();
  assert.ok(runResultSchema.safeParse(result).success);
  const points = scalePoints(result);
  assert.deepEqual(points.map((p) => `${p.store}@${p.sessions}`).sort(), ['mongo@0', 'mongo@100000', 'mongo@1000000', 'redis@0', 'redis@100000', 'redis@1000000']);
  assert.equal(points.find((p) => p.store === 'mongo' && p.sessions === 1_000_000)?.bytesPerSession, 2200);
});

test('the report says where a store\'s cost grows, and only there', async () => {
  const findings = scaleFindings(scalePoints(await scaleSweepResult()));
  assert.deepEqual(
    findings.map((f) => [f.store, f.metric, f.at.sessions]),
    [['mongo', 'throughput', 1_000_000], ['mongo', 'p99', 1_000_000]],
    'the MongoDB-protocol store falls at 1M (900 vs 1500 req/s; 30 ms vs 9 ms); Redis stays within the bounds',
  );
  const table = scaleTable(await scaleSweepResult());
  assert.equal(table.rows.length, 6);
  assert.equal(table.notes?.length, 1, 'every count ran twice: no single-run caveat');
  assert.match(table.notes?.[0] ?? '', /MongoDB protocol.*p99 grows ×3\.33 from 0 to 1M stored sessions/);
  assert.match(renderMarkdown(await scaleSweepResult()), /### Cost as stored sessions grow/);
});

test('one repetition per count is never read as growing cost: the note says why', async () => {
  const result = await scaleSweepResult();
  result.entries = result.entries.filter((entry) => entry.repetition === 1);
  const points = scalePoints(result);
  assert.deepEqual(scaleFindings(points).map((f) => f.metric), [], 'throughput and p99 need two repetitions; bytes per session did not grow 50 %');
  assert.match(scaleTable(result).notes?.[1] ?? '', /ran once: a change in their throughput or p99 cannot be told from this machine's noise/);
});
