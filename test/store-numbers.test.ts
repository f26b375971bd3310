import { sessionSettings } from '../harness/plan/plan.ts';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startAppChild } from '../harness/app/child.ts';
import type { AppChild } from '../harness/app/child.ts';
import { SessionClient } from '../harness/client/http-client.ts';
import { provisionServer } from '../stores/servers/provision.ts';
import type { ProvisionedServer } from '../stores/servers/types.ts';
import type { SessionSettings } from '../stores/types.ts';

const SETTINGS: SessionSettings = sessionSettings({ secret: 'numbers', maxAgeMs: 60_000 });
const PAYLOAD_BYTES = 512;
const PROBE_OPERATIONS = 50;

for (const store of ['memory', 'redis'] as const) {
  describe(`what the app child measures about its store: ${store}`, () => {
    let server: ProvisionedServer | undefined;
    let app: AppChild;

    before(async () => {
      if (store === 'redis') {
        const outcome = await provisionServer({ kind: 'redis', log: () => {} });
        assert.equal(outcome.status, 'ready', outcome.status === 'skipped' ? `no redis server: ${outcome.reason}` : '');
        if (outcome.status === 'ready') server = outcome.server;
      }
      app = await startAppChild({ store, settings: SETTINGS, server: server?.handle, app: { payloadBytes: PAYLOAD_BYTES } });
    });
    after(async () => {
      await app?.stop();
      await server?.stop();
    });

    test('the intrinsic probe times serial get/set/touch/destroy and leaves the store as it was', async () => {
      const before = await app.ask('count');
      const intrinsic = await app.ask('probeStore', { operations: PROBE_OPERATIONS });
      for (const op of ['set', 'get', 'touch', 'destroy'] as const) {
        assert.equal(intrinsic[op]?.count, PROBE_OPERATIONS, `${op} called ${PROBE_OPERATIONS} times`);
        assert.equal(intrinsic[op]?.errors, 0, `${op} without errors`);
        assert.ok(intrinsic[op]!.p50 > 0 && intrinsic[op]!.p50 <= intrinsic[op]!.max, `${op} p50 ${intrinsic[op]!.p50} µs`);
      }
      assert.equal(await app.ask('count'), before, 'every probe session destroyed');
      const { latency } = await app.ask('storeOps', { reset: false });
      assert.deepEqual(latency, {}, 'the probe leaves nothing in the under-load timings');
    });

    test('writes are counted per call, with the JSON bytes handed to set and touch', async () => {
      await app.ask('storeOps', { reset: true });
      const client = new SessionClient(app.url);
      assert.equal((await client.send('POST', '/login')).status, 200);
      for (let i = 0; i < 3; i++) assert.equal((await client.send('GET', '/session')).status, 200);
      assert.equal((await client.send('POST', '/counter')).status, 200);
      assert.equal((await client.send('POST', '/logout')).status, 200);
      const { writes, latency } = await app.ask('storeOps', { reset: true });
      // login regenerates (destroys the old id, saves the new); counter saves; three unchanged reads touch (resave false); logout destroys.
      assert.deepEqual({ set: writes.set, touch: writes.touch, destroy: writes.destroy }, { set: 2, touch: 3, destroy: 2 });
      assert.ok(writes.setBytes > 2 * PAYLOAD_BYTES && writes.setBytes < 2 * (PAYLOAD_BYTES + 600), `set bytes ${writes.setBytes}`);
      assert.ok(writes.touchBytes > 3 * PAYLOAD_BYTES && writes.touchBytes < 3 * (PAYLOAD_BYTES + 600), `touch bytes ${writes.touchBytes}`);
      assert.equal(latency.get?.count, 5, 'every request after login read the session');
      const again = await app.ask('storeOps', { reset: false });
      assert.equal(again.writes.set, 0, 'reset clears the counts');
    });

    test('the event loop is watched from startSampling to stopSampling', async () => {
      await app.ask('startSampling', { intervalMs: 50, settle: true });
      const client = new SessionClient(app.url);
      await client.send('POST', '/login');
      const until = Date.now() + 400;
      while (Date.now() < until) await Promise.all(Array.from({ length: 5 }, () => client.send('GET', '/session')));
      const { samples, eventLoop } = await app.ask('stopSampling');
      assert.ok(samples.length >= 2, 'memory samples still come back');
      // A 1 ms timer: hundreds of samples on an idle machine, fewer when the app waits for a core.
      assert.ok(eventLoop.delayUs.count > 10, `loop delay sampled (${eventLoop.delayUs.count} samples)`);
      assert.ok(eventLoop.delayUs.p50 <= eventLoop.delayUs.p99 && eventLoop.delayUs.p99 <= eventLoop.delayUs.max);
      assert.ok(eventLoop.utilization > 0 && eventLoop.utilization <= 1, `utilisation ${eventLoop.utilization}`);
    });
  });
}
