import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import type { RunResult } from '../contract/result.ts';
import { buildChartSections } from '../reports/render/charts.ts';
import { conditionWarnings } from '../reports/sections/conditions.ts';
import { parseRunResult } from '../contract/read.ts';
import { renderMarkdown } from '../reports/render/markdown.ts';
import { storeOpsTable, storeWritesTable, UNDER_LOAD_COLUMN } from '../reports/sections/store-ops.ts';
import { renderTerminalTable } from '../reports/render/terminal.ts';
import { FIXTURE_PATH } from './fixtures/run-result.ts';

const fixture = parseRunResult(await readFile(FIXTURE_PATH, 'utf8'), 'fixture run-result.json');

function busy(result: RunResult): RunResult {
  const copy = structuredClone(result);
  copy.env.machineLoad = { loadAverageStart: [12.4, 9.5, 6.7], loadAverageEnd: [13, 10, 7], stealPercent: 7.5 };
  return copy;
}

describe('where the time goes', () => {
  test('the store-operation charts plot the intrinsic figure, not the one under load', () => {
    const section = buildChartSections([{ result: fixture, label: 'run' }]).find((one) => one.id === 'store-ops')!;
    const p50 = section.charts.find((chart) => chart.id === 'store-ops-p50')!;
    const memory = p50.datasets.find((dataset) => dataset.label.startsWith('MemoryStore'))!;
    assert.equal(memory.data[0], 9, 'MemoryStore get p50 alone');
    assert.match(p50.title, /measured alone/);
  });

  test('the table sets the intrinsic figure beside the one under load and the event-loop delay', () => {
    const table = storeOpsTable(fixture);
    const titles = table.columns.map((column) => column.title);
    assert.ok(titles.includes(UNDER_LOAD_COLUMN) && titles.includes('Event-loop delay p50 · p99') && titles.includes('Loop busy'));
    const redisGet = table.rows.find((row) => row[0] === 'Redis (connect-redis)' && row[1] === 'read-heavy' && row[2] === 'get')!;
    assert.equal(redisGet[3], '62 µs · 155 µs');
    assert.match(redisGet[4]!, /^2\d\d µs/, 'under load: the fixture’s own storeOps');
    assert.equal(redisGet[6], '93%');
  });

  test('writes per request: reads touch the whole session, logins save it', () => {
    const table = storeWritesTable(fixture);
    const row = (store: string, scenario: string) => table.rows.find((r) => r[0] === store && r[1] === scenario)!;
    assert.match(row('Redis (connect-redis)', 'read-heavy')[3]!, /^0\.95 /, 'touch / request, median of two repetitions');
    assert.equal(row('Redis (connect-redis)', 'login-heavy')[2], '1');
    assert.equal(row('Redis (connect-redis)', 'login-heavy')[5], '700 B');
  });

  test('markdown carries both tables; the terminal stays narrow', () => {
    const markdown = renderMarkdown(fixture);
    assert.match(markdown, /### Store operations: alone vs under load/);
    assert.match(markdown, /### Store writes per request/);
    const terminal = renderTerminalTable(fixture);
    assert.doesNotMatch(terminal, /touch \/ request|Event-loop delay/);
  });
});

describe('machine load', () => {
  test('a quiet machine raises no warning', () => {
    assert.deepEqual(conditionWarnings(fixture), []);
  });

  test('a busy machine or steal time is warned about in every report', () => {
    const warnings = conditionWarnings(busy(fixture));
    assert.equal(warnings.length, 2);
    assert.match(warnings[0]!, /load average 12\.40 on 8 cores/);
    assert.match(warnings[1]!, /7\.5% of the CPU time \(steal\)/);
    assert.match(renderTerminalTable(busy(fixture)), /warning: The machine was busy/);
    assert.match(renderMarkdown(busy(fixture)), /> \*\*Warning:\*\* The machine was busy/);
  });

  test('warm-ups that hit the cap are named', () => {
    const copy = structuredClone(fixture);
    const entry = copy.entries.find((one) => one.status === 'ok' && one.warmupControl);
    if (entry?.status === 'ok' && entry.warmupControl) entry.warmupControl = { ...entry.warmupControl, settled: false, seconds: 10 };
    assert.match(conditionWarnings(copy).join('\n'), /^1 of \d+ warm-ups reached their 10 s cap before throughput settled \(3 consecutive seconds within 10%\)/);
  });
});
