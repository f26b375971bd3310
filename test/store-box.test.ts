/**
 * Store modules that misbehave, through the CLI (`main` in this process): each runs in a store box
 * (harness/app/store-box.ts), so its exit, throw, hang, double callback or stdout becomes a failed
 * entry or check with its reason; the harness exits only with its documented codes and `--json`
 * stays JSON. One fixture per misbehaviour in test/fixtures/stores/.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { runResultSchema } from '../contract/result.ts';
import type { RunResult } from '../contract/result.ts';
import { runMain } from './helpers/main.ts';
import type { MainRun } from './helpers/main.ts';

const FIXTURES = './test/fixtures/stores';
const root = mkdtempSync(path.join(tmpdir(), 'sessionbench-store-box-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Store boxes still running under this process: none may outlive the command that opened them. */
function openBoxes(): string[] {
  const listing = execFileSync('ps', ['--ppid', String(process.pid), '-o', 'pid=,args='], { encoding: 'utf8' }).split('\n');
  return listing.filter((line) => line.includes('store-box-main'));
}

async function timed(t: TestContext, argv: string[]): Promise<MainRun> {
  const started = performance.now();
  const run = await runMain(argv);
  t.diagnostic(`exit ${run.code} after ${((performance.now() - started) / 1000).toFixed(1)} s: ${argv.join(' ')}`);
  assert.deepEqual(openBoxes(), [], 'every store box was closed');
  assert.doesNotMatch(run.stdout + run.stderr, /\n\s+at /, 'no stack trace');
  return run;
}

/** The verdict line of one check in `conform` output. */
function line(stdout: string, check: string): string {
  const found = stdout.split('\n').find((text) => new RegExp(`^\\S+\\s+${check}\\s`).test(text));
  assert.ok(found, `no line for ${check} in:\n${stdout}`);
  return found;
}

function parsed(run: MainRun): RunResult {
  return runResultSchema.parse(JSON.parse(run.stdout)) as RunResult;
}

