import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { OkEntry, RunResult } from '../contract/result.ts';

/**
 * gate-check's trials (`--from`), on blocks built from one recorded entry: the resampling, the
 * pooling of several stored sets and its refusals. Measuring blocks is what `npm run gate-check` does
 * on real servers; these blocks are constructed so the right verdict of every trial is known.
 */
const repo = fileURLToPath(new URL('..', import.meta.url));
const root = mkdtempSync(path.join(tmpdir(), 'sessionbench-gate-check-'));
after(() => rmSync(root, { recursive: true, force: true }));

const fixture = JSON.parse(readFileSync(new URL('./fixtures/run-result.json', import.meta.url), 'utf8')) as RunResult;
const template = fixture.entries.find((entry): entry is OkEntry => entry.status === 'ok' && entry.store === 'memory' && entry.kind === 'load' && entry.storeOps?.get !== undefined && entry.storeWrites !== undefined)!;

/** A run of the one entry: throughput, and the app's CPU per request in µs, and extra gets per request. */
function run(throughput: number, cpuUsPerRequest: number, extraGetsPerRequest = 0): RunResult {
  const requests = template.storeWrites!.requests;
  return {
    ...fixture,
    entries: [
      {
        ...template,
        measured: { ...template.measured, throughput },
        cpu: { generatorSaturated: false, ...template.cpu, app: (cpuUsPerRequest * throughput) / 10_000 },
        storeOps: { ...template.storeOps, get: { ...template.storeOps!.get!, count: template.storeOps!.get!.count + extraGetsPerRequest * requests } },
      },
    ],
  };
}

/** Stored blocks as `gate-check --out` writes them: A1 and A2 apart by ±2 %, either way; each change moves exactly what it should. */
function store(dir: string, blocks: number, options = '--store memory --scenario read-heavy', cpuUs = 100): string {
  const full = path.join(root, dir);
  mkdirSync(full, { recursive: true });
  const block = (i: number) => {
    const base = 1000 + 50 * i;
    const apart = i % 2 === 0 ? 1.02 : 1 / 1.02;
    return { a1: run(base * apart, 40 * apart), a2: run(base, 40), latency: run(base * 0.5, 40), cpu: run(base * 0.9, 52), storeCall: run(base, 40, 1) };
  };
  const stored = { options, cpuUs, blocks: Array.from({ length: blocks }, (_, i) => block(i)), blockTimes: Array.from({ length: blocks }, () => 60_000), measuredMs: blocks * 60_000, loadStart: '0.5', loadEnd: '0.6' };
  writeFileSync(path.join(full, 'gate-check.json'), JSON.stringify(stored));
  return full;
}

/**
 * Stored duet blocks: each change ran beside an unchanged partner of its own, and a slow spell of the
 * machine (a factor from 0.5 to 1.5 per pair) hit both runs of the pair but not A1 and A2.
 */
function storeDuet(dir: string, blocks: number): string {
  const full = path.join(root, dir);
  mkdirSync(full, { recursive: true });
  const block = (i: number) => {
    const base = 1000 + 50 * i;
    const spell = (k: number) => 0.5 + (((i * 7 + k * 3) % 11) / 10);
    const pair = (k: number, throughput: number, cpuUs: number, extraGets = 0) => ({ partner: run(base * spell(k), 40 * spell(k)), change: run(throughput * spell(k), cpuUs * spell(k), extraGets) });
    const latency = pair(1, base * 0.5, 40);
    const cpu = pair(2, base * 0.9, 52);
    const storeCall = pair(3, base, 40, 1);
    const apart = i % 2 === 0 ? 1.02 : 1 / 1.02;
    return { a1: run(base * apart, 40 * apart), a2: run(base, 40), latency: latency.change, cpu: cpu.change, storeCall: storeCall.change, partners: { latency: latency.partner, cpu: cpu.partner, storeCall: storeCall.partner } };
  };
  const stored = { options: '--store memory --scenario read-heavy', cpuUs: 100, duet: true, blocks: Array.from({ length: blocks }, (_, i) => block(i)), blockTimes: Array.from({ length: blocks }, () => 48_000), measuredMs: blocks * 48_000, loadStart: '0.5', loadEnd: '0.6' };
  writeFileSync(path.join(full, 'gate-check.json'), JSON.stringify(stored));
  return full;
}

function gateCheck(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'harness/cli/gate-check-ab.ts', ...args], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('gate-check --from', () => {
  test('two stored sets pooled: no false alarm, every change detected by what it moves; exit 0', () => {
    const first = store('first', 5);
    const second = store('second', 4);
    const run = gateCheck('--from', `${first},${second}`, '--trial-blocks', '8', '--trials', '30');
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /blocks: 9 stored in /);
    assert.match(run.stdout, /false alarms: 0 of 30 A\/A trials \(0\.0 %; goal ≤ 5 %\)/);
    assert.match(run.stdout, /detections, \+2 ms per request: 30 of 30 trials .* caught by memory throughput ×30/);
    assert.match(run.stdout, /detections, \+100 µs CPU per request: 30 of 30 trials .* caught by [^;]*memory app CPU per request ×30/);
    assert.match(run.stdout, /detections, \+1 store round trip per request: 30 of 30 trials .* caught by memory store calls per request ×30/);
    assert.match(run.stdout, /wall time: this measurement 9\.0 min \(9 blocks/);
  });

  test('duet blocks: each change judged against its own partner, so a spell both runs of a pair shared cancels', () => {
    const run = gateCheck('--from', storeDuet('duet', 9), '--trial-blocks', '8', '--trials', '30');
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /false alarms: 0 of 30 A\/A trials/);
    assert.match(run.stdout, /detections, \+100 µs CPU per request: 30 of 30 trials .* caught by [^;]*memory app CPU per request ×30/);
    assert.match(run.stdout, /measured effect over all blocks: memory throughput -10\.0%/, 'B against its partner, not against A1');
    assert.match(run.stdout, /9 blocks × 4 pairs side by side, median block 0\.8 min\); the workflow's A\/B step on this machine: 8 blocks × a pair side by side = 1\.6 min/);
    const mixed = gateCheck('--from', `${storeDuet('duet-2', 4)},${store('sequential', 4)}`, '--trial-blocks', '8');
    assert.equal(mixed.code, 2, mixed.stderr);
    assert.match(mixed.stderr, /--from .*sequential: measured sequential, .*duet-2 in duet; pool only blocks measured alike/);
  });

  test('sets measured with other options or CPU work are not pooled: exit 2, one line', () => {
    const first = store('same', 4);
    const other = store('other-cpu', 4, '--store memory --scenario read-heavy', 150);
    const run = gateCheck('--from', `${first},${other}`, '--trial-blocks', '8');
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /--from .*other-cpu: measured with '--store memory --scenario read-heavy' and 150 µs of CPU work, .*same with .* and 100 µs; pool only blocks measured alike \(gate-check --added-cpu 100\)/);
  });

  test('fewer stored blocks than a trial draws, or no stored blocks: exit 2, one line', () => {
    const few = store('few', 3);
    const tooFew = gateCheck('--from', few, '--trial-blocks', '8');
    assert.equal(tooFew.code, 2, tooFew.stderr);
    assert.match(tooFew.stderr, /--from .*few: 3 blocks stored, fewer than trials of 8 draw; measure more \(gate-check --out\) or give --trial-blocks 3/);
    const none = gateCheck('--from', path.join(root, 'nothing-here'));
    assert.equal(none.code, 2, none.stderr);
    assert.match(none.stderr, /--from .*nothing-here: no stored blocks there \(ENOENT\); give a directory a gate-check --out wrote/);
  });
});
