import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { findK6 } from '../harness/plan/k6-binary.ts';
import { parseRunResult } from '../contract/read.ts';
import { observed } from './helpers/observations.ts';
import { runCli } from './helpers/cli.ts';
import { serveCli } from './helpers/serve-cli.ts';
import type { ServedCli } from './helpers/serve-cli.ts';

const K6 = findK6();
const noK6 = K6 ? false : 'k6 binary not found (K6_BIN, PATH, ~/.cache/sessionbench/bin): build it with .ci/build-k6.sh';
const work = mkdtempSync(path.join(tmpdir(), 'sessionbench-k6-import-'));
const summaryFile = path.join(work, 'summary.json');
let server: ServedCli | undefined;

before(async () => {
  if (noK6) return;
  server = await serveCli('memory');
  const { url } = server;
  try {
    const script = path.join(work, 'read-heavy.js');
    const exported = await runCli(['export', 'k6', '--scenario', 'read-heavy', '--target', url, '--rate', '50', '--duration', '3s', '--warmup', '1s', '--out', script]);
    assert.equal(exported.code, 0, exported.stderr);
    await promisify(execFile)(K6!, ['run', '--quiet', '--no-usage-report', '--summary-export', summaryFile, script], { timeout: 60_000, killSignal: 'SIGKILL' });
  } finally {
    await server.stop();
  }
});

after(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

const FLAGS = ['--k6-store', 'memory', '--k6-scenario', 'read-heavy', '--k6-rate', '50', '--k6-duration', '3s', '--k6-warmup', '1s'];

describe('report --k6-summary', { timeout: 120_000 }, () => {
  before(() => assert.ok(!noK6, noK6 || ''));
  test('a real k6 summary becomes an open-model run in report.html, summary.md and the CI files', async () => {
    const out = path.join(work, 'report');
    const run = await runCli(['report', '--k6-summary', summaryFile, ...FLAGS, '--out', out], { timeoutMs: 60_000 });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual((await readdir(out)).sort(), ['ci-bigger-is-better.json', 'ci-smaller-is-better.json', 'report.html', 'summary.md']);
    const page = await readFile(path.join(out, 'report.html'), 'utf8');
    assert.match(page, /<section id="model-open">/);
    assert.match(page, /imported from k6 summary summary\.json/);
    const embedded = /<script type="application\/json" id="sessionbench-results">(.*?)<\/script>/s.exec(page)![1]!;
    const [result] = JSON.parse(embedded) as unknown[];
    const imported = parseRunResult(JSON.stringify(result), 'imported run');
    assert.deepEqual(imported.plan, { stores: ['memory'], scenarios: ['read-heavy'], repeat: 1, warmupSeconds: 1, durationSeconds: 3, connections: 0, payloadBytes: [], driver: 'k6', ratePerSecond: 50 });
    const [entry] = imported.entries;
    assert.equal(entry?.status, 'ok');
    assert.equal(entry.storeLabel, 'MemoryStore (express-session)');
    assert.deepEqual({ ...entry.load, droppedIterations: 0 }, { driver: 'k6', model: 'open', ratePerSecond: 50, droppedIterations: 0 });
    assert.ok(entry.measured.requests >= 140 && entry.measured.requests <= 160, `${entry.measured.requests} requests in 3 s at 50/s, logins apart`);
    assert.ok((observed(entry, 'load').logins ?? 0) > 0, 'logins reported apart');
    assert.ok(entry.measured.latencyUs.p99 > 0);
    assert.equal(entry.measured.errors + entry.measured.non2xx, 0);
    assert.ok(entry.warmup && entry.warmup.requests > 0);
    assert.match(await readFile(path.join(out, 'summary.md'), 'utf8'), /MemoryStore \(express-session\) \| read-heavy \| open \| ok/);
  });

  test('without the flags that say what ran, report names the first one missing and writes nothing', async () => {
    const out = path.join(work, 'nothing');
    const run = await runCli(['report', '--k6-summary', summaryFile, '--k6-store', 'memory', '--out', out], { timeoutMs: 30_000 });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--k6-scenario: give the scenario/);
    await assert.rejects(readdir(out));
  });

  test('a file that is not a k6 summary is refused by name', async () => {
    const bogus = path.join(work, 'bogus.json');
    await writeFile(bogus, '{"metrics":{}}');
    const run = await runCli(['report', '--k6-summary', bogus, ...FLAGS, '--out', path.join(work, 'bogus')], { timeoutMs: 30_000 });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /bogus\.json: --k6-summary: not a k6 summary JSON/);
  });
});
