// `sessionbench ab` end to end, on real apps (and a real Redis the run provisions): an A/A run comes
// out "no regression", an injected +2 ms per request comes out a regression, too few blocks are
// refused upfront, and a store file is compared with itself at a git ref.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { RunResult } from '../contract/result.ts';
import type { AbVerdict } from '../reports/verdict/ab.ts';
import { runCli } from './helpers/cli.ts';

const out = mkdtempSync(path.join(tmpdir(), 'sessionbench-ab-'));
after(() => rmSync(out, { recursive: true, force: true }));

/** Below saturation (one connection), short phases: a 2 ms wait shows in full. */
const SHORT = ['--scenario', 'read-heavy', '--connections', '1', '--duration', '1s', '--warmup', '0', '--probe-ops', '0', '--quiet'];

async function ab(name: string, args: string[], options: { cwd?: string } = {}) {
  const dir = path.join(out, name);
  const run = await runCli(['ab', ...args, '--out', dir, '--json'], { timeoutMs: 15 * 60_000, ...options });
  const verdict = run.stdout.trim() ? (JSON.parse(run.stdout) as AbVerdict & { variants: { a: { at?: string } } }) : undefined;
  const results = existsSync(dir) ? path.join(dir, readdirSync(dir)[0]!) : undefined;
  return { run, verdict, results, dir };
}

describe('ab: refused upfront when the design cannot reach significance', () => {
  test('--blocks 3 with three timing metrics: exit 2, one line naming the blocks needed, nothing written', async () => {
    const { run, dir } = await ab('too-few', ['--store', 'memory', ...SHORT, '--blocks', '3', '--b', '--added-latency 2']);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /--blocks 3: 3 timing metrics at alpha 0\.05 .* need at least 7 blocks to reach significance; use --blocks 7/);
    assert.equal(existsSync(dir), false);
  });

  test('a variant option that is not a bench option: exit 2, one line', async () => {
    const { run } = await ab('bad-variant', ['--store', 'memory', '--b', '--frobnicate 1']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--b '--frobnicate 1': unknown option '--frobnicate'/);
    assert.equal(run.stderr.trim().split('\n').length, 1);
  });
});

/** The machine's load, for the message of a failed timing assertion (other work on shared cores moves timings). */
const machine = () => `load average ${loadavg().map((value) => value.toFixed(1)).join(' ')} on ${cpus().length} cores`;

