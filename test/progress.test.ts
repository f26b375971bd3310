import assert from 'node:assert/strict';
import { waitUntil } from './helpers/wait.ts';
import { describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createProgress, positionLine } from '../harness/cli/progress.ts';
import { buildPlan } from '../harness/plan/plan.ts';
import { benchOptions } from '../harness/plan/options.ts';
import type { PhaseStep, RunObserver, RunPosition } from '../harness/run/context.ts';
import { estimateRemaining } from '../harness/run/eta.ts';
import { runBench } from '../harness/run/runner.ts';

/** A plain (not live) writer that keeps every line written to it. */
function capture(): { write: (text: string) => void; lines: () => string[] } {
  let text = '';
  return { write: (chunk) => (text += chunk), lines: () => text.split('\n').filter(Boolean) };
}

const INTERVAL = 20;

/** Waits until `lines()` has `count` lines matching `pattern` (ticks come late on a busy machine), at most 10 s. */
async function waitForLines(lines: () => string[], pattern: RegExp, count: number): Promise<void> {
  await waitUntil(`${count} lines match ${pattern}`, () => lines().filter((line) => pattern.test(line)).length >= count, { everyMs: INTERVAL });
}

describe('plain progress (not a TTY)', () => {
  test('a phase ticks while it runs and not once after it ends', async () => {
    const out = capture();
    const progress = createProgress({ quiet: false, write: out.write, live: false, intervalMs: INTERVAL });
    const ticker = progress.phase({ store: 'postgres', scenario: 'read-heavy', repetition: 0, phase: 'measured', seconds: 2 });
    await waitForLines(out.lines, /\/2s$/, 2);
    ticker.end();
    const atEnd = out.lines();
    assert.equal(atEnd[0], 'postgres · read-heavy · measured #1: 2s');
    assert.ok(atEnd.length >= 3, `ticks while running:\n${atEnd.join('\n')}`);
    assert.ok(atEnd.slice(1).every((line) => /^postgres · read-heavy · measured #1: \d\/2s$/.test(line)), atEnd.join('\n'));
    await delay(INTERVAL * 5);
    assert.deepEqual(out.lines(), atEnd, 'nothing after end()');
    ticker.end();
    progress.done();
  });

  test('the next phase stops the previous ticker; a stale end() does not stop the new one', async () => {
    const out = capture();
    const progress = createProgress({ quiet: false, write: out.write, live: false, intervalMs: INTERVAL });
    const load = progress.phase({ store: 'postgres', scenario: 'read-heavy', repetition: 0, phase: 'measured', seconds: 2 });
    const race = progress.phase({ store: 'postgres', scenario: 'race', phase: 'bursts', detail: 'resave=false', steps: 5 });
    race.advance(3);
    load.end();
    await waitForLines(out.lines, /3\/5/, 2);
    const lines = out.lines();
    assert.equal(lines.filter((line) => line.includes('read-heavy')).length, 1, `the load phase printed only its start:\n${lines.join('\n')}`);
    assert.equal(lines[1], 'postgres · race · bursts · resave=false: 0/5');
    assert.ok(lines.slice(2).length >= 2 && lines.slice(2).every((line) => /^postgres · race · bursts · resave=false: 3\/5 · 0s$/.test(line)), lines.join('\n'));
    progress.done();
    const done = out.lines().length;
    await delay(INTERVAL * 4);
    assert.equal(out.lines().length, done, 'nothing after done()');
  });

  test('an untimed phase (provisioning) prints no start line, then the time it has taken', async () => {
    const out = capture();
    const progress = createProgress({ quiet: false, write: out.write, live: false, intervalMs: INTERVAL });
    const ticker = progress.phase({ phase: 'provisioning', detail: 'redis, postgres' });
    await waitForLines(out.lines, /provisioning/, 1);
    ticker.end();
    const lines = out.lines();
    assert.ok(lines.length >= 1, 'it ticked');
    assert.ok(lines.every((line) => /^provisioning · redis, postgres: 0s$/.test(line)), lines.join('\n'));
  });

  test('the position line: store k of n · store · scenario · ETA', () => {
    const where: RunPosition = { store: 'redis', index: 2, count: 7, scenario: 'read-heavy', eta: { seconds: 65, atLeast: false } };
    assert.equal(positionLine(where), 'store 2 of 7 · redis · read-heavy · ETA ~1m05s');
    assert.equal(positionLine({ ...where, eta: { seconds: 45.4, atLeast: true } }), 'store 2 of 7 · redis · read-heavy · ETA ≥ 45s');
    assert.equal(positionLine({ ...where, eta: { seconds: 0, atLeast: true } }), 'store 2 of 7 · redis · read-heavy · ETA unknown');
    const out = capture();
    const progress = createProgress({ quiet: false, write: out.write, live: false });
    progress.position(where);
    assert.deepEqual(out.lines(), ['store 2 of 7 · redis · read-heavy · ETA ~1m05s']);
    const quiet = capture();
    createProgress({ quiet: true, write: quiet.write, live: false }).position(where);
    assert.deepEqual(quiet.lines(), []);
  });
});

describe('ETA', () => {
  test('planned seconds plus the overhead seen so far; a scenario already run elsewhere takes what it took there', () => {
    assert.deepEqual(estimateRemaining([{ scenario: 'read-heavy', planned: 6 }, { scenario: 'read-heavy', planned: 6 }]), { seconds: 12, atLeast: true });
    const units = [
      { scenario: 'read-heavy', planned: 6, elapsed: 8 },
      { scenario: 'race', elapsed: 3 },
      { scenario: 'ttl', planned: 4, skipped: true },
      { scenario: 'read-heavy', planned: 6 },
      { scenario: 'race' },
      { scenario: 'outage', planned: 10 },
    ];
    assert.deepEqual(estimateRemaining(units), { seconds: 8 + 3 + 12, atLeast: false });
    assert.deepEqual(estimateRemaining([...units, { scenario: 'race-serial' }]), { seconds: 23, atLeast: true });
  });

  test('round-robin repetitions: a unit part-way through is projected from its own rounds, and teaches the others', () => {
    // Two stores, 5 rounds each; round 1 done on both (10 s and 14 s per round).
    const units = [
      { scenario: 'read-heavy', planned: 30, rounds: { done: 1, left: 4, spent: 10 } },
      { scenario: 'read-heavy', planned: 30, rounds: { done: 1, left: 4, spent: 14 } },
      { scenario: 'write-heavy', planned: 30, rounds: { done: 0, left: 5, spent: 0 } },
    ];
    // 4 × 10 + 4 × 14 left on the two, and write-heavy: its 30 planned + the mean overhead (50 − 30, 70 − 30).
    assert.deepEqual(estimateRemaining(units), { seconds: 40 + 56 + 30 + 30, atLeast: false });
  });
});

describe('a real run reports where it stands and ends every phase', () => {
  test('memory and cookie × read-heavy and race-serial', async () => {
    const plan = buildPlan(
      benchOptions({ store: 'memory,cookie', scenario: 'read-heavy,race-serial', repeat: '1', duration: '1', warmup: '1', connections: '2', payload: '512', out: 'unused' }),
      {},
    );
    const events: string[] = [];
    const open = new Set<string>();
    const observer: RunObserver = {
      log: () => {},
      position: (where) => {
        assert.equal(open.size, 0, `phases still open when ${where.store}/${where.scenario} starts: ${[...open].join(', ')}`);
        events.push(positionLine(where).replace(/ · ETA .*/, ''));
      },
      phase: (step: PhaseStep) => {
        const name = `${step.store}/${step.scenario}/${step.phase}/${step.detail ?? ''}`;
        open.add(name);
        events.push(name);
        let last = 0;
        return {
          advance: (done) => {
            assert.ok(done > last && done <= (step.steps ?? 0), `advance ${done} of ${step.steps}`);
            last = done;
          },
          end: () => {
            if (step.steps !== undefined) assert.equal(last, step.steps, `${name} ended after all its steps`);
            open.delete(name);
          },
        };
      },
    };
    // A bound against a hang only: ~20 s alone, several times that on a busy machine.
    const result = await runBench(plan, observer, AbortSignal.timeout(240_000));
    assert.equal(result.partial, false);
    assert.equal(open.size, 0, `phases left open: ${[...open].join(', ')}`);
    assert.deepEqual(events, [
      // Scenario by scenario, stores in turn (load repetitions go round-robin across stores).
      'store 1 of 2 · memory · read-heavy',
      'memory/read-heavy/warm-up/',
      'memory/read-heavy/measured/',
      'store 2 of 2 · cookie · read-heavy',
      'cookie/read-heavy/warm-up/',
      'cookie/read-heavy/measured/',
      'store 1 of 2 · memory · race-serial',
      'memory/race-serial/bursts/resave=false',
      'memory/race-serial/bursts/resave=true',
      'memory/race-serial/bursts/rolling=true',
      'store 2 of 2 · cookie · race-serial',
      'cookie/race-serial/bursts/',
    ]);
  });
});
