import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { findK6 } from '../harness/plan/k6-binary.ts';
import { isRunning, procStat, processTree, startTimeOf } from '../stores/servers/process-tree.ts';
import { runCli } from './helpers/cli.ts';
import { describeProcesses, processesMarked } from './helpers/processes.ts';
import type { SeenProcess } from './helpers/processes.ts';

/**
 * The harness killed outright (SIGKILL runs no code of it, as out-of-memory does): what it started must not
 * outlive it. A server paused by the outage scenario cannot act on its parent-death signal, and k6 has none.
 */

const root = mkdtempSync(path.join(tmpdir(), 'sessionbench-watchdog-'));
// PostgreSQL runs as its own user and must reach its temp dir under the runs' private TMPDIRs.
chmodSync(root, 0o755);
after(() => rmSync(root, { recursive: true, force: true }));

/** How long everything may take to go once the harness is killed: the watchdog's SIGTERM → SIGKILL bound (5 s) and a second to reap. */
const CLEANUP_BOUND_MS = 6500;

interface Aftermath {
  /** What the run had started when it was killed. */
  atKill: SeenProcess[];
  /** Time from the kill until no process of the run and no temp dir of it remained, or undefined if some still did after 10 s. */
  cleanupMs?: number;
  left: string[];
  tempLeft: string[];
}

/**
 * What the run has started: the harness's process tree and every marked process with its own tree
 * (redis-server and PostgreSQL's backends rewrite their title over their environment, hiding the mark).
 */
function processesOfRun(mark: string, harness: number): (SeenProcess & { startTime?: string })[] {
  const pids = new Set([...processTree(harness), ...processesMarked(mark).flatMap((p) => processTree(p.pid))]);
  return [...pids].flatMap((pid) => {
    const stat = procStat(pid);
    if (!stat || stat[0] === 'Z') return [];
    let command = '';
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    } catch {
      /* gone */
    }
    return [{ pid, state: stat[0]!, command, startTime: startTimeOf(pid) }];
  });
}

/** Runs the CLI with a mark and a private TMPDIR, SIGKILLs the harness alone once `ready(stderr)` holds, and watches what it leaves. */
async function killHarnessWhen(args: string[], ready: (stderr: string, mark: string) => boolean, name: string): Promise<Aftermath> {
  const mark = `${process.pid}-${name}-${Date.now()}`;
  const tmp = path.join(root, name);
  mkdirSync(tmp, { mode: 0o755 });
  chmodSync(tmp, 0o755);
  let killedAt = 0;
  let atKill: (SeenProcess & { startTime?: string })[] = [];
  let harness = 0;
  let logged = '';
  const tryKill = () => {
    if (killedAt || !harness || !ready(logged, mark)) return;
    atKill = processesOfRun(mark, harness).filter((p) => p.pid !== harness);
    process.kill(harness, 'SIGKILL');
    killedAt = performance.now();
  };
  const poll = setInterval(tryKill, 100);
  const run = await runCli([...args, '--out', path.join(root, `${name}-out`)], {
    env: { SESSIONBENCH_TEST_MARK: mark, TMPDIR: tmp },
    timeoutMs: 90_000,
    onSpawn: (pid) => (harness = pid),
    onStderr: (stderr) => {
      logged = stderr;
      tryKill();
    },
  }).finally(() => clearInterval(poll));
  assert.ok(killedAt > 0, `the harness ended before the moment came (exit ${run.code ?? run.signal}): ${run.stderr}`);
  assert.equal(run.signal, 'SIGKILL');
  const stillThere = () => [...atKill.filter((p) => isRunning(p.pid) && startTimeOf(p.pid) === p.startTime), ...processesMarked(mark).filter((p) => !atKill.some((q) => q.pid === p.pid))];
  const remaining = () => ({ left: describeProcesses(stillThere()), tempLeft: readdirSync(tmp).filter((entry) => entry.startsWith('sessionbench-')) });
  let now = remaining();
  while ((now.left.length > 0 || now.tempLeft.length > 0) && performance.now() - killedAt < 10_000) {
    await delay(20);
    now = remaining();
  }
  const cleanupMs = now.left.length === 0 && now.tempLeft.length === 0 ? Math.round(performance.now() - killedAt) : undefined;
  return { atKill, cleanupMs, ...now };
}

describe('the harness SIGKILLed while the outage scenario holds the server stopped', () => {
  for (const kind of ['redis', 'postgres'] as const) {
    test(`${kind}: the watchdog resumes and ends the server, the apps go, no temp dir remains`, { timeout: 120_000 }, async (t) => {
      const outcome = await killHarnessWhen(['--store', kind, '--repeat', '1', '--scenario', 'outage', '--warmup', '1s'], (stderr) => /paused \(SIGSTOP\)/.test(stderr), `outage-${kind}`);
      const stopped = outcome.atKill.filter((p) => p.state === 'T');
      t.diagnostic(`at the kill: ${stopped.length} stopped process(es): ${stopped.map((p) => `${p.pid} ${p.command.slice(0, 40)}`).join('; ')}`);
      t.diagnostic(`everything gone ${outcome.cleanupMs ?? 'never (10 s)'} ms after the kill`);
      assert.ok(stopped.length > 0, `the ${kind} server was stopped when the harness was killed: ${describeProcesses(outcome.atKill).join('; ')}`);
      if (kind === 'postgres') assert.ok(stopped.length > 1, 'the postmaster and its backends were stopped');
      assert.deepEqual(outcome.left, [], 'no process of the run remains');
      assert.deepEqual(outcome.tempLeft, [], 'no temp dir of the run remains');
      assert.ok(outcome.cleanupMs !== undefined && outcome.cleanupMs <= CLEANUP_BOUND_MS, `cleaned up in ${outcome.cleanupMs} ms`);
    });
  }
});

