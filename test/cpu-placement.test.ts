import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { allowedCpus, parseCpuList, sameCpus, splitCpus } from '../harness/run/cpu-placement.ts';
import { startAppChild } from '../harness/app/child.ts';
import { buildPlan } from '../harness/plan/plan.ts';
import { benchOptions } from '../harness/plan/options.ts';
import { runBench } from '../harness/run/runner.ts';
import { SILENT_OBSERVER } from '../harness/run/context.ts';
import { sessionSettings } from '../harness/plan/plan.ts';

describe('CPU placement', () => {
  test('CPU lists as the kernel writes them, and the split: half (at least one) for the app, the rest for the harness', () => {
    assert.deepEqual(parseCpuList('0-1\n'), [0, 1]);
    assert.deepEqual(parseCpuList('0,2-4,7'), [0, 2, 3, 4, 7]);
    assert.deepEqual(splitCpus([0, 1]), { appCpus: [0], harnessCpus: [1] });
    assert.deepEqual(splitCpus([0, 1, 2, 3, 4]), { appCpus: [0, 1], harnessCpus: [2, 3, 4] });
    assert.equal(splitCpus([3]), undefined);
    assert.equal(sameCpus([1, 0, 0], [0, 1]), true);
    assert.equal(sameCpus([0], [0, 1]), false);
    const mine = allowedCpus();
    assert.ok(mine, 'this test needs /proc (Linux)');
    assert.deepEqual(mine, [...mine].sort((a, b) => a - b), 'sorted, each once');
  });

  test('an app told its CPUs runs on them, as the kernel reports for its process', async () => {
    const before = allowedCpus();
    assert.ok(before && before.length >= 2, `this test needs a Linux machine with two or more CPUs; allowed: ${before?.join(',') ?? 'no /proc'}`);
    const app = await startAppChild({ store: 'memory', settings: sessionSettings(), app: { payloadBytes: 64 }, cpus: [before[0]!] });
    try {
      assert.deepEqual(allowedCpus(app.pids[0]!), [before[0]]);
    } finally {
      await app.stop();
    }
  });

  test('a run splits the CPUs, records the split, and gives the harness its CPUs back; --cpu-placement shared records why it shared', async () => {
    const before = allowedCpus();
    assert.ok(before && before.length >= 2, `this test needs a Linux machine with two or more CPUs; allowed: ${before?.join(',') ?? 'no /proc'}`);
    const options = { store: 'memory', scenario: 'read-heavy', repeat: '1', duration: '1', warmup: '0', connections: '1', payload: '512', out: 'unused', probeOps: '20', memorySessions: '0' };
    const split = await runBench(buildPlan(benchOptions(options), {}), SILENT_OBSERVER, AbortSignal.timeout(60_000));
    assert.equal(split.entries[0]?.status, 'ok');
    assert.deepEqual(split.env.cpuPlacement, { mode: 'split', ...splitCpus(before) });
    assert.deepEqual(allowedCpus(), before, 'the harness has all its CPUs again');
    const shared = await runBench(buildPlan(benchOptions({ ...options, cpuPlacement: 'shared' }), {}), SILENT_OBSERVER, AbortSignal.timeout(60_000));
    assert.deepEqual(shared.env.cpuPlacement, { mode: 'shared', reason: '--cpu-placement shared' });
    // Several instances on the app's CPUs would share one core here: they share every CPU instead, and say so.
    const instances = await runBench(buildPlan(benchOptions({ ...options, instances: '2' }), {}), SILENT_OBSERVER, AbortSignal.timeout(60_000));
    assert.equal(instances.entries[0]?.status, 'ok');
    assert.deepEqual(instances.env.cpuPlacement, { mode: 'shared', reason: '--instances 2: the instances share every CPU' });
    assert.deepEqual(allowedCpus(), before);
  });
});
