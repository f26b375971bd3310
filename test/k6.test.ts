import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startAppChild } from '../harness/app-child.ts';
import type { AppChild } from '../harness/app-child.ts';
import { decodeHistogram } from '../harness/histogram.ts';
import { findK6 } from '../harness/k6-binary.ts';
import { generateK6Script, iterationRate, k6Options, sizeVuPool } from '../harness/k6-script.ts';
import type { K6Scenario } from '../harness/k6-script.ts';
import { k6SummaryToEntry, readK6Phase } from '../harness/k6-summary.ts';
import { measureOpenLoad } from '../harness/measure-open-load.ts';
import { SCENARIOS } from '../scenarios/index.ts';
import { runCli } from './helpers/cli.ts';

const K6 = findK6();
const skip = K6 ? false : 'k6 binary not found (K6_BIN, PATH, ~/.cache/sessionbench/bin): build it with .ci/build-k6.sh';
const readHeavy = SCENARIOS['read-heavy'] as K6Scenario;
const settings = { secret: 'k6-test', resave: false, saveUninitialized: false, rolling: false, maxAgeMs: 3_600_000 };

describe('k6 script generation', () => {
  test('the mix, one jar per VU, and both phases as constant-arrival-rate scenarios', () => {
    const spec = { scenario: readHeavy, target: 'http://app:3000', ratePerSecond: 300, warmupSeconds: 2, durationSeconds: 10 };
    const options = k6Options(spec) as { scenarios: Record<string, Record<string, unknown>>; thresholds: Record<string, unknown>; noCookiesReset: boolean };
    assert.deepEqual(Object.keys(options.scenarios), ['warmup', 'measured']);
    assert.equal(options.scenarios.measured!.executor, 'constant-arrival-rate');
    assert.equal(options.scenarios.measured!.startTime, '2000ms');
    assert.equal(options.noCookiesReset, true);
    assert.ok('dropped_iterations{scenario:measured}' in options.thresholds);
    const script = generateK6Script(spec);
    assert.equal(script.match(/"GET \/session"/g)?.length, 19);
    assert.equal(script.match(/"POST \/session"/g)?.length, 1);
  });

  test('a race burst counts fanout requests; the VU pool follows the rate', () => {
    const race = Object.values(SCENARIOS).find((s) => s.kind === 'race') as K6Scenario & { fanout: number };
    assert.equal(iterationRate({ scenario: race, ratePerSecond: race.fanout * 10 }), 10);
    assert.match(generateK6Script({ scenario: race, target: 'http://x', ratePerSecond: 100, warmupSeconds: 0, durationSeconds: 5 }), /http\.batch/);
    assert.deepEqual(sizeVuPool(200), { preAllocated: 50, max: 200 });
    assert.deepEqual(sizeVuPool(1e6), { preAllocated: 1000, max: 1000 });
  });

  test('a summary without the measured phase, or not from k6, is refused', () => {
    assert.throws(() => k6SummaryToEntry({ metrics: {} }, { store: 'memory', scenario: 'read-heavy', ratePerSecond: 1, durationSeconds: 1 }), /not a k6 summary/);
    assert.throws(() => k6SummaryToEntry({ metrics: { http_reqs: { count: 3 } } }, { store: 'memory', scenario: 'x', ratePerSecond: 1, durationSeconds: 1 }), /no "measured" phase/);
    const modern = { metrics: { http_reqs: { type: 'counter', values: { count: 1 } }, 'http_reqs{scenario:measured}': { type: 'counter', values: { count: 10 } } } };
    assert.equal(readK6Phase(modern, 'measured', 2)?.metrics.throughput, 5);
  });
});

describe('k6 open model on a real app', { skip }, () => {
  let app: AppChild;
  before(async () => {
    app = await startAppChild({ store: 'memory', settings, app: { payloadBytes: 1024 } });
  });
  after(() => app?.stop());

  test('200 req/s below saturation: rate met, p99 and p99.9 present, nothing dropped', { timeout: 90_000 }, async () => {
    const result = await measureOpenLoad(app, { binary: K6!, scenario: readHeavy, ratePerSecond: 200, warmupSeconds: 2, durationSeconds: 5, signal: new AbortController().signal });
    const { measured, observations } = result;
    const achieved = observations!.achievedRate!;
    assert.ok(Math.abs(achieved - 200) / 200 <= 0.05, `achieved ${achieved} req/s for a 200 req/s target`);
    assert.equal(observations!.droppedIterations, 0, result.notes?.join('; '));
    assert.deepEqual(result.load, { driver: 'k6', model: 'open', ratePerSecond: 200, droppedIterations: 0 });
    assert.ok(measured.latencyUs.p99 > 0 && measured.latencyUs.p999 >= measured.latencyUs.p99);
    assert.equal(decodeHistogram(measured.histogram).totalCount, measured.requests, 'every request is in the µs histogram');
    assert.equal(measured.errors + measured.non2xx + measured.timeouts, 0);
    assert.ok(result.warmup && result.warmup.requests > 0, 'warm-up measured apart');
    assert.ok(!result.notes?.some((note) => note.startsWith('target rate not met')));
    process.stderr.write(`# k6 200 req/s: achieved ${achieved} req/s, p99 ${measured.latencyUs.p99} µs, p99.9 ${measured.latencyUs.p999} µs, dropped ${observations!.droppedIterations}\n`);
  });

  test('above saturation with a small VU pool: dropped iterations and the target marked as not met', { timeout: 90_000 }, async () => {
    const result = await measureOpenLoad(app, {
      binary: K6!,
      scenario: readHeavy,
      ratePerSecond: 20_000,
      warmupSeconds: 0,
      durationSeconds: 3,
      vus: { preAllocated: 5, max: 5 },
      signal: new AbortController().signal,
    });
    const dropped = result.observations!.droppedIterations!;
    assert.ok(dropped > 0);
    assert.equal(result.load.driver === 'k6' && result.load.droppedIterations, dropped);
    assert.ok(result.observations!.achievedRate! < 20_000 * 0.95);
    assert.match(result.notes?.[0] ?? '', /^target rate not met: k6 dropped \d+ of \d+ iterations/);
    process.stderr.write(`# k6 20000 req/s, 5 VUs: achieved ${result.observations!.achievedRate} req/s, dropped ${dropped}, p99 ${result.measured.latencyUs.p99} µs\n`);
  });
});

describe('k6 missing', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'sessionbench-k6-missing-'));
  after(() => rmSync(out, { recursive: true, force: true }));

  test('--driver k6 without k6 exits 2 with the install hint and writes nothing', async () => {
    const dir = path.join(out, 'results');
    const run = await runCli(['--driver', 'k6', '--rate', '100', '--store', 'memory', '--out', dir], {
      env: { K6_BIN: path.join(out, 'no-such-k6'), PATH: path.dirname(process.execPath) },
    });
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /--driver k6: K6_BIN=.*no-such-k6 is not an executable file; build it with \.ci\/build-k6\.sh .*go install go\.k6\.io\/k6\/v2@v2\.2\.0/);
    assert.equal(existsSync(dir), false);
  });

  test('--rate belongs to k6; k6 needs --rate', async () => {
    for (const [args, expected] of [
      [['--rate', '100'], /--rate: applies to --driver k6/],
      [['--driver', 'k6'], /--driver k6: give the target rate with --rate/],
      [['--driver', 'wrk'], /--driver: unknown "wrk"/],
    ] as const) {
      const run = await runCli([...args, '--store', 'memory', '--out', path.join(out, 'x')]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, expected);
    }
  });
});
