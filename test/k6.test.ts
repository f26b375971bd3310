import { sessionSettings } from '../harness/plan/plan.ts';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startAppChild } from '../harness/app/child.ts';
import type { AppChild } from '../harness/app/child.ts';
import { runK6 } from '../harness/k6/k6.ts';
import { decodeHistogram } from '../harness/load/histogram.ts';
import { findK6 } from '../harness/plan/k6-binary.ts';
import { generateK6Script, iterationRate, k6Options, sizeVuPool } from '../harness/k6/k6-script.ts';
import type { K6Scenario } from '../harness/k6/k6-script.ts';
import { k6SummaryToEntry, readK6Phase } from '../harness/k6/k6-summary.ts';
import { k6Saturated, measureOpenLoad } from '../harness/load/open-model.ts';
import { SCENARIOS } from '../scenarios/index.ts';
import { observed } from './helpers/observations.ts';
import { runCli } from './helpers/cli.ts';

const K6 = findK6();
const skip = K6 ? false : 'k6 binary not found (K6_BIN, PATH, ~/.cache/sessionbench/bin): build it with .ci/build-k6.sh';
const readHeavy = SCENARIOS['read-heavy'] as K6Scenario;
const settings = sessionSettings({ secret: 'k6-test', maxAgeMs: 3_600_000 });