for (const store of ['memory', 'redis']) {
  describe(`ab on ${store}`, () => {
    test('A/A: no timing metric moves, no count moves, exit 0', async () => {
      // Sequential blocks on memory, simultaneous ones (--duet) on Redis: both modes are covered.
      const { run, verdict, results } = await ab(`aa-${store}`, ['--store', store, ...SHORT, '--blocks', '7', ...(store === 'redis' ? ['--duet'] : [])]);
      assert.equal(run.code, 0, `${run.stderr}\n${run.stdout}`);
      assert.ok(verdict);
      assert.equal(verdict.blocks, 7);
      assert.deepEqual(verdict.timing.map((metric) => metric.metric), ['throughput', 'p99', 'appCpuPerRequest']);
      assert.deepEqual(verdict.timing.map((metric) => metric.verdict), ['tied', 'tied', 'tied'], JSON.stringify(verdict.timing));
      assert.ok(verdict.counts.length >= 2 && verdict.counts.every((count) => count.verdict === 'tied'), JSON.stringify(verdict.counts));
      assert.equal(verdict.regressions, 0);
      if (store === 'memory') {
        // Judged again from its directory: the same verdict, the blocks' orders kept (each side's file has one start time).
        const again = await runCli(['ab', '--from', results!, '--json']);
        assert.equal(again.code, 0, again.stderr);
        const judged = JSON.parse(again.stdout) as AbVerdict;
        assert.deepEqual(judged.orders, verdict.orders);
        assert.deepEqual(judged.timing.map((metric) => metric.test.pTwoSided), verdict.timing.map((metric) => metric.test.pTwoSided));
      }
    });

    test('B adds 2 ms to every request: throughput regresses (p99 is not better), exit 1', async () => {
      // Simultaneous blocks: load from other work on the machine slows A and B alike.
      const { run, verdict, results } = await ab(`slow-${store}`, ['--store', store, ...SHORT, '--blocks', '9', '--duet', '--b', '--added-latency 2']);
      assert.equal(run.code, 1, `${machine()}\n${run.stderr}\n${run.stdout}`);
      assert.ok(verdict && results);
      const throughput = verdict.timing.find((metric) => metric.metric === 'throughput')!;
      assert.equal(throughput.verdict, 'worse', `${machine()}: ${JSON.stringify(throughput)}`);
      assert.ok(throughput.changePercent < -5);
      // p99 at one connection on a shared machine is mostly scheduling stalls of tens of ms: +2 ms
      // is often within its noise, so it may be tied, never better.
      const p99 = verdict.timing.find((metric) => metric.metric === 'p99')!;
      assert.notEqual(p99.verdict, 'better', JSON.stringify(p99));
      assert.ok(verdict.counts.every((count) => count.verdict === 'tied'), 'a wait is not a count');
      const a = JSON.parse(readFileSync(path.join(results, 'a.results.json'), 'utf8')) as RunResult;
      const b = JSON.parse(readFileSync(path.join(results, 'b.results.json'), 'utf8')) as RunResult;
      assert.equal(a.entries.length, 9);
      assert.equal(b.entries.length, 9);
      assert.deepEqual(b.entries.map((entry) => entry.repetition), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });
  });
}

describe('ab: a store file against the same file at a git ref', () => {
  test('--a "--at HEAD" runs the committed file, B the working copy; the temp file is removed', async () => {
    const repo = mkdtempSync(path.join(out, 'repo-'));
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: repo, encoding: 'utf8' });
    const store = (extraGets: number) => `// MemoryStore; every get repeated ${extraGets} extra time(s).
export default {
  label: 'MemoryStore (git-ref test)',
  capabilities: { sharedAcrossInstances: false, countsSessions: true },
  createStore(session) {
    const store = new session.MemoryStore();
    const get = store.get.bind(store);
    store.get = (id, callback) => { let left = ${extraGets}; const again = () => (left-- > 0 ? get(id, again) : get(id, callback)); again(); };
    return store;
  },
};
`;
    git('init', '-q');
    writeFileSync(path.join(repo, 'store.mjs'), store(0));
    git('add', 'store.mjs');
    git('commit', '-qm', 'store');
    writeFileSync(path.join(repo, 'store.mjs'), store(0).replace('MemoryStore (git-ref test)', 'MemoryStore (git-ref test, working copy)'));
    // Simultaneous blocks: A and B are the same code, and a slow spell of the host then hits both
    // (sequential blocks once put B's p99 behind in 7 of 7 blocks on CI).
    const { run, verdict, results } = await ab('git-ref', ['--store', path.join(repo, 'store.mjs'), ...SHORT, '--blocks', '7', '--duet', '--a', '--at HEAD']);
    assert.equal(run.code, 0, `${run.stderr}\n${run.stdout}`);
    assert.ok(verdict && results);
    assert.equal(verdict.variants.a.at, 'HEAD');
    const a = JSON.parse(readFileSync(path.join(results, 'a.results.json'), 'utf8')) as RunResult;
    const b = JSON.parse(readFileSync(path.join(results, 'b.results.json'), 'utf8')) as RunResult;
    // Side by side, both share every CPU: on the app's one CPU the app started second lost every block's p99.
    assert.deepEqual(a.env.cpuPlacement, { mode: 'shared', reason: '--duet: A and B run side by side on every CPU' });
    assert.equal(a.entries[0]!.storeLabel, 'MemoryStore (git-ref test)');
    assert.equal(b.entries[0]!.storeLabel, 'MemoryStore (git-ref test, working copy)');
    assert.notEqual(a.entries[0]!.storeSource?.sha256, b.entries[0]!.storeSource?.sha256);
    assert.equal(b.entries[0]!.store, a.entries[0]!.store, "B's entries carry A's store id, so they pair");
    assert.equal(verdict.timing.length, 3, 'throughput, p99 and app CPU per request');
    assert.deepEqual(readdirSync(repo).filter((name) => name.startsWith('.sessionbench-ab-')), [], 'the file taken at the ref is removed');
  });

  test('a ref where the file does not exist: exit 2, one line', async () => {
    const repo = mkdtempSync(path.join(out, 'norepo-'));
    writeFileSync(path.join(repo, 'store.mjs'), 'export default {}\n');
    const { run } = await ab('git-ref-bad', ['--store', path.join(repo, 'store.mjs'), ...SHORT, '--blocks', '7', '--a', '--at no-such-ref']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--at no-such-ref: cannot read .*store\.mjs at that ref/);
    assert.equal(run.stderr.trim().split('\n').length, 1);
  });
});
