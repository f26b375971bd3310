import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { buildPlan } from '../harness/plan/plan.ts';
import { benchOptions, warmupCapSeconds } from '../harness/plan/options.ts';
import { parseProcStat, watchMachineLoad } from '../harness/plan/machine-load.ts';
import { isSteady } from '../harness/load/steady-state.ts';
import { SILENT_OBSERVER } from '../harness/run/context.ts';
import { runBench } from '../harness/run/runner.ts';
import type { OkEntry } from '../contract/result.ts';
import { runResultSchema } from '../contract/result.ts';

describe('steady state', () => {
  test('three 1 s windows within 10% of their mean agree; a rising or empty run does not', () => {
    assert.equal(isSteady([100, 400, 1000, 1040, 980]), true);
    assert.equal(isSteady([100, 400, 700, 1000]), false);
    assert.equal(isSteady([1000, 1040]), false, 'too few windows');
    assert.equal(isSteady([0, 0, 0]), false, 'no traffic is not a steady state');
  });

  test('the cap is 5× --warmup, at most 30 s, never below --warmup', () => {
    assert.deepEqual([0, 1, 2, 5, 10, 60].map(warmupCapSeconds), [0, 5, 10, 25, 30, 60]);
  });
});

describe('machine load', () => {
  test('steal comes from the cpu line of /proc/stat; a kernel without the field gives none', () => {
    assert.deepEqual(parseProcStat('cpu  100 0 50 800 10 0 5 35 0 0\ncpu0 1 2 3 4 5 6 7 8'), { steal: 35, total: 1000 });
    assert.equal(parseProcStat('cpu  100 0 50 800\n'), undefined);
  });

  test('this machine reports its load average, and steal where it is Linux', async () => {
    const watch = watchMachineLoad();
    await delay(300);
    const load = watch.read();
    assert.equal(load.loadAverageStart.length, 3);
    if (process.platform === 'linux') assert.ok(load.stealPercent !== undefined && load.stealPercent >= 0 && load.stealPercent <= 100);
  });
});

describe('a run on memory and redis (real servers)', () => {
  test('repetitions run round-robin, each warmed up to steady state or the cap, with the store probed alone and the loop watched', async () => {
    const plan = buildPlan(benchOptions({ store: 'memory,redis', scenario: 'read-heavy', duration: '1', warmup: '1', connections: '4', repeat: '2', payload: '512', out: 'unused', probeOps: '40', memorySessions: '200' }), {});
    const result = await runBench(plan, SILENT_OBSERVER, AbortSignal.timeout(240_000));
    assert.equal(result.partial, false);
    runResultSchema.parse(result);
    assert.deepEqual(
      result.entries.map((entry) => [entry.sequence, entry.store, entry.repetition, entry.status]),
      [[1, 'memory', 1, 'ok'], [2, 'redis', 1, 'ok'], [3, 'redis', 2, 'ok'], [4, 'memory', 2, 'ok']],
      'repetition 1 of every store before repetition 2, the second round in reverse order',
    );
    assert.equal(result.plan.probeOperations, 40);
    assert.equal(result.plan.warmupCapSeconds, 5);
    const machine = result.env.machineLoad;
    assert.ok(machine && machine.loadAverageStart.length === 3 && machine.loadAverageEnd.length === 3);
    for (const entry of result.entries as OkEntry[]) {
      const label = `${entry.store} #${entry.repetition}`;
      const warm = entry.warmupControl;
      assert.ok(warm, `${label}: warm-up recorded`);
      assert.ok(warm.seconds >= 1 && warm.seconds <= warm.capSeconds + 1, `${label}: warm-up ${warm.seconds} s within [1, cap ${warm.capSeconds} + 1 s to stop]`);
      if (!warm.settled) assert.ok(warm.seconds >= warm.capSeconds - 0.5, `${label}: an unsettled warm-up ran to the cap (${warm.seconds} s)`);
      assert.ok(warm.windows.length >= 1 && warm.windows.some((n) => n > 0), `${label}: throughput windows`);
      for (const op of ['get', 'set', 'touch', 'destroy'] as const) {
        // The store alone is probed once per store and scenario, on the first repetition's app.
        assert.equal(entry.storeOpsIntrinsic?.[op]?.count, entry.repetition === 1 ? 40 : undefined, `${label}: ${op} probed alone on repetition 1 only`);
      }
      assert.ok(entry.storeOps?.get && entry.storeOps.get.count > 0, `${label}: get timed under load`);
      assert.ok(entry.eventLoop && entry.eventLoop.utilization > 0 && entry.eventLoop.delayUs.count > 0, `${label}: loop watched`);
      if (entry.repetition === 1) {
        // Memory per session, on its own: 200 logins read against the memory that holds sessions, then logged out.
        const memory = entry.sessionMemory;
        assert.ok(memory, `${label}: memory per session measured before the first repetition`);
        assert.equal(memory.logins, 200);
        assert.equal(memory.source, entry.store === 'redis' ? 'INFO memory used_memory' : 'app heap after GC');
        assert.ok(memory.bytesPerSession > 512, `${label}: ${memory.bytesPerSession} B per session holds at least the 512 B payload`);
        assert.ok((entry.sessionsStored ?? 0) < 200, `${label}: the 200 logins were logged out again (${entry.sessionsStored} stored after the phase)`);
      } else assert.equal(entry.sessionMemory, undefined, `${label}: measured once per store`);
      const writes = entry.storeWrites;
      assert.equal(writes?.requests, entry.measured.requests, `${label}: writes per request of the measured phase`);
      assert.ok(writes.touch > 0 && writes.touchBytes > writes.touch * 512, `${label}: unchanged reads touch the whole session`);
    }
  });
});