describe('a store module that misbehaves is contained', () => {
  test('D8: process.exit at the top level — bad input, one line with the reason, exit 2, nothing written', async (t) => {
    const out = path.join(root, 'top-level');
    const run = await timed(t, ['--store', `${FIXTURES}/exit-top-level.mjs`, '--repeat', '1', '--scenario', 'read-heavy', '--duration', '1s', '--json', '--out', out]);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /exit-top-level\.mjs: the module does not load: the store's process ended \(exit code 0\)/);
    assert.throws(() => readdirSync(out), /ENOENT/);
  });

  test("D8 and D11: race with a createStore that exits and a get that throws asynchronously — both entries failed with their reason, the other store's results kept, exit 3, --json parses", async (t) => {
    const stores = [`${FIXTURES}/exit-in-create.mjs`, `${FIXTURES}/async-throw-in-get.mjs`, 'memory'].join(',');
    const run = await timed(t, ['--store', stores, '--repeat', '1', '--scenario', 'race', '--quiet', '--json', '--out', path.join(root, 'race')]);
    assert.equal(run.code, 3, run.stderr);
    const result = parsed(run);
    const reasons = Object.fromEntries(result.entries.filter((entry) => entry.status === 'failed').map((entry) => [entry.store, entry.status === 'failed' ? entry.reason : '']));
    assert.match(reasons['custom:exit-in-create'] ?? '', /app process exited \(code 0\) before it was ready/);
    assert.match(reasons['custom:async-throw-in-get'] ?? '', /blew up outside its callback/);
    assert.ok(result.entries.some((entry) => entry.store === 'memory' && entry.status === 'ok'), 'the next store ran');
  });

  test('D8: conform on a createStore that exits — the reason, exit 3', async (t) => {
    const run = await timed(t, ['conform', '--store', `${FIXTURES}/exit-in-create.mjs`]);
    assert.equal(run.code, 3, run.stdout + run.stderr);
    assert.match(run.stderr, /custom:exit-in-create: the store's process ended \(exit code 0\)/);
  });

  test('D9: a store that prints to stdout — --json stays JSON; conform names it (quiet-stdout)', async (t) => {
    const bench = await timed(t, ['--store', `${FIXTURES}/stdout-noise.mjs`, '--repeat', '1', '--scenario', 'read-heavy', '--duration', '1s', '--warmup', '1s', '--quiet', '--json', '--out', path.join(root, 'noise')]);
    assert.equal(bench.code, 0, bench.stderr);
    assert.doesNotMatch(bench.stdout, /stdout-noise:/);
    assert.equal(parsed(bench).entries[0]?.status, 'ok');
    const conform = await timed(t, ['conform', '--store', `${FIXTURES}/stdout-noise.mjs`]);
    assert.equal(conform.code, 1, conform.stdout + conform.stderr);
    assert.match(line(conform.stdout, 'quiet-stdout'), /^FAIL .*wrote-stdout: \d+ bytes on stdout, the last line: "stdout-noise: get /);
    assert.match(line(conform.stdout, 'set-get'), /^pass /);
    assert.doesNotMatch(conform.stdout, /^stdout-noise:/m);
  });

  test('D10: a createStore that never resolves — bounded, the reason, exit 3 (never 13)', async (t) => {
    const started = performance.now();
    const conform = await timed(t, ['conform', '--store', `${FIXTURES}/never-resolves.mjs`]);
    assert.equal(conform.code, 3, conform.stdout + conform.stderr);
    assert.match(conform.stderr, /custom:never-resolves: createStore did not finish within 10 s/);
    assert.ok(performance.now() - started < 30_000, 'bounded');
    const bench = await timed(t, ['--store', `${FIXTURES}/never-resolves.mjs`, '--repeat', '1', '--scenario', 'read-heavy', '--duration', '1s', '--quiet', '--json', '--out', path.join(root, 'never')]);
    assert.equal(bench.code, 3, bench.stderr);
    const entry = parsed(bench).entries[0];
    assert.equal(entry?.status, 'failed');
    assert.match(entry?.status === 'failed' ? entry.reason : '', /createStore's promise never settled/);
  });

  test('D11: conform on a get that throws asynchronously — each check fails with the reason, a new box per check, exit 1', async (t) => {
    const run = await timed(t, ['conform', '--store', `${FIXTURES}/async-throw-in-get.mjs`]);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(line(run.stdout, 'set-get'), /^FAIL .*thrown-error: get\(.*\) failed: the store threw outside any call, which ends its process: get\(.*\) blew up outside its callback/);
    assert.match(line(run.stdout, 'length'), /^pass /, 'a new box after the crash: the next check ran');
  });

  test('D12: a valid .ts store outside a "type": "module" package loads and conforms, exit 0', async (t) => {
    const run = await timed(t, ['conform', '--store', `${FIXTURES}/plain-ts-outside-module/store.ts`]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^Map store in plain TypeScript/);
    assert.match(run.stdout, /\d+ passed, 0 failed/);
  });

  test('D12: a module that does not load shows its own error, one line, exit 2', async (t) => {
    const run = await timed(t, ['conform', '--store', `${FIXTURES}/missing-import.mts`]);
    assert.equal(run.code, 2);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /missing-import\.mts: the module does not load: Cannot find package 'sessionbench-no-such-package'/);
  });
});

describe('conform: the checks for what breaks users', () => {
  for (const [fixture, check, expected] of [
    ['leaks-other-session.mjs', 'isolation', /^FAIL .*leaked-session: get of an id never stored returned another session's data/],
    ['never-calls-back.mjs', 'calls-back', /^FAIL .*no-callback: no callback within 5 s from get of a missing session/],
    ['double-callback.mjs', 'calls-back-once', /^FAIL .*double-callback: called back more than once: set \(2 times\)/],
    ['throws-async-in-set.mjs', 'errors-via-callback', /^FAIL .*thrown-error: set\(\) of a session holding a BigInt: the store threw outside any call, which ends its process: Do not know how to serialize a BigInt/],
  ] as const) {
    test(`${check} fails on ${fixture}, exit 1`, async (t) => {
      const run = await timed(t, ['conform', '--store', `${FIXTURES}/${fixture}`]);
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.match(line(run.stdout, check), expected);
      assert.match(line(run.stdout, 'set-get'), /^pass /, 'the store otherwise works');
    });
  }
});
