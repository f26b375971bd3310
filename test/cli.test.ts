import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { SCHEMA_VERSION } from '../contract/result.ts';
import type { OkEntry, RunResult } from '../contract/result.ts';
import { observed } from './helpers/observations.ts';
import { runCli } from './helpers/cli.ts';

const out = mkdtempSync(path.join(tmpdir(), 'sessionbench-cli-'));
after(() => rmSync(out, { recursive: true, force: true }));

describe('help and version', () => {
  test('--help lists the bench options (the default command) and the commands, and exits 0', async () => {
    const run = await runCli(['--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /Usage: sessionbench/);
    assert.match(run.stdout, /^Commands:$/m);
    const bench = await runCli(['bench', '--help']);
    for (const flag of ['--store', '--scenario', '--duration', '--connections', '--out', '--json', '--baseline']) {
      assert.match(run.stdout, new RegExp(`^  ${flag} `, 'm'), `sessionbench --help shows ${flag}`);
      assert.match(bench.stdout, new RegExp(flag));
    }
  });

  test('the sessionbench bin runs the same CLI', () => {
    const output = execFileSync(fileURLToPath(new URL('../bin/sessionbench.js', import.meta.url)), ['--version'], { encoding: 'utf8' });
    assert.match(output.trim(), /^\d+\.\d+\.\d+$/);
  });

  test('--version prints the package version', async () => {
    const run = await runCli(['--version']);
    assert.equal(run.code, 0);
    assert.match(run.stdout.trim(), /^\d+\.\d+\.\d+$/);
  });
});

describe('bad input: one line, exit 2, nothing written', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--store', 'nope'], /--store: unknown "nope"; valid: none, memory, cookie, redis, memcached, postgres, mongo, memorystore, knex-sqlite, knex-postgres, mysql, file, all/],
    [['--duration', 'abc'], /--duration: "abc" is not a duration/],
    [['--connections', '0'], /--connections: "0" must be a whole number/],
    [['--scenario', 'nope'], /--scenario: unknown "nope"/],
    [['--frobnicate'], /unknown option '--frobnicate'; see sessionbench --help/],
    [['--redis-url', 'redis//nope'], /--redis-url/],
  ];
  for (const [args, expected] of cases) {
    test(args.join(' '), async () => {
      const dir = path.join(out, `bad-${args.join('-').replace(/\W/g, '')}`);
      const run = await runCli([...args, '--out', dir]);
      assert.equal(run.code, 2);
      assert.match(run.stderr, expected);
      assert.equal(run.stderr.trim().split('\n').length, 1, `one line, got:\n${run.stderr}`);
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(existsSync(dir), false, 'no results directory');
    });
  }
});

describe('a real short run on the embedded stores', () => {
  let result: RunResult;
  const dir = path.join(out, 'real');

  test('none, memory and cookie run ok and write results.json', async () => {
    const run = await runCli(['--store', 'none,memory,cookie', '--scenario', 'read-heavy', '--repeat', '1', '--duration', '2s', '--warmup', '1s', '--connections', '20', '--json', '--out', dir], { timeoutMs: 60_000 });
    assert.equal(run.code, 0, run.stderr);
    result = JSON.parse(run.stdout) as RunResult;
    const [stamp] = readdirSync(dir);
    const written = JSON.parse(readFileSync(path.join(dir, stamp!, 'results.json'), 'utf8')) as RunResult;
    assert.deepEqual(written, result);
    assert.equal(result.schemaVersion, SCHEMA_VERSION);
    assert.equal(result.partial, false);
    assert.deepEqual(result.entries.map((e) => [e.store, e.status]), [['none', 'ok'], ['memory', 'ok'], ['cookie', 'ok']]);
    for (const entry of result.entries as OkEntry[]) {
      assert.ok(entry.measured.throughput > 0, `${entry.store} throughput`);
      assert.ok(entry.measured.latencyUs.p50 > 0, `${entry.store} p50 in µs`);
      assert.ok(entry.measured.latencyUs.p99 >= entry.measured.latencyUs.p50);
      assert.equal(entry.measured.errors, 0);
      assert.equal(entry.measured.non2xx, 0, `${entry.store} non-2xx`);
      assert.deepEqual(entry.load, { driver: 'autocannon', model: 'closed', connections: 20 });
      assert.ok(entry.warmup && entry.warmup.requests > 0, 'warm-up kept apart');
    }
  });

  test('the memory store holds exactly one session per connection', () => {
    const memory = result.entries.find((e) => e.store === 'memory') as OkEntry;
    assert.equal(memory.sessionsStored, 20);
    // Each connection logged in once, during the warm-up; the measured phase continues those sessions.
    assert.equal(observed(memory, 'load').logins, 0, 'no login in the measured phase');
    assert.ok(memory.storeOps?.get && memory.storeOps.get.count > 0, 'store get latency recorded');
  });

  test('cookie-session clients each kept their own cookie', () => {
    const cookie = result.entries.find((e) => e.store === 'cookie') as OkEntry;
    assert.equal(observed(cookie, 'load').logins, 0, 'no client had to log in again in the measured phase');
    assert.equal(observed(cookie, 'load').distinctClientCookies, 20);
    assert.equal(cookie.sessionsStored, undefined, 'nothing server-side to count');
  });

  test('the environment names the machine and the packages', () => {
    assert.ok(result.env.cpu.count > 0);
    assert.match(result.env.node, /^v\d+/);
    assert.ok(result.env.packages['express-session']);
    assert.ok(result.env.packages['cookie-session']);
  });
});
