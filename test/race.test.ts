import { sessionSettings } from '../harness/plan/plan.ts';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startAppChild } from '../harness/app/child.ts';
import type { AppChild } from '../harness/app/child.ts';
import { runRaceOracle } from '../harness/probes/race-oracle.ts';
import { RequestRecorder } from '../harness/client/request-recorder.ts';
import type { OkEntry, ResultEntry } from '../contract/result.ts';
import { sessionIdOf } from '../harness/probes/session-state.ts';
import { defineScenario } from '../scenarios/index.ts';
import type { RaceScenario } from '../scenarios/race/scenario.ts';
import { STORES } from '../stores/index.ts';
import type { SessionSettings } from '../stores/types.ts';
import { observed } from './helpers/observations.ts';
import { entryOf, runScenario } from './helpers/scenario-run.ts';

const settings: SessionSettings = sessionSettings({ secret: 'test', maxAgeMs: 60_000 });

function race(fanout: number, rounds: number): RaceScenario {
  return defineScenario({ kind: 'race', id: `race-${fanout}`, description: 'test', sessions: 4, fanout, rounds }) as RaceScenario;
}

function ok(entry: ResultEntry): OkEntry {
  assert.equal(entry.status, 'ok', entry.status === 'ok' ? '' : entry.reason);
  return entry as OkEntry;
}

describe('race oracle on a real MemoryStore app with resave=true', () => {
  let app: AppChild;
  before(async () => {
    app = await startAppChild({ store: 'memory', settings: { ...settings, resave: true }, app: { payloadBytes: 512 } });
  });
  after(() => app.stop());

  test('fan-out 20 loses updates, and the loss is exactly expected minus the counters in the store', async () => {
    const outcome = await runRaceOracle(app, race(20, 3), new RequestRecorder(), AbortSignal.timeout(30_000));
    let inStore = 0;
    for (const client of outcome.clients) {
      const stored = await app.ask('get', { sessionId: sessionIdOf(client)! });
      inStore += Number(stored?.counter);
    }
    assert.equal(outcome.expectedCount, 4 * 20, 'every counter request of the cycle was acknowledged');
    assert.equal(outcome.observedCount, inStore);
    assert.equal(outcome.lostUpdates, outcome.expectedCount - inStore);
    assert.ok(outcome.lostUpdates > 0, `expected lost updates, got ${JSON.stringify(outcome)}`);
    assert.ok(outcome.itemsMissing > 0);
  });

  test('fan-out 1 (serial) loses nothing', async () => {
    const recorder = new RequestRecorder();
    const outcome = await runRaceOracle(app, race(1, 30), recorder, AbortSignal.timeout(30_000));
    assert.equal(outcome.expectedCount, 4 * 10);
    assert.equal(outcome.lostUpdates, 0);
    assert.equal(outcome.itemsExpected, 4 * 10);
    assert.equal(outcome.itemsMissing, 0);
    const metrics = recorder.metrics();
    assert.equal(metrics.requests, 4 * 30);
    assert.equal(metrics.latencyUs.count, 4 * 30);
    assert.equal(metrics.non2xx + metrics.errors + metrics.timeouts, 0);
  });
});

describe('race scenario through the runner', () => {
  const parallel = { kind: 'race', id: 'race-test', description: 'test', sessions: 4, fanout: 20, rounds: 3 };

  test('memory: one entry per express-session variant, the race requests measured, resurrections found', async () => {
    const entries = await runScenario(['memory', 'cookie', 'none'], parallel);
    for (const variant of ['resave=false', 'resave=true', 'rolling=true']) {
      const entry = ok(entryOf(entries, 'memory', variant));
      const o = observed(entry, 'race');
      assert.equal(entry.measured.requests, 4 * 20 * 3);
      assert.equal(o.lostUpdates, o.expectedCount! - o.observedCount!);
      assert.ok(o.resurrectionProbes! > 0);
      assert.ok(o.resurrected! > 0, `${variant}: the slow request should save the destroyed session back (${JSON.stringify(o)})`);
    }
    assert.ok(observed(ok(entryOf(entries, 'memory', 'resave=true')), 'race').lostUpdates! > 0);

    const cookie = ok(entryOf(entries, 'cookie'));
    assert.equal(cookie.variant, undefined, 'resave/rolling do not apply to cookie-session: one entry');
    assert.equal(entries.filter((e) => e.store === 'cookie').length, 1);
    assert.equal(observed(cookie, 'race').resurrected, undefined, 'no server-side store to look into');
    assert.equal(observed(cookie, 'race').revokedCookieStillValid, observed(cookie, 'race').resurrectionProbes, 'a cookie-session logout revokes nothing');
    assert.ok(cookie.notes!.some((note) => note.includes('GET /session')), 'the note says where the counter was read');

    const none = entryOf(entries, 'none');
    assert.equal(none.status, 'skipped');
    assert.match((none as { reason: string }).reason, /no sessions to race/);
  });

  test('memory and cookie: the serial control loses nothing', async () => {
    const entries = await runScenario(['memory', 'cookie'], { ...parallel, id: 'race-serial-test', fanout: 1, rounds: 30 });
    for (const entry of entries.map(ok)) {
      assert.equal(observed(entry, 'race').lostUpdates, 0, `${entry.store} ${entry.variant}`);
      assert.equal(observed(entry, 'race').itemsMissing, 0, `${entry.store} ${entry.variant}`);
    }
  });

  test('memory: one write among parallel reads is lost only when resave=true makes the reads save', async () => {
    const routes = ['POST /counter', ...Array<string>(9).fill('GET /session')];
    const entries = await runScenario(['memory'], { ...parallel, id: 'race-resave-test', fanout: 10, routes });
    assert.equal(observed(ok(entryOf(entries, 'memory', 'resave=false')), 'race').lostUpdates, 0);
    assert.equal(observed(ok(entryOf(entries, 'memory', 'rolling=true')), 'race').lostUpdates, 0);
    assert.ok(observed(ok(entryOf(entries, 'memory', 'resave=true')), 'race').lostUpdates! > 0);
  });

  test('redis: parallel requests lose updates, serial ones do not, logout races resurrect', async (t) => {
    const entries = await runScenario(['redis'], parallel);
    const first = entryOf(entries, 'redis');
    if (first.status === 'skipped') return t.skip(`no redis server: ${first.reason}`);
    const resaveTrue = observed(ok(entryOf(entries, 'redis', 'resave=true')), 'race');
    assert.ok(resaveTrue.lostUpdates! > 0);
    assert.equal(resaveTrue.lostUpdates, resaveTrue.expectedCount! - resaveTrue.observedCount!);
    assert.ok(observed(ok(entryOf(entries, 'redis', 'resave=false')), 'race').resurrected! > 0);
    const serial = await runScenario(['redis'], { ...parallel, id: 'race-serial-test', fanout: 1, rounds: 30 });
    for (const entry of serial.map(ok)) assert.equal(observed(entry, 'race').lostUpdates, 0, `${entry.variant}`);
  });
});
