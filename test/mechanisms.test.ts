import { sessionSettings } from '../harness/plan/plan.ts';
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { probeMechanisms } from '../harness/probes/mechanisms.ts';
import { lossCausesOf } from '../scenarios/race/section.ts';
import type { RaceMechanisms } from '../scenarios/race/observations.ts';
import { createStoreAdapter, STORES } from '../stores/index.ts';
import { provisionServer, stopAllServers } from '../stores/servers/provision.ts';
import type { SessionSettings } from '../stores/types.ts';
import type { StoreId } from '../contract/vocabulary.ts';

const SETTINGS: SessionSettings = sessionSettings({ secret: 'test', maxAgeMs: 60_000 });
const PROBE = { atomicityRounds: 40, racingUpdates: 4, touchRounds: 20, touchesPerRound: 9 } as const;

after(() => stopAllServers());

/** Probes a store on a real server it provisions; a missing server fails the test with the reason. */
async function probe(id: StoreId): Promise<RaceMechanisms> {
  const kind = STORES[id].server;
  let server;
  if (kind) {
    const outcome = await provisionServer({ kind });
    assert.equal(outcome.status, 'ready', outcome.status === 'skipped' ? `no ${kind} server: ${outcome.reason}` : '');
    if (outcome.status !== 'ready') throw new Error('unreachable');
    server = outcome.server.handle;
  }
  const adapter = await createStoreAdapter(id, { settings: SETTINGS, ...(server ? { server } : {}) });
  try {
    const mechanisms = await probeMechanisms(adapter, PROBE);
    assert.ok(mechanisms, `${id} has an express-session Store`);
    return mechanisms;
  } finally {
    await adapter.close();
  }
}

describe('mechanism probes on real stores', () => {
  test('redis: HSET of different fields is atomic; touch only sets the TTL; a stale save replaces newer data', async () => {
    const found = await probe('redis');
    assert.equal(found.serverUpdatesAtomic, true);
    assert.deepEqual({ rounds: found.serverUpdateProbe?.rounds, reverted: found.serverUpdateProbe?.reverted }, { rounds: 40, reverted: 0 });
    assert.equal(found.touchRewritesSession, false);
    assert.equal(found.touchRacingSet.reverted, 0);
    assert.equal(found.staleFullSave, true);
  });

  test('postgres: UPDATE of different columns of one row is atomic', async () => {
    const found = await probe('postgres');
    assert.equal(found.serverUpdatesAtomic, true);
    assert.equal(found.touchRewritesSession, false);
  });

  test("memcached: no partial update to probe; connect-memcached's touch re-sets the stale session", async () => {
    const found = await probe('memcached');
    assert.equal(found.serverUpdatesAtomic, 'not-applicable');
    assert.equal(found.serverUpdateProbe, undefined);
    assert.equal(found.touchRewritesSession, true);
    assert.ok(found.touchRacingSet.reverted > 0, JSON.stringify(found.touchRacingSet));
  });

  test('memory: no server; MemoryStore touch keeps the newer data', async () => {
    const found = await probe('memory');
    assert.equal(found.serverUpdatesAtomic, 'not-applicable');
    assert.equal(found.touchRewritesSession, false);
    assert.equal(found.staleFullSave, true);
  });

  test('mongo protocol: the server that answered decides; FerretDB 1.x loses concurrent $set of another field', async () => {
    const outcome = await provisionServer({ kind: 'mongo' });
    assert.equal(outcome.status, 'ready', outcome.status === 'skipped' ? `no mongo server: ${outcome.reason}` : '');
    const product = outcome.status === 'ready' ? outcome.server.handle.info.product : '';
    const found = await probe('mongo');
    assert.equal(found.touchRewritesSession, false, "connect-mongo's touch is a $set of expires only");
    if (product === 'FerretDB') {
      assert.equal(found.serverUpdatesAtomic, false);
      assert.ok((found.serverUpdateProbe?.reverted ?? 0) > 0);
    } else {
      assert.equal(found.serverUpdatesAtomic, true, `${product} guarantees document-level atomicity`);
    }
  });
});

describe('lossCausesOf', () => {
  const mechanisms = (over: Partial<RaceMechanisms>): RaceMechanisms => ({
    serverUpdatesAtomic: true, touchRewritesSession: false, touchRacingSet: { rounds: 10, reverted: 0 }, staleFullSave: true, ...over,
  });

  test('one write among reads with resave=false: only a rewriting touch or a non-atomic server can lose it', () => {
    const shape = { fanout: 20, writesPerBurst: 1, resave: false };
    assert.deepEqual(lossCausesOf(mechanisms({}), shape, 5), []);
    assert.deepEqual(lossCausesOf(mechanisms({ touchRewritesSession: true }), shape, 5), ['touch-rewrites-session']);
    assert.deepEqual(lossCausesOf(mechanisms({ serverUpdatesAtomic: false }), shape, 5), ['non-atomic-server-update']);
    // A store with no partial update (session-file-store rewrites the file it read): the save-amid-touches probe is the evidence.
    assert.deepEqual(lossCausesOf(mechanisms({ serverUpdatesAtomic: 'not-applicable', touchRacingSet: { rounds: 50, reverted: 31 } }), shape, 5), ['non-atomic-server-update']);
  });

  test('resave=true makes every read a full save of its stale copy, and no request touches', () => {
    assert.deepEqual(lossCausesOf(mechanisms({ touchRewritesSession: true, serverUpdatesAtomic: false }), { fanout: 20, writesPerBurst: 1, resave: true }, 5), ['stale-full-save']);
  });

  test('several writes per burst race as full saves; nothing lost or a fan-out of 1 names nothing', () => {
    assert.deepEqual(lossCausesOf(mechanisms({}), { fanout: 20, writesPerBurst: 14, resave: false }, 5), ['stale-full-save']);
    assert.deepEqual(lossCausesOf(mechanisms({}), { fanout: 20, writesPerBurst: 14, resave: false }, 0), []);
    assert.deepEqual(lossCausesOf(mechanisms({ touchRewritesSession: true }), { fanout: 1, writesPerBurst: 1, resave: false }, 3), []);
  });
});