describe('k6 script generation', () => {
  test('the mix, one jar per VU, and both phases as constant-arrival-rate scenarios', () => {
    const spec = { scenario: readHeavy, target: 'http://app:3000', ratePerSecond: 300, warmupSeconds: 2, durationSeconds: 10 };
    const options = k6Options(spec) as { scenarios: Record<string, Record<string, unknown>>; thresholds: Record<string, unknown>; noCookiesReset: boolean };
    assert.deepEqual(Object.keys(options.scenarios), ['warmup', 'measured']);
    assert.equal(options.scenarios.measured!.executor, 'constant-arrival-rate');
    assert.equal(options.scenarios.measured!.startTime, '2000ms');
    assert.equal(options.noCookiesReset, true);
    assert.ok('dropped_iterations{scenario:measured}' in options.thresholds);
    assert.ok('http_reqs{scenario:measured,kind:work}' in options.thresholds, 'work requests counted apart from logins');
    assert.ok('http_req_duration{scenario:measured,kind:work}' in options.thresholds);
    assert.ok(!('http_req_duration{scenario:measured}' in options.thresholds), 'no latency trend that mixes in logins');
    const script = generateK6Script(spec);
    assert.match(script, /login\(LOGIN\)/);
    assert.match(script, /const LOGIN = \{ kind: 'login' \}/);
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
    assert.equal(readK6Phase(modern, 'measured', 2)?.loginsExcluded, false, 'a summary without the kind tag is read whole');
  });

  test('a summary: work requests only, logins apart, timeouts not counted as errors', () => {
    const c = (count: number) => ({ type: 'counter', values: { count } });
    const summary = {
      metrics: {
        http_reqs: c(160),
        'http_reqs{scenario:measured}': c(160),
        'http_reqs{scenario:measured,kind:work}': c(100),
        'http_req_duration{scenario:measured,kind:work}': { type: 'trend', values: { 'p(99)': 2.5, max: 3 } },
        'iterations{scenario:measured}': c(100),
        'sb_logins{scenario:measured}': c(60),
        'sb_errors{scenario:measured,kind:work}': c(2),
        'sb_timeouts{scenario:measured,kind:work}': c(3),
        'sb_non2xx{scenario:measured,kind:work}': c(1),
      },
    };
    const phase = readK6Phase(summary, 'measured', 10)!;
    assert.equal(phase.metrics.requests, 100);
    assert.equal(phase.metrics.throughput, 10);
    assert.equal(phase.metrics.latencyUs.p99, 2500);
    assert.deepEqual([phase.metrics.errors, phase.metrics.timeouts, phase.metrics.non2xx], [2, 3, 1]);
    assert.equal(phase.logins, 60);
    assert.equal(phase.loginsExcluded, true);
    const entry = k6SummaryToEntry(summary, { store: 'memory', scenario: 'read-heavy', ratePerSecond: 10, durationSeconds: 10 });
    assert.equal(observed(entry, 'load').logins, 60);
    assert.ok(!entry.notes?.some((note) => /include the VUs' logins/.test(note)));

    // --login-rate: new users arrive in a scenario of their own; their logins count, and drops and failures are said.
    const arriving = { metrics: { ...summary.metrics, 'sb_logins{scenario:measured-arrivals}': c(40), 'dropped_iterations{scenario:measured-arrivals}': c(5), 'sb_non2xx{scenario:measured-arrivals}': c(2), 'sb_errors{scenario:measured-arrivals}': c(1) } };
    const withArrivals = readK6Phase(arriving, 'measured', 10)!;
    assert.equal(withArrivals.logins, 100, 'the phase\'s 60 and the 40 new users');
    assert.deepEqual(withArrivals.arrivals, { logins: 40, dropped: 5, failed: 3 });
    const arrivedEntry = k6SummaryToEntry(arriving, { store: 'memory', scenario: 'read-heavy', ratePerSecond: 10, durationSeconds: 10 });
    assert.ok(arrivedEntry.notes?.some((note) => /^new users \(--login-rate\): 40 logged in or tried, k6 dropped 5 arrivals \(no VU free\) and 3 logins failed/.test(note)), String(arrivedEntry.notes));
    assert.ok(!entry.notes?.some((note) => /new users/.test(note)), 'no arrivals, nothing said');
  });

  test('k6 saturated only when it fell behind while using ~all the CPU app and server left', () => {
    assert.equal(k6Saturated({ droppedIterations: 0, cpu: { generator: 190, app: 5 }, cores: 2 }), false, 'rate met');
    assert.equal(k6Saturated({ droppedIterations: 9, cpu: { app: 100 }, cores: 2 }), false, 'no CPU figure, no claim');
    assert.equal(k6Saturated({ droppedIterations: 9, cpu: { generator: 95, app: 100 }, cores: 2 }), true);
    assert.equal(k6Saturated({ droppedIterations: 9, cpu: { generator: 60, app: 100 }, cores: 2 }), false, 'k6 had CPU to spare: the app or the VU pool held it back');
    assert.equal(k6Saturated({ droppedIterations: 9, cpu: { generator: 300, app: 100, server: 100 }, cores: 8 }), false, 'on 8 cores, 300% is far from the 600% left');
  });
});

describe('runK6 process handling', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sessionbench-fake-k6-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const timeouts = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

  test('a k6 that cannot be spawned rejects and leaves no timer behind', async () => {
    const before = timeouts();
    await assert.rejects(runK6({ binary: path.join(dir, 'no-such-k6'), script: '', timeoutMs: 600_000 }), /ENOENT/);
    assert.equal(timeouts(), before, 'the kill timer is cleared');
  });

  test('an already-aborted signal: k6 is not started', async () => {
    const controller = new AbortController();
    controller.abort();
    const marker = path.join(dir, 'started');
    const fake = path.join(dir, 'k6-marker');
    writeFileSync(fake, `#!/bin/sh\ntouch ${marker}\nsleep 30\n`);
    chmodSync(fake, 0o755);
    const started = performance.now();
    await assert.rejects(runK6({ binary: fake, script: '', timeoutMs: 60_000, signal: controller.signal }), /aborted/);
    assert.ok(performance.now() - started < 5000);
    assert.equal(existsSync(marker), false);
  });

  test('login durations stay out of the histograms; exit 99 (a user script\'s failed thresholds) is accepted', async () => {
    const fake = path.join(dir, 'k6-fake');
    const point = (value: number, kind: string) => JSON.stringify({ metric: 'http_req_duration', type: 'Point', data: { value, tags: { scenario: 'measured', kind } } });
    const lines = [point(500, 'login'), point(2, 'work'), point(3, 'work'), point(400, 'login')];
    // The summary file follows --summary-export in k6's arguments.
    writeFileSync(
      fake,
      `#!/bin/sh\nwhile [ "$1" != "--summary-export" ]; do shift; done\necho '{"metrics":{}}' > "$2"\ncat <<'EOF'\n${lines.join('\n')}\nEOF\nexit 99\n`,
    );
    chmodSync(fake, 0o755);
    const output = await runK6({ binary: fake, script: '', timeoutMs: 30_000 });
    const histogram = output.latency.get('measured')!;
    assert.equal(histogram.totalCount, 2);
    assert.ok(histogram.maxValue < 10_000, `max ${histogram.maxValue} µs: no login in it`);
  });
});

describe('k6 open model on a real app', () => {
  before(() => assert.ok(K6, skip || ''));
  let app: AppChild;
  before(async () => {
    app = await startAppChild({ store: 'memory', settings, app: { payloadBytes: 1024 } });
  });
  after(() => app?.stop());

  test('200 req/s below saturation: rate met, p99 and p99.9 present, nothing dropped', { timeout: 90_000 }, async () => {
    const result = await measureOpenLoad(app, { binary: K6!, scenario: readHeavy, ratePerSecond: 200, warmupSeconds: 2, durationSeconds: 5, signal: new AbortController().signal });
    const { measured } = result;
    const observations = observed(result, 'load');
    const achieved = observations.achievedRate!;
    assert.ok(observations.logins > 0, 'the measured run\'s fresh VUs logged in');
    assert.ok(Math.abs(measured.requests - 1000) <= 50, `${measured.requests} work requests in 5 s at 200 req/s, logins (${observations.logins}) apart`);
    assert.ok(result.cpu!.generator! > 0, 'k6\'s CPU measured');
    assert.equal(result.cpu!.generatorSaturated, false);
    assert.ok(!result.notes?.some((note) => /CPU is not measured|could not be measured/.test(note)), result.notes?.join('; '));
    assert.ok(Math.abs(achieved - 200) / 200 <= 0.05, `achieved ${achieved} req/s for a 200 req/s target`);
    assert.equal(observations.droppedIterations, 0, result.notes?.join('; '));
    assert.deepEqual(result.load, { driver: 'k6', model: 'open', ratePerSecond: 200, droppedIterations: 0 });
    assert.ok(measured.latencyUs.p99 > 0 && measured.latencyUs.p999 >= measured.latencyUs.p99);
    assert.equal(decodeHistogram(measured.histogram).totalCount, measured.requests, 'every request is in the µs histogram');
    assert.equal(measured.errors + measured.non2xx + measured.timeouts, 0);
    assert.ok(result.warmup && result.warmup.requests > 0, 'warm-up measured apart');
    assert.ok(!result.notes?.some((note) => note.startsWith('target rate not met')));
    process.stderr.write(
      `# k6 200 req/s: achieved ${achieved} req/s, ${measured.requests} requests, p99 ${measured.latencyUs.p99} µs, p99.9 ${measured.latencyUs.p999} µs, dropped ${observations.droppedIterations}, logins excluded ${observations.logins}, k6 CPU ${result.cpu!.generator}%, app CPU ${result.cpu!.app}%\n`,
    );
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
    const dropped = observed(result, 'load').droppedIterations!;
    assert.ok(dropped > 0);
    assert.equal(result.load.driver === 'k6' && result.load.droppedIterations, dropped);
    assert.ok(observed(result, 'load').achievedRate! < 20_000 * 0.95);
    assert.match(result.notes?.[0] ?? '', /^target rate not met: k6 dropped \d+ of \d+ iterations/);
    assert.equal(observed(result, 'load').logins, 5, 'each of the 5 VUs logged in once, apart from the measured requests');
    assert.equal(result.cpu!.generatorSaturated, k6Saturated({ droppedIterations: dropped, cpu: result.cpu!, cores: availableParallelism() }), 'the flag follows the rule from what was recorded');
    process.stderr.write(
      `# k6 20000 req/s, 5 VUs: achieved ${observed(result, 'load').achievedRate} req/s, dropped ${dropped}, p99 ${result.measured.latencyUs.p99} µs, k6 CPU ${result.cpu!.generator}%, app CPU ${result.cpu!.app}%, saturated ${result.cpu!.generatorSaturated}\n`,
    );
  });

  test('an abort during a phase stops k6 promptly; aborted before the measured phase, it is not started', { timeout: 60_000 }, async () => {
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(), 1500).unref();
    await assert.rejects(
      measureOpenLoad(app, { binary: K6!, scenario: readHeavy, ratePerSecond: 50, warmupSeconds: 30, durationSeconds: 30, signal: controller.signal }),
      /interrupted|aborted/,
    );
    assert.ok(performance.now() - started < 15_000, `stopped after ${Math.round(performance.now() - started)} ms`);
    const phases: string[] = [];
    await assert.rejects(
      measureOpenLoad(app, { binary: K6!, scenario: readHeavy, ratePerSecond: 50, warmupSeconds: 0, durationSeconds: 30, signal: controller.signal, onPhase: (phase) => phases.push(phase) }),
      /interrupted before the measured phase/,
    );
    assert.deepEqual(phases, []);
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
