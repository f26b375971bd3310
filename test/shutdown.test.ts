import assert from 'node:assert/strict';
import { waitUntil } from './helpers/wait.ts';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, test } from 'node:test';
import { parseRunResult } from '../contract/read.ts';
import { mulberry32 } from './helpers/random.ts';
import { runCli } from './helpers/cli.ts';
import { describeProcesses, processesMarked } from './helpers/processes.ts';

const root = mkdtempSync(path.join(tmpdir(), 'sessionbench-sigint-'));
// PostgreSQL runs as its own user and must reach its temp dir under the runs' private TMPDIRs.
chmodSync(root, 0o755);
after(() => rmSync(root, { recursive: true, force: true }));

const SEED = Number(process.env.SHUTDOWN_SEED ?? Date.now() % 1_000_000);
const random = mulberry32(SEED);
/**
 * Moments after the harness's first log line (so Node has loaded and the run has begun): one inside
 * provisioning (PostgreSQL's initdb), the others spread over the memory store's run and Redis' measurement.
 */
const MOMENT_RANGES_MS: [number, number][] = [[200, 1000], [1000, 8000], [12_000, 20_000], [12_000, 20_000], [8000, 20_000]];
const cases = MOMENT_RANGES_MS.map(([from, to], i) => ({ moment: Math.round(from + random() * (to - from)), signal: (i === 4 ? 'SIGHUP' : 'SIGINT') as NodeJS.Signals }));

test(`seed ${SEED} (replay with SHUTDOWN_SEED=${SEED})`, (t) => t.diagnostic(JSON.stringify(cases)));

for (const [i, { moment, signal }] of cases.entries()) {
  test(`group ${signal} ${moment} ms into a run, as a terminal sends it: exit 130 within 5 s, a partial result, nothing left`, async (t) => {
    const mark = `${process.pid}-${i}-${Date.now()}`;
    // A private TMPDIR for the run: what is left in it was left by this run alone.
    const tmp = path.join(root, `tmp-${i}`);
    mkdirSync(tmp, { mode: 0o755 });
    chmodSync(tmp, 0o755);
    const out = path.join(root, `run-${i}`);
    let interruptedAt = 0;
    const run = await runCli(['--store', 'memory,redis,postgres', '--scenario', 'read-heavy', '--repeat', '1', '--duration', '4s', '--warmup', '1s', '--out', out], {
      env: { SESSIONBENCH_TEST_MARK: mark, TMPDIR: tmp },
      timeoutMs: 60_000,
      ownProcessGroup: true,
      onFirstStderr: (pid) => {
        void delay(moment).then(() => {
          interruptedAt = Date.now();
          try {
            process.kill(-pid, signal);
          } catch {
            /* the run had already ended */
          }
        });
      },
    });
    const stoppedWithin = Date.now() - interruptedAt;
    t.diagnostic(`exit ${run.code ?? run.signal} ${stoppedWithin} ms after ${signal}; stderr: ${run.stderr.trim().split('\n').slice(-4).join(' / ')}`);
    // The harness may still be reaping its last child when it exits: wait (bounded) until none is left, then assert.
    await waitUntil('no process of the run is left', () => processesMarked(mark).length === 0, { timeoutMs: 3000 }).catch(() => {});
    const left = describeProcesses(processesMarked(mark));
    assert.deepEqual(left, [], 'no process started by the harness remains');
    const tempLeft = readdirSync(tmp).filter((name) => name.startsWith('sessionbench-'));
    assert.deepEqual(tempLeft, [], 'no temp directory remains');
    assert.ok(interruptedAt > 0, 'the signal was sent while the run was going');
    assert.equal(run.code, 130, run.stderr);
    assert.ok(stoppedWithin < 5000, `stopped ${stoppedWithin} ms after ${signal}`);
    const [stamp] = existsSync(out) ? readdirSync(out) : [];
    assert.ok(stamp, 'a results directory was written');
    const result = parseRunResult(readFileSync(path.join(out, stamp, 'results.json'), 'utf8'), 'partial results');
    assert.equal(result.partial, true);
    t.diagnostic(`partial result: ${JSON.stringify(result.entries.map((e) => [e.store, e.status]))}`);
    assert.ok(result.entries.every((e) => e.status !== 'failed' || e.reason.trim() !== ''), 'no empty failure reason');
    assert.deepEqual(readdirSync(path.join(out, stamp)).filter((name) => name.endsWith('.tmp')), [], 'no half-written file');
  });
}
