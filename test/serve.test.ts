import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, describe, test } from 'node:test';
import { findK6 } from '../harness/plan/k6-binary.ts';
import { k6SummaryToEntry } from '../harness/k6/k6-summary.ts';
import type { StoreId } from '../contract/vocabulary.ts';
import { observed } from './helpers/observations.ts';
import { CLI, runCli } from './helpers/cli.ts';

const K6 = findK6();
const noK6 = K6 ? false : 'k6 binary not found (K6_BIN, PATH, ~/.cache/sessionbench/bin): build it with .ci/build-k6.sh';
const onPath = (binary: string) => (process.env.PATH ?? '').split(path.delimiter).some((dir) => existsSync(path.join(dir, binary)));
const noRedis = noK6 || (!process.env.REDIS_URL && !onPath('redis-server') ? 'no REDIS_URL and no redis-server on PATH' : false);

const work = mkdtempSync(path.join(tmpdir(), 'sessionbench-serve-'));
const started = new Set<ChildProcess>();
after(() => {
  for (const child of started) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

interface Served {
  url: string;
  child: ChildProcess;
  stderr: () => string;
}

/** Starts `sessionbench serve` and resolves with the URL it prints; bounded in time. */
function serve(store: StoreId, timeoutMs = 30_000): Promise<Served> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--store', store], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '1' } });
  started.add(child);
  child.on('exit', () => started.delete(child));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not print its URL within ${timeoutMs} ms\n${stderr}`)), timeoutMs);
    child.stdout!.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      resolve({ url: chunk.toString().trim().split('\n')[0]!, child, stderr: () => stderr });
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}\n${stderr}`)));
  });
}

/** SIGINT, then the exit code; SIGKILL if it does not stop within the bound. */
async function interrupt(served: Served, boundMs = 10_000): Promise<number | null> {
  const timer = setTimeout(() => served.child.kill('SIGKILL'), boundMs);
  const exited = once(served.child, 'exit') as Promise<[number | null]>;
  served.child.kill('SIGINT');
  const [code] = await exited;
  clearTimeout(timer);
  return code;
}

/** `export k6` → plain `k6 run` → the summary through k6SummaryToEntry. */
async function exportAndRun(store: StoreId, url: string) {
  const script = path.join(work, `${store}.js`);
  const summaryFile = path.join(work, `${store}-summary.json`);
  const exported = await runCli(['export', 'k6', '--scenario', 'read-heavy', '--target', url, '--rate', '100', '--duration', '3s', '--warmup', '1s', '--out', script]);
  assert.equal(exported.code, 0, exported.stderr);
  await promisify(execFile)(K6!, ['run', '--quiet', '--no-usage-report', '--summary-export', summaryFile, script], { timeout: 60_000, killSignal: 'SIGKILL' });
  const summary: unknown = JSON.parse(readFileSync(summaryFile, 'utf8'));
  return k6SummaryToEntry(summary, { store, scenario: 'read-heavy', ratePerSecond: 100, durationSeconds: 3, warmupSeconds: 1 });
}

describe('sessionbench serve', () => {
  test('without --store: one line, exit 2', async () => {
    const run = await runCli(['serve']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^sessionbench: --store: give one of none, memory/);
    assert.equal(run.stderr.trim().split('\n').length, 1);
  });

  test('serve --store memory answers on 127.0.0.1 and stops on SIGINT', async () => {
    const served = await serve('memory');
    assert.match(served.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${served.url}/health`, { signal: AbortSignal.timeout(5000) });
    assert.deepEqual(await health.json(), { ok: true, store: 'memory' });
    assert.equal(await interrupt(served), 0);
  });

  test('an exported script runs unchanged with plain k6 run against serve --store memory', { timeout: 120_000 }, async () => {
    assert.ok(!noK6, noK6 || '');
    const served = await serve('memory');
    try {
      const entry = await exportAndRun('memory', served.url);
      assert.deepEqual(entry.load, { driver: 'k6', model: 'open', ratePerSecond: 100, droppedIterations: 0 });
      assert.ok(Math.abs(entry.measured.requests - 300) <= 15, `${entry.measured.requests} requests in 3 s at 100 req/s`);
      assert.ok(entry.measured.latencyUs.p99 > 0 && entry.measured.latencyUs.p999 >= entry.measured.latencyUs.p99);
      assert.equal(entry.measured.non2xx + entry.measured.errors, 0);
      assert.ok(entry.warmup && entry.warmup.requests > 0);
      assert.equal(entry.measured.histogram, '');
      assert.ok(observed(entry, 'load').logins! > 0, 'the VUs\' logins are counted apart from the 300 requests');
      assert.ok(!entry.notes?.some((note) => /include the VUs' logins/.test(note)), 'the exported script tags its logins');
      process.stderr.write(
        `# exported script, memory: ${entry.measured.requests} requests, p99 ${entry.measured.latencyUs.p99} µs, p99.9 ${entry.measured.latencyUs.p999} µs, logins excluded ${observed(entry, 'load').logins}\n`,
      );
    } finally {
      assert.equal(await interrupt(served), 0);
    }
  });

  test('serve --store redis provisions Redis, serves the exported script, and stops the server it started', { timeout: 120_000 }, async () => {
    assert.ok(!noRedis, noRedis || '');
    const served = await serve('redis', 60_000);
    let serverPid: number | undefined;
    try {
      serverPid = Number(/\(pid (\d+)\)/.exec(served.stderr())?.[1]) || undefined;
      const entry = await exportAndRun('redis', served.url);
      assert.ok(entry.measured.requests > 250 && entry.measured.non2xx === 0);
    } finally {
      assert.equal(await interrupt(served), 0, served.stderr());
    }
    if (serverPid) assert.throws(() => process.kill(serverPid!, 0), /ESRCH/, 'the redis-server serve started is stopped');
  });
});
