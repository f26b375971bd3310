import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { startAppChild } from '../harness/app/child.ts';
import { startAppCluster } from '../harness/app/cluster.ts';
import type { AppChild } from '../harness/app/child.ts';
import type { AppChildConfig } from '../harness/app/ipc.ts';
import type { MitigationConfig } from '../harness/app/mitigations/types.ts';
import { MITIGATIONS } from '../harness/app/mitigations/index.ts';
import { merge } from '../harness/app/mitigations/versioned.ts';
import { cheapestFix } from '../reports/verdict/remedies.ts';
import type { RemedyFinding } from '../reports/verdict/remedies.ts';
import { loggedInClient, SessionClient } from '../harness/client/http-client.ts';
import { RequestRecorder } from '../harness/client/request-recorder.ts';
import { runRaceOracle } from '../harness/probes/race-oracle.ts';
import { probeResurrection } from '../harness/probes/resurrection.ts';
import { storedSession } from '../harness/probes/session-state.ts';
import type { MitigationId, ServerKind, StoreId } from '../contract/vocabulary.ts';
import { defineScenario } from '../scenarios/index.ts';
import type { RaceScenario } from '../scenarios/race/scenario.ts';
import { provisionServer, stopAllServers } from '../stores/servers/provision.ts';
import type { ServerHandle, SessionSettings } from '../stores/types.ts';

const SETTINGS: SessionSettings = { secret: 'test', resave: false, saveUninitialized: false, rolling: false, maxAgeMs: 60_000 };
const RACE = defineScenario({ kind: 'race', id: 'race-mitigation', description: 'test', sessions: 4, fanout: 20, rounds: 2 }) as RaceScenario;
const LOGOUT_PROBE = { sessions: 4, slowMs: 300, logoutAfterMs: 50 };

after(() => stopAllServers());

const servers = new Map<ServerKind, ServerHandle>();
/** A real server of this kind (started once); a missing one fails the test with the reason. */
async function serverFor(kind: ServerKind): Promise<ServerHandle> {
  const known = servers.get(kind);
  if (known) return known;
  const outcome = await provisionServer({ kind });
  assert.equal(outcome.status, 'ready', outcome.status === 'skipped' ? `no ${kind} server: ${outcome.reason}` : '');
  if (outcome.status !== 'ready') throw new Error('unreachable');
  servers.set(kind, outcome.server.handle);
  return outcome.server.handle;
}

async function configFor(store: StoreId, mitigation: MitigationConfig): Promise<AppChildConfig> {
  const kind = store === 'redis' ? 'redis' : store === 'postgres' ? 'postgres' : undefined;
  return { store, settings: SETTINGS, app: { payloadBytes: 256 }, mitigation, ...(kind ? { server: await serverFor(kind) } : {}) };
}

/** Races and probes logouts on a fresh app (or cluster) with the remedy; stops it afterwards. */
async function raced(store: StoreId, mitigation: MitigationId, instances = 1) {
  const config = await configFor(store, { id: mitigation });
  const app: AppChild = instances > 1 ? await startAppCluster(config, instances) : await startAppChild(config);
  try {
    const race = await runRaceOracle(app, RACE, new RequestRecorder(), AbortSignal.timeout(60_000));
    const logout = await probeResurrection(app, LOGOUT_PROBE);
    return { race, logout, counts: await app.ask('mitigationCounts') };
  } finally {
    await app.stop();
  }
}

describe('remedies on real stores', () => {
  test('the control: without a remedy Redis loses concurrent increments and logouts come back', async () => {
    const { race, logout } = await raced('redis', 'none');
    assert.ok(race.lostUpdates > 0, JSON.stringify(race));
    assert.ok((logout.resurrected ?? 0) > 0, JSON.stringify(logout));
  });

  for (const store of ['memory', 'redis', 'postgres'] as const) {
    test(`${store}: mutex loses nothing and resurrects nothing in one process`, async () => {
      const { race, logout, counts } = await raced(store, 'mutex');
      assert.deepEqual({ lost: race.lostUpdates, missing: race.itemsMissing, expected: race.expectedCount }, { lost: 0, missing: 0, expected: 4 * 2 * 7 });
      assert.equal(logout.resurrected, 0);
      assert.deepEqual(counts, { rejectedSaves: 0, retries: 0 });
    });

    test(`${store}: versioned merges stale saves (retries counted) so nothing is lost, and writes no logged-out session back`, async () => {
      const { race, logout, counts } = await raced(store, 'versioned');
      assert.deepEqual({ lost: race.lostUpdates, missing: race.itemsMissing }, { lost: 0, missing: 0 });
      assert.ok(counts.retries > 0, `20 parallel saves of one session must collide: ${JSON.stringify(counts)}`);
      assert.equal(logout.resurrected, 0);
      assert.equal(counts.rejectedSaves, LOGOUT_PROBE.sessions, 'only the saves of logged-out sessions were refused');
    });

    test(`${store}: if-exists refuses every save of a logged-out session, and only those`, async () => {
      const { logout, counts } = await raced(store, 'if-exists');
      assert.equal(logout.logoutsAcknowledged, LOGOUT_PROBE.sessions);
      assert.equal(logout.resurrected, 0);
      assert.equal(counts.rejectedSaves, LOGOUT_PROBE.sessions, 'each slow request that finished after its logout was refused');
    });
  }

  for (const store of ['redis', 'postgres'] as const) {
    test(`${store}: store-lock loses nothing across 3 instances`, async () => {
      const { race, logout, counts } = await raced(store, 'store-lock', 3);
      assert.deepEqual({ lost: race.lostUpdates, missing: race.itemsMissing, absent: race.sessionsMissing }, { lost: 0, missing: 0, absent: 0 });
      assert.equal(logout.resurrected, 0);
      assert.equal(counts.rejectedSaves, 0);
    });
  }

  test('merge: counters add both increments, item lists keep both appends, other fields take the later save', () => {
    const base = { counter: 1, items: ['a'], lastSeen: 1, user: { id: 'u' } };
    const mine = { counter: 2, items: ['a', 'b'], lastSeen: 3, user: { id: 'u' } };
    const theirs = { counter: 4, items: ['a', 'c'], lastSeen: 2, user: { id: 'u' }, views: 7 };
    assert.deepEqual(merge(base, mine, theirs), { counter: 5, items: ['a', 'c', 'b'], lastSeen: 3, user: { id: 'u' }, views: 7 });
    assert.deepEqual(merge(base, base, theirs), theirs, 'a save that changed nothing keeps the stored session');
  });

  test('store-lock does not apply to MemoryStore, and says why', () => {
    assert.match(String(MITIGATIONS['store-lock'].applies('memory')), /Redis and PostgreSQL only/);
    assert.equal(MITIGATIONS['if-exists'].applies('redis'), true);
  });
});

