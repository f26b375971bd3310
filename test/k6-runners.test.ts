import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { decodeHistogram } from '../harness/load/histogram.ts';
import { BUCKET_COUNT, bucketMetric, BUCKET_RELATIVE_ERROR, bucketOf, bucketScript, bucketValueUs, LATENCY_BUCKETS } from '../harness/k6/k6-latency-buckets.ts';
import { groupRunners, mergeRunners } from '../harness/k6/k6-merge.ts';
import type { LabelledRunnerFile } from '../harness/k6/k6-merge.ts';
import { RUNNER_FILE_FORMAT } from '../harness/k6/k6-runner-file.ts';
import type { RunnerFile } from '../harness/k6/k6-runner-file.ts';
import { coverage, equalSegments, parseSegment } from '../harness/k6/k6-segments.ts';
import type { Segment } from '../harness/k6/k6-segments.ts';
import { findK6 } from '../harness/plan/k6-binary.ts';
import { parseRunResult } from '../contract/read.ts';
import type { OkEntry, RunResult } from '../contract/result.ts';
import { runCli } from './helpers/cli.ts';
import { serveCli } from './helpers/serve-cli.ts';
import type { ServedCli } from './helpers/serve-cli.ts';

const K6 = findK6();
const work = mkdtempSync(path.join(tmpdir(), 'sessionbench-k6-runners-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** A runner's file as a script from `export k6 --parallelism` writes it: `requests` work requests of 1 ms, `dropped` iterations dropped. */
function runnerFile(segment: string, run: string, requests: number, options: { dropped?: number; test?: string } = {}): LabelledRunnerFile {
  const file: RunnerFile = {
    format: RUNNER_FILE_FORMAT,
    version: 1,
    test: { id: options.test ?? 'abcdef123456', scenario: 'read-heavy', ratePerSecond: 100, warmupSeconds: 0, durationSeconds: 10, parallelism: 2, sessionbench: 'test' },
    run,
    segment,
    sequence: segment === '0:1' ? null : '0,1/2,1',
    testRunDurationMs: 10_000,
    latencyBuckets: { ...LATENCY_BUCKETS, measured: { [bucketOf(1)]: requests } },
    metrics: {
      'http_reqs{scenario:measured,kind:work}': { count: requests },
      'iterations{scenario:measured}': { count: requests },
      'dropped_iterations{scenario:measured}': { count: options.dropped ?? 0 },
      'http_req_duration{scenario:measured,kind:work}': { min: 1, max: 1, avg: 1 },
    },
  };
  return { label: `${run}-${segment}.json`, file };
}

const memory = { store: 'memory' as const, storeLabel: 'MemoryStore', repetition: 1 };

describe('k6 runner files: segments, buckets, runs', () => {
  test('N equal segments cover the test once; a gap or an overlap is named', () => {
    assert.deepEqual(equalSegments(2), { segments: ['0:1/2', '1/2:1'], sequence: '0,1/2,1' });
    assert.deepEqual(equalSegments(4).segments, ['0:1/4', '1/4:1/2', '1/2:3/4', '3/4:1']);
    const segments = (...texts: string[]) => texts.map((text) => parseSegment(text)!);
    assert.deepEqual(coverage(segments('1/2:1', '0:1/2')), { whole: true });
    assert.deepEqual(coverage(segments('0:1/3', '1/3:2/3', '2/3:1')), { whole: true });
    assert.match((coverage(segments('0:1/2')) as { problem: string }).problem, /nothing covers 1\/2:1/);
    assert.match((coverage(segments('0:1/2', '1/4:1')) as { problem: string }).problem, /overlaps/);
    assert.equal(parseSegment('2/4:1')?.text, '1/2:1');
    assert.equal(parseSegment('1:1/2'), undefined);
    assert.equal(parseSegment('0:3/2'), undefined);
  });

  test("the script's bucket arithmetic is the importer's, and every bucket's value is within the stated relative error", () => {
    class Counter {
      constructor(readonly name: string) {}
    }
    const options = { thresholds: {} as Record<string, string[]> };
    const latencyBucket = new Function('Counter', 'options', `${bucketScript()}\nreturn latencyBucket;`)(Counter, options) as (ms: number) => number;
    assert.deepEqual(Object.keys(options.thresholds), Array.from({ length: BUCKET_COUNT }, (_, i) => bucketMetric(i)), 'one sub-metric per bucket');
    let worst = 0;
    for (let ms = 0.001; ms < 60_000; ms *= 1.0037) {
      const index = bucketOf(ms);
      assert.equal(latencyBucket(ms), index, `${ms} ms`);
      if (ms >= 0.2) worst = Math.max(worst, Math.abs(bucketValueUs(index) - ms * 1000) / (ms * 1000)); // below 200 µs whole-µs rounding adds more
    }
    assert.ok(worst <= BUCKET_RELATIVE_ERROR + 0.003, `worst relative error ${worst}`);
    assert.ok(BUCKET_RELATIVE_ERROR < 0.005);
    assert.equal(latencyBucket(120_000), BUCKET_COUNT - 1, 'beyond 60 s: the last bucket');
  });

  test('runners of one run merge into one entry: counts add, runners and segments recorded', () => {
    const [group, ...rest] = groupRunners([runnerFile('1/2:1', 'r1', 20, { dropped: 1 }), runnerFile('0:1/2', 'r1', 10, { dropped: 2 })]);
    assert.equal(rest.length, 0);
    const entry = mergeRunners(group!, memory);
    assert.equal(entry.measured.requests, 30);
    assert.equal(entry.measured.throughput, 3);
    assert.deepEqual(entry.load, { driver: 'k6', model: 'open', ratePerSecond: 100, droppedIterations: 3, runners: 2, segments: ['0:1/2', '1/2:1'] });
    assert.equal(decodeHistogram(entry.measured.histogram).totalCount, 30);
  });

  test('whole runs are repetitions; runs are told apart by SB_RUN_ID, never merged across', () => {
    const groups = groupRunners([
      runnerFile('0:1', 'a', 5),
      runnerFile('0:1/2', 'b', 5),
      runnerFile('0:1', 'a', 6),
      runnerFile('0:1/2', 'c', 5),
      runnerFile('1/2:1', 'c', 5),
      runnerFile('1/2:1', 'b', 5),
    ]);
    assert.deepEqual(
      groups.map((group) => [group.run, group.runners.map(({ segment }: { segment: Segment }) => segment.text)]),
      [
        ['a', ['0:1']],
        ['b', ['0:1/2', '1/2:1']],
        ['a', ['0:1']],
        ['c', ['0:1/2', '1/2:1']],
      ],
    );
  });

  test('a missing runner, two runs under one SB_RUN_ID, or files of two tests are refused by name', () => {
    assert.throws(() => groupRunners([runnerFile('0:1/2', 'r', 5)]), /run "r" of test abcdef123456 \(segments 0:1\/2\): nothing covers 1\/2:1 \(a runner's file is missing\)/);
    assert.throws(() => groupRunners([runnerFile('0:1/2', '', 5), runnerFile('1/2:1', '', 5), runnerFile('0:1/2', '', 5)]), /without SB_RUN_ID .*overlaps.*each run its own/);
    assert.throws(() => groupRunners([runnerFile('0:1', 'r', 5), runnerFile('0:1', 'r', 5, { test: 'fedcba654321' })]), /from test abcdef123456 and .* from test fedcba654321/);
    const cut = runnerFile('0:1', 'r', 5);
    cut.file.latencyBuckets.measured = { [bucketOf(1)]: 4 };
    assert.throws(() => mergeRunners(groupRunners([cut])[0]!, memory), /buckets hold 4 requests but k6 counted 5/);
  });

  test('report refuses, in one line with exit 2: runner files mixed with a k6 summary, a flag that contradicts them, a missing runner', async () => {
    const dir = path.join(work, 'refused');
    await mkdir(dir, { recursive: true });
    const write = async (name: string, document: unknown) => {
      await writeFile(path.join(dir, name), JSON.stringify(document));
      return path.join(dir, name);
    };
    const half = await write('half.json', runnerFile('0:1/2', 'r', 5).file);
    const other = await write('other-half.json', runnerFile('1/2:1', 'r', 5).file);
    const summary = await write('summary.json', { metrics: { http_reqs: { count: 1 } } });
    for (const [args, expected] of [
      [[half, summary], /half\.json is a sessionbench k6 runner file and summary\.json a k6 summary: give one kind at a time/],
      [[half, other, '--k6-rate', '200'], /--k6-rate 200 contradicts half\.json, which ran 100/],
      [[half], /run "r" of test abcdef123456 \(segments 0:1\/2\): nothing covers 1\/2:1/],
    ] as const) {
      const run = await runCli(['report', '--k6-summary', ...args, '--k6-store', 'memory', '--out', path.join(dir, 'out')], { timeoutMs: 60_000 });
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.match(run.stderr, expected);
    }
    await assert.rejects(stat(path.join(dir, 'out')), 'nothing written');
  });

  test('export k6 --parallelism writes the script and a TestRun beside it; without --out it exits 2 with one line', async () => {
    const script = path.join(work, 'export', 'rh.js');
    const run = await runCli(['export', 'k6', '--scenario', 'read-heavy', '--target', 'http://app:3000', '--rate', '2000', '--parallelism', '4', '--out', script]);
    assert.equal(run.code, 0, run.stderr);
    const manifest = await readFile(path.join(work, 'export', 'rh.testrun.yaml'), 'utf8');
    assert.match(manifest, /^kind: TestRun$/m);
    assert.match(manifest, /^ {2}parallelism: 4$/m);
    assert.match(manifest, /2000 req\/s by execution segment \(500 req\/s each\)/);
    assert.match(manifest, /value: "http:\/\/app:3000"/);
    assert.match(run.stderr, /--execution-segment "3\/4:1" --execution-segment-sequence "0,1\/4,1\/2,3\/4,1"/);
    const code = await readFile(script, 'utf8');
    assert.match(code, /export function handleSummary/);
    assert.match(code, /"parallelism":4/);
    const bad = await runCli(['export', 'k6', '--scenario', 'read-heavy', '--target', 'http://app:3000', '--rate', '10', '--parallelism', '2']);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    assert.match(bad.stderr, /--parallelism: give --out/);
  });
});

/** Durations (µs) of the measured phase's work requests in k6's gzipped `--out json` file. */
async function workDurations(file: string): Promise<number[]> {
  const values: number[] = [];
  for (const line of gunzipSync(await readFile(file)).toString('utf8').split('\n')) {
    if (!line.startsWith('{"metric":"http_req_duration","type":"Point"')) continue;
    const { data } = JSON.parse(line) as { data: { value: number; tags: Record<string, string> } };
    if (data.tags.scenario === 'measured' && data.tags.kind === 'work') values.push(data.value * 1000);
  }
  return values.sort((a, b) => a - b);
}

/** True when `value` is a `p`-quantile of sorted `samples` within relative error `e`: at least p of them ≤ value·(1+e), at most p below value/(1+e). */
function isQuantile(samples: readonly number[], p: number, value: number, e: number): boolean {
  const atOrBelow = samples.filter((x) => x <= value * (1 + e)).length;
  const below = samples.filter((x) => x < value / (1 + e)).length;
  return atOrBelow >= p * samples.length && below <= p * samples.length;
}

describe('two k6 runners splitting one rate, against sessionbench serve, vs one at the full rate', { timeout: 240_000 }, () => {
  const RATE = 300;
  const SECONDS = 8;
  const dir = path.join(work, 'runs');
  const script = path.join(dir, 'read-heavy.js');
  let served: ServedCli | undefined;
  let entries: OkEntry[] = [];
  let runnerRequests: number[] = [];

  before(async () => {
    assert.ok(K6, 'k6 binary not found (K6_BIN, PATH, ~/.cache/sessionbench/bin): build it with .ci/build-k6.sh');
    served = await serveCli('memory');
    const exported = await runCli(['export', 'k6', '--scenario', 'read-heavy', '--target', served.url, '--rate', String(RATE), '--duration', `${SECONDS}s`, '--warmup', '2s', '--parallelism', '2', '--out', script]);
    assert.equal(exported.code, 0, exported.stderr);
    const k6 = (args: string[], env: Record<string, string>) =>
      promisify(execFile)(K6!, ['run', '--quiet', '--no-usage-report', ...args, script], { timeout: 90_000, killSignal: 'SIGKILL', env: { ...process.env, SB_RESULTS_DIR: dir, ...env } });
    const sequence = ['--execution-segment-sequence', '0,1/2,1'];
    await Promise.all([
      k6(['--execution-segment', '0:1/2', ...sequence, '--out', `json=${path.join(dir, 'a.json.gz')}`], { SB_RUN_ID: 'split' }),
      k6(['--execution-segment', '1/2:1', ...sequence, '--out', `json=${path.join(dir, 'b.json.gz')}`], { SB_RUN_ID: 'split' }),
    ]);
    await k6([], { SB_RUN_ID: 'single' });
    await served.stop();
    const files = (await readdir(dir)).filter((name) => name.startsWith('sessionbench-')).sort();
    assert.equal(files.length, 3, files.join(', '));
    for (const name of files.filter((f) => !f.includes('single'))) {
      const file = JSON.parse(await readFile(path.join(dir, name), 'utf8')) as RunnerFile;
      runnerRequests.push(file.metrics['http_reqs{scenario:measured,kind:work}']!.count!);
    }
    const out = path.join(work, 'report');
    const report = await runCli(['report', '--k6-summary', ...files.map((f) => path.join(dir, f)), '--k6-store', 'memory', '--out', out], { timeoutMs: 60_000 });
    assert.equal(report.code, 0, report.stderr);
    const page = await readFile(path.join(out, 'report.html'), 'utf8');
    const embedded = /<script type="application\/json" id="sessionbench-results">(.*?)<\/script>/s.exec(page)![1]!;
    const [result] = JSON.parse(embedded) as unknown[];
    entries = (parseRunResult(JSON.stringify(result), 'imported run') as RunResult).entries as OkEntry[];
  });
  after(() => served?.stop());

  test('the two runners are one entry, the single process another: the files say which is which', () => {
    assert.equal(entries.length, 2);
    const merged = entries.find((entry) => entry.load.driver === 'k6' && entry.load.runners === 2);
    const single = entries.find((entry) => entry.load.driver === 'k6' && entry.load.runners === undefined);
    assert.ok(merged && single, JSON.stringify(entries.map((entry) => entry.load)));
    assert.deepEqual(merged.load.driver === 'k6' && merged.load.segments, ['0:1/2', '1/2:1']);
    assert.ok(entries.every((entry) => entry.status === 'ok' && entry.measured.errors + entry.measured.non2xx + entry.measured.timeouts === 0));
  });

  test('merged: requests are the sum of the runners\', throughput their sum, every request in the histogram, the whole rate attempted', () => {
    const merged = entries.find((entry) => entry.load.driver === 'k6' && entry.load.runners === 2)!;
    const sum = runnerRequests.reduce((a, b) => a + b, 0);
    assert.equal(runnerRequests.length, 2);
    assert.equal(merged.measured.requests, sum);
    assert.equal(merged.measured.throughput, runnerRequests.map((n) => n / SECONDS).reduce((a, b) => a + b, 0));
    assert.equal(decodeHistogram(merged.measured.histogram).totalCount, sum);
    for (const entry of entries) {
      const dropped = entry.load.driver === 'k6' ? (entry.load.droppedIterations ?? 0) : 0;
      // read-heavy: one request per iteration; k6 starts or drops every iteration the rate schedules, whatever the machine's load.
      const attempted = entry.measured.requests + dropped;
      assert.ok(Math.abs(attempted - RATE * SECONDS) <= RATE * SECONDS * 0.02, `${attempted} iterations attempted for ${RATE} req/s × ${SECONDS} s`);
    }
  });

  test("merged percentiles are those of the union of both runners' per-request samples (k6 --out json)", async () => {
    const merged = entries.find((entry) => entry.load.driver === 'k6' && entry.load.runners === 2)!;
    const union = [...(await workDurations(path.join(dir, 'a.json.gz'))), ...(await workDurations(path.join(dir, 'b.json.gz')))].sort((a, b) => a - b);
    assert.equal(union.length, merged.measured.requests, 'every per-request sample is counted once');
    const { latencyUs } = merged.measured;
    const e = BUCKET_RELATIVE_ERROR + 0.002; // a bucket's middle, then the HDR histogram's 3 significant digits and whole µs
    for (const [p, value] of [[0.5, latencyUs.p50], [0.9, latencyUs.p90], [0.99, latencyUs.p99]] as const) {
      assert.ok(isQuantile(union, p, value, e), `p${p * 100} ${value} µs is not a ${p}-quantile of the ${union.length} samples (nearest: ${union[Math.ceil(p * union.length) - 1]} µs)`);
    }
    assert.ok(Math.abs(latencyUs.min - union[0]!) <= 1 && Math.abs(latencyUs.max - union.at(-1)!) <= 1, 'min and max exact');
    const single = entries.find((entry) => entry.load.driver === 'k6' && entry.load.runners === undefined)!;
    const load = (entry: OkEntry) => (entry.load.driver === 'k6' ? entry.load.droppedIterations : undefined);
    const sizes = await Promise.all((await readdir(dir)).filter((f) => f.startsWith('sessionbench-')).map(async (f) => `${f} ${(await stat(path.join(dir, f))).size} B`));
    process.stderr.write(
      `# ${RATE} req/s for ${SECONDS} s — 2 runners merged: ${merged.measured.throughput.toFixed(1)} req/s, p50 ${latencyUs.p50} µs, p99 ${latencyUs.p99} µs, dropped ${load(merged)}; ` +
        `1 runner: ${single.measured.throughput.toFixed(1)} req/s, p50 ${single.measured.latencyUs.p50} µs, p99 ${single.measured.latencyUs.p99} µs, dropped ${load(single)}; runner files: ${sizes.join(', ')}\n`,
    );
  });
});
