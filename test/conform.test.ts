import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { RunResult } from '../contract/result.ts';
import { runResultSchema } from '../contract/result.ts';
import { renderMarkdown } from '../reports/render/markdown.ts';
import { runMain } from './helpers/main.ts';

const FIXTURES = './test/fixtures/stores';
const root = mkdtempSync(path.join(tmpdir(), 'sessionbench-conform-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** The verdict line of one check in `conform` output. */
function line(stdout: string, check: string): string {
  const found = stdout.split('\n').find((text) => new RegExp(`^\\S+\\s+${check}\\s`).test(text));
  assert.ok(found, `no line for ${check} in:\n${stdout}`);
  return found;
}

describe('sessionbench conform', () => {
  test("a built-in store: one line per check; MemoryStore's set throws on a session JSON cannot hold, exit 1", async () => {
    const run = await runMain(['conform', '--store', 'memory']);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(line(run.stdout, 'touch-vs-set'), /^pass /);
    assert.match(line(run.stdout, 'ttl-honoured'), /^pass /);
    assert.match(line(run.stdout, 'errors-via-callback'), /^FAIL .*thrown-error: a session holding a BigInt: set\(\) threw instead of calling back: Do not know how to serialize a BigInt/);
    assert.match(run.stdout, /16 passed, 1 failed, 0 not applicable/);
  });

  test('a touch that re-saves the loaded session: the violation named, exit 1', async () => {
    const run = await runMain(['conform', '--store', `${FIXTURES}/resaving-touch-store.ts`]);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(line(run.stdout, 'touch-vs-set'), /^FAIL .*touch-rewrites-session: a touch carrying the session loaded before a write put its counter back from 1 to 0/);
    assert.match(line(run.stdout, 'set-get'), /^pass /, 'only the broken part fails');
  });

  test('a get that returns expired sessions: the violation named, exit 1', async () => {
    const run = await runMain(['conform', '--store', `${FIXTURES}/expired-get-store.mjs`]);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(line(run.stdout, 'ttl-honoured'), /^FAIL .*expired-returned: get returned the session 4100 ms after it was set with a 2500 ms maxAge/);
    assert.match(line(run.stdout, 'all'), /^n\/a .*the Store has no all\(\)/);
  });

  test('a custom store on a provisioned server conforms', async () => {
    const run = await runMain(['conform', '--store', `${FIXTURES}/my-redis-store.mjs`]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^Redis \(connect-redis, prefix mine:\) on Redis \d+\.\d+/);
    assert.match(run.stderr, /redis: Redis .* from /, 'the server was provisioned like bench does');
  });

  test('interrupted: stops at once with exit 130', async () => {
    const signals = new EventEmitter();
    const started = performance.now();
    const pending = runMain(['conform', '--store', 'memory'], { signals });
    setTimeout(() => signals.emit('signal', 'SIGTERM'), 500);
    const run = await pending;
    assert.equal(run.code, 130, run.stdout + run.stderr);
    assert.match(run.stderr, /interrupted \(SIGTERM\): stopping/);
    assert.ok(performance.now() - started < 3000, 'the ttl checks (over 6 s) were not waited for');
    const boxes = execFileSync('ps', ['--ppid', String(process.pid), '-o', 'args='], { encoding: 'utf8' }).split('\n').filter((args) => args.includes('store-box-main'));
    assert.deepEqual(boxes, [], 'no store box outlives the command');
  });

  for (const [what, args, message] of [
    ['no --store', [], /--store: give one of none, memory/],
    ['an unknown id', ['--store', 'nope'], /--store: unknown "nope"; valid: .*or a path to a store module/],
    ['a path that does not exist', ['--store', './nowhere/store.mjs'], /--store \.\/nowhere\/store\.mjs: no such file/],
    ['a module without createStore', ['--store', `${FIXTURES}/not-a-store.mjs`], /not-a-store\.mjs: createStore: a function \(session, context\) => Store; export default \{ label, createStore/],
  ] as const) {
    test(`bad input: ${what} — one line, exit 2`, async () => {
      const run = await runMain(['conform', ...args]);
      assert.equal(run.code, 2);
      assert.equal(run.stdout, '');
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.match(run.stderr, message);
    });
  }
});

describe('bench --store <path>', () => {
  test('a custom store benchmarked end to end: recorded as custom:<name> with its source, reported like any store', async () => {
    const out = path.join(root, 'bench');
    const run = await runMain(['--store', `${FIXTURES}/my-redis-store.mjs,memory`, '--scenario', 'read-heavy,race', '--repeat', '1', '--duration', '2s', '--warmup', '1s', '--json', '--quiet', '--out', out], {});
    assert.equal(run.code, 0, run.stderr);
    const result = runResultSchema.parse(JSON.parse(run.stdout)) as RunResult;
    assert.deepEqual(result.plan.stores, ['custom:my-redis-store', 'memory']);
    const custom = result.entries.filter((entry) => entry.store === 'custom:my-redis-store');
    assert.deepEqual(custom.map((entry) => `${entry.scenario}:${entry.status}`).sort(), ['race:ok', 'race:ok', 'race:ok', 'read-heavy:ok']);
    for (const entry of custom) {
      assert.equal(entry.storeLabel, 'Redis (connect-redis, prefix mine:)');
      assert.equal(entry.storeSource?.path, `${FIXTURES}/my-redis-store.mjs`);
      assert.match(entry.storeSource?.sha256 ?? '', /^[0-9a-f]{64}$/);
      assert.match(entry.server?.label ?? '', /^Redis \d+\.\d+/);
    }
    assert.ok(result.env.packages['connect-redis'], 'the packages the module declared are recorded with their versions');
    const [dir] = readdirSync(out);
    assert.match(readFileSync(path.join(out, dir!, 'report.html'), 'utf8'), /Redis \(connect-redis, prefix mine:\)/);
    assert.match(renderMarkdown(result), /Redis \(connect-redis, prefix mine:\)/);
  });

  test('a module that does not export a valid definition: one line, exit 2, nothing written', async () => {
    const out = path.join(root, 'bad');
    const run = await runMain(['--store', `${FIXTURES}/not-a-store.mjs`, '--scenario', 'read-heavy', '--duration', '1s', '--out', out]);
    assert.equal(run.code, 2);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.throws(() => readdirSync(out), /ENOENT/);
  });
});