/**
 * Two instances on one Redis; instance A takes the session's lock in a slow request and is paused
 * (SIGSTOP) past the lock's expiry; B takes the lock and increments; A resumes and saves the copy it
 * loaded before B's increment. Returns the counter left in Redis and A's refused saves.
 */
async function pausedHolder(mitigation: MitigationId): Promise<{ counter: number; refused: number; bStatus: number; aStatus: number | undefined }> {
  const config = await configFor('redis', { id: mitigation, lockTtlMs: 500 });
  const [a, b] = await Promise.all([startAppChild(config), startAppChild(config)]);
  const pid = a.pids[0]!;
  try {
    const viaA = await loggedInClient(a.url, 'paused holder');
    const viaB = new SessionClient(b.url, 20_000);
    for (const [name, value] of viaA.jar) viaB.jar.set(name, value);
    const slow = viaA.clone().send('POST', '/slow?ms=400');
    await delay(200); // A holds the lock and waits inside the handler
    process.kill(pid, 'SIGSTOP');
    let bStatus: number;
    try {
      await delay(800); // past the 500 ms lock
      bStatus = (await viaB.send('POST', '/counter')).status;
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const aStatus = (await slow.catch(() => undefined))?.status;
    const stored = await storedSession(b, viaB);
    return { counter: Number(stored?.counter), refused: (await a.ask('mitigationCounts')).rejectedSaves, bStatus, aStatus };
  } finally {
    process.kill(pid, 'SIGCONT');
    await Promise.all([a.stop(), b.stop()]);
  }
}

describe('a lock holder paused past the lock expiry (real Redis, SIGSTOP)', () => {
  test('store-lock: the stale holder is fenced off; the increment made meanwhile survives', async (t) => {
    const outcome = await pausedHolder('store-lock');
    t.diagnostic(`paused holder: ${JSON.stringify(outcome)}`);
    assert.equal(outcome.bStatus, 200, 'B took the expired lock');
    assert.equal(outcome.counter, 1, "B's increment is still in Redis");
    assert.equal(outcome.refused, 1, "A's save was refused by the fencing check");
  });

  test('the control: with a per-process mutex only, the stale save overwrites that increment', async (t) => {
    const outcome = await pausedHolder('mutex');
    t.diagnostic(`paused holder: ${JSON.stringify(outcome)}`);
    assert.equal(outcome.bStatus, 200);
    assert.equal(outcome.counter, 0, "A's stale copy (counter 0) replaced B's increment");
    assert.equal(outcome.refused, 0);
  });
});

describe('choosing the cheapest remedy (reports/remedies.ts)', () => {
  const race = (lost: number): RemedyFinding['race'] => ({ lostUpdates: lost, increments: 340, itemsMissing: lost, items: 330, resurrected: 0, logouts: 10, cookiesValidAfterLogout: 0, rejectedInBursts: 0, rejectedAfterLogout: 0, retries: 0 });
  const finding = (mitigation: MitigationId, instances: number, lost: number, range: [number, number]): RemedyFinding => ({
    store: 'redis', storeLabel: 'Redis', mitigation, instances, race: race(lost), readHeavy: { throughput: (range[0] + range[1]) / 2, throughputRange: range, p99Us: 1000 },
  });
  const base = [finding('mutex', 1, 0, [900, 1100]), finding('mutex', 3, 120, [900, 1100]), finding('store-lock', 1, 0, [800, 1000]), finding('store-lock', 3, 0, [800, 1000])];

  test('a remedy that loses updates at any instance count is out; overlapping throughputs are tied, and the simpler one is named', () => {
    const chosen = cheapestFix([...base, finding('versioned', 1, 0, [950, 1200]), finding('versioned', 3, 0, [950, 1200])], 'redis');
    assert.deepEqual({ mitigation: chosen?.mitigation, tied: chosen?.tiedWith }, { mitigation: 'store-lock', tied: ['versioned'] });
  });

  test('a later remedy wins only when it is faster beyond the spread at every instance count', () => {
    const chosen = cheapestFix([...base, finding('versioned', 1, 0, [1100, 1200]), finding('versioned', 3, 0, [1050, 1200])], 'redis');
    assert.deepEqual({ mitigation: chosen?.mitigation, tied: chosen?.tiedWith }, { mitigation: 'versioned', tied: [] });
    assert.equal(cheapestFix(base.filter((f) => f.mitigation === 'mutex'), 'redis'), undefined, 'nothing fixed it');
  });
});