describe('the harness SIGKILLed during provisioning', () => {
  test("PostgreSQL's initdb ends and its temp dir goes", { timeout: 120_000 }, async (t) => {
    const initdb = (p: SeenProcess) => /\/initdb -D /.test(p.command);
    const outcome = await killHarnessWhen(['--store', 'postgres', '--repeat', '1', '--scenario', 'read-heavy'], (_stderr, mark) => processesMarked(mark).some(initdb), 'initdb');
    t.diagnostic(`at the kill: ${describeProcesses(outcome.atKill.filter(initdb)).join("; ")}; everything gone ${outcome.cleanupMs ?? 'never (10 s)'} ms after`);
    assert.ok(outcome.atKill.some(initdb), 'initdb was running when the harness was killed');
    assert.deepEqual(outcome.left, [], 'no process of the run remains');
    assert.deepEqual(outcome.tempLeft, [], 'no temp dir of the run remains');
    assert.ok(outcome.cleanupMs !== undefined && outcome.cleanupMs <= CLEANUP_BOUND_MS, `cleaned up in ${outcome.cleanupMs} ms`);
  });
});

describe('the harness SIGKILLed while k6 runs', () => {
  test('k6 ends with the harness and its script directory goes', { timeout: 120_000 }, async (t) => {
    assert.ok(findK6(), 'k6 binary not found (K6_BIN, PATH, ~/.cache/sessionbench/bin): build it with .ci/build-k6.sh');
    const k6Running = (mark: string) => processesMarked(mark).some((p) => /\bk6\b.* run /.test(p.command));
    const outcome = await killHarnessWhen(
      ['--store', 'memory', '--repeat', '1', '--scenario', 'read-heavy', '--driver', 'k6', '--rate', '50', '--duration', '30s', '--warmup', '1s'],
      (stderr, mark) => /measured/.test(stderr) && k6Running(mark),
      'k6',
    );
    const k6 = outcome.atKill.filter((p) => /\bk6\b.* run /.test(p.command));
    t.diagnostic(`at the kill: ${describeProcesses(k6).join('; ')}; everything gone ${outcome.cleanupMs ?? 'never (10 s)'} ms after`);
    assert.equal(k6.length, 1, 'k6 was running when the harness was killed');
    assert.deepEqual(outcome.left, [], 'k6 and the app do not outlive the harness');
    assert.deepEqual(outcome.tempLeft, [], "k6's script directory is removed");
    assert.ok(outcome.cleanupMs !== undefined && outcome.cleanupMs <= CLEANUP_BOUND_MS, `cleaned up in ${outcome.cleanupMs} ms`);
  });
});

describe('the watchdog itself', () => {
  test('a guarded, stopped process is resumed and ended and its directory removed; a released one is left alone', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(path.join(root, 'guarded-'));
    const script = `
      import { spawn } from 'node:child_process';
      import { guard, watchdogPid } from ${JSON.stringify(new URL('../stores/servers/watchdog.ts', import.meta.url).pathname)};
      const sleeper = () => { const child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' }); child.unref(); return child.pid; };
      const kept = sleeper();
      const released = sleeper();
      process.kill(kept, 'SIGSTOP');
      guard({ pid: kept, tempDir: ${JSON.stringify(dir)}, killAfterMs: 1000 });
      guard({ pid: released, killAfterMs: 1000 })();
      console.log(JSON.stringify({ kept, released, watchdog: watchdogPid() }));
      setInterval(() => {}, 1000);`;
    const driver = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pids = await new Promise<{ kept: number; released: number; watchdog: number }>((resolve) => driver.stdout.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString()))));
    try {
      assert.ok(isRunning(pids.watchdog), 'a watchdog runs beside the driver');
      driver.kill('SIGKILL');
      const deadline = Date.now() + 5000;
      while ((isRunning(pids.kept) || isRunning(pids.watchdog) || existsSync(dir)) && Date.now() < deadline) await delay(20);
      assert.equal(isRunning(pids.kept), false, 'the stopped, guarded process was ended');
      assert.equal(existsSync(dir), false, 'its directory was removed');
      assert.equal(isRunning(pids.watchdog), false, 'the watchdog left once done');
      assert.equal(isRunning(pids.released), true, 'a released process is not the watchdog\'s to end');
    } finally {
      for (const pid of [pids.kept, pids.released]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
  });
});
