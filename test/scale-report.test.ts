import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderMarkdown } from '../reports/render/markdown.ts';
import { runResultSchema } from '../contract/result.ts';
import { scaleCharts, scaleFindings, scalePoints, scaleTable } from '../reports/sections/scale.ts';
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
  const notes = scaleTable(result).notes ?? [];
  assert.equal(notes.length, 1);
  assert.match(notes[0] ?? '', /^Growth in throughput and p99 was not judged: every count ran once/);
  assert.doesNotMatch(notes.join(' '), /No store's cost grew|did not grow/, 'never "did not grow" from one repetition');
});

test('--users: the table says how many users read how many sessions and the server hit ratio; charts against users appear', async () => {
  const result = await scaleSweepResult();
  for (const entry of result.entries) {
    if (entry.status !== 'ok' || entry.load.driver !== 'autocannon') continue;
    const sessions = entry.prefilledSessions ?? 0;
    entry.load = { ...entry.load, users: Math.max(10, sessions), distribution: 'uniform' };
    entry.measured = { ...entry.measured, distinctSessions: Math.min(sessions, 5000) + 10, serverCache: { hits: 900, misses: sessions > 0 ? 100 : 0, source: 'test counters' } };
    entry.storeOpsIntrinsicGets = sessions > 0 ? 'random-prefilled' : 'just-written';
  }
  assert.ok(runResultSchema.safeParse(result).success);
  const table = scaleTable(result);
  const column = (title: string) => table.columns.findIndex((c) => c.title === title);
  const row = table.rows.find((r) => r[0]?.includes('Redis') && r[2] === '1,000,000')!;
  assert.ok(row, 'the redis 1M row');
  assert.equal(row[column('Users')], '1,000,000 (uniform)');
  assert.equal(row[column('Distinct sessions read')], '5,010');
  assert.equal(row[column('Server hit ratio')], '90.0 %');
  assert.match(row[column('Store get alone p50')] ?? '', /\(random stored sessions\)$/);
  const charts = scaleCharts([{ label: 'run', result }])!.charts.map((chart) => chart.id);
  assert.deepEqual(charts.filter((id) => id.startsWith('users-')), ['users-throughput', 'users-p99', 'users-hit-ratio', 'users-distinct']);
});
