import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, test } from 'node:test';
import { parseRunResult } from '../reports/input.ts';
import { runCli } from './helpers/cli.ts';

const HARNESS_PROCESSES = /redis-server|memcached|postgres|ferretdb|app\/process-main\.ts|app\/balancer-main\.ts|k6 run/;
const root = mkdtempSync(path.join(tmpdir(), 'sessionbench-sigint-'));
after(() => rmSync(root, { recursive: true, force: true }));

function harnessProcesses(): Set<string> {
  const lines = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n');
  return new Set(lines.filter((line) => HARNESS_PROCESSES.test(line)).map((line) => line.trim()));
}

function sessionbenchTempDirs(): Set<string> {
  return new Set(readdirSync(tmpdir()).filter((name) => name.startsWith('sessionbench-') && !root.endsWith(name)));
}

const moments = Array.from({ length: 5 }, () => Math.round(300 + Math.random() * 13_000));

for (const [i, moment] of moments.entries()) {
  test(`SIGINT ${moment} ms into a run stops everything and keeps a partial result`, async () => {
    const before = harnessProcesses();
    const tempBefore = sessionbenchTempDirs();
    const out = path.join(root, `run-${i}`);
    let interruptedAt = 0;
    const run = await runCli(['--store', 'memory,redis,postgres', '--duration', '3s', '--warmup', '1s', '--out', out], {
      timeoutMs: 60_000,
      onSpawn: (pid) => {
        void delay(moment).then(() => {
          interruptedAt = Date.now();
          process.kill(pid, 'SIGINT');
        });
      },
    });
    const stoppedWithin = Date.now() - interruptedAt;
    await delay(200);
    const left = [...harnessProcesses()].filter((line) => !before.has(line));
    assert.deepEqual(left, [], 'no process started by the harness remains');
    const tempLeft = [...sessionbenchTempDirs()].filter((name) => !tempBefore.has(name));
    assert.deepEqual(tempLeft, [], 'no temp directory remains');
    if (run.code === 0) return; // the run ended before the signal arrived
    if (run.signal === 'SIGINT') {
      assert.equal(existsSync(out), false, 'interrupted while Node was still loading: nothing was started or written');
      return;
    }
    assert.equal(run.code, 130, run.stderr);
    assert.ok(stoppedWithin < 7000, `stopped ${stoppedWithin} ms after SIGINT`);
    const [stamp] = existsSync(out) ? readdirSync(out) : [];
    assert.ok(stamp, 'a results directory was written');
    const result = parseRunResult(readFileSync(path.join(out, stamp, 'results.json'), 'utf8'), 'partial results');
    assert.equal(result.partial, true);
    assert.deepEqual(readdirSync(path.join(out, stamp)).filter((name) => name.endsWith('.tmp')), [], 'no half-written file');
  });
}
