import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startAppChild } from '../harness/app/child.ts';
import type { AppChild } from '../harness/app/child.ts';
import { BYTES_SAMPLE_EVERY, instrumentStore } from '../harness/app/store-timing.ts';
import { SessionClient } from '../harness/client/http-client.ts';
import { sessionSettings } from '../harness/plan/plan.ts';
import { createStoreAdapter } from '../stores/index.ts';
import { serveApp } from './helpers/serve-app.ts';

const settings = sessionSettings();

/** Logs a user in; the session id the app answers with. */
async function login(client: SessionClient): Promise<string> {
  const answer = await client.send('POST', '/login');
  assert.equal(answer.status, 200);
  return String(answer.body.sessionId);
}

test('every call serialised: storeWrites counts and bytes equal what the real MemoryStore was handed and returned, request by request', async () => {
  const adapter = await createStoreAdapter('memory', { settings });
  const store = adapter.store!;
  const timing = instrumentStore(store, { bytesSampleEvery: 1 });
  const app = await serveApp(adapter, 1024);
  // MemoryStore keeps exactly JSON.stringify of the session a set hands it (a touch keeps the same fields with the new cookie).
  const held = (sessionId: string) => Buffer.byteLength((store as unknown as { sessions: Record<string, string> }).sessions[sessionId]!);
  const expected = { set: 0, touch: 0, destroy: 0, setBytes: 0, touchBytes: 0, get: 0, getBytes: 0 };
  try {
    for (let user = 0; user < 3; user++) {
      const client = new SessionClient(app.base);
      // Login: regenerate destroys the fresh unsaved id, then the new session is set.
      const sessionId = await login(client);
      expected.destroy += 1;
      expected.set += 1;
      expected.setBytes += held(sessionId);
      for (const [method, write] of [['GET', 'touch'], ['GET', 'touch'], ['POST', 'set'], ['GET', 'touch'], ['POST', 'set'], ['GET', 'touch']] as const) {
        // A read returns the session as the store holds it before this request changes it.
        expected.getBytes += held(sessionId);
        assert.equal((await client.send(method, '/session')).status, 200);
        expected.get += 1;
        expected[write] += 1;
        expected[write === 'set' ? 'setBytes' : 'touchBytes'] += held(sessionId);
      }
      expected.getBytes += held(sessionId);
      assert.equal((await client.send('POST', '/logout')).status, 200);
      expected.get += 1;
      expected.destroy += 1;
    }
    const { writes, latency } = timing.snapshot(true);
    assert.deepEqual(writes, { ...expected, bytesSampled: { set: expected.set, touch: expected.touch, get: expected.get } });
    assert.equal(latency.get?.count, expected.get);
    assert.equal(latency.set?.count, expected.set);
    assert.equal(latency.touch?.count, expected.touch);
    assert.equal(latency.destroy?.count, expected.destroy);
    assert.deepEqual(timing.snapshot(false).writes, { set: 0, touch: 0, destroy: 0, get: 0, setBytes: 0, touchBytes: 0, getBytes: 0, bytesSampled: { set: 0, touch: 0, get: 0 } });
  } finally {
    await app.close();
    await adapter.close();
  }
});

let child: AppChild | undefined;
after(() => child?.stop());

test('the bench app child samples bytes: exact call counts, bytes from one call in BYTES_SAMPLE_EVERY scaled to all calls, within what the sessions weigh', async () => {
  child = await startAppChild({ store: 'memory', settings, app: { payloadBytes: 1024 } });
  const users = Array.from({ length: 4 }, () => new SessionClient(child!.url));
  const sessionIds = await Promise.all(users.map(login));
  await child.ask('storeOps', { reset: true });
  const reads = 50;
  await Promise.all(users.map(async (client) => {
    for (let i = 0; i < reads; i++) assert.equal((await client.send('GET', '/session')).status, 200);
  }));
  const { writes, latency } = await child.ask('storeOps', { reset: true });
  const calls = users.length * reads;
  assert.equal(writes.touch, calls);
  assert.equal(writes.set, 0);
  assert.equal(latency.touch?.count, calls);
  assert.equal(latency.get?.count, calls);
  // The first call, then one at a random place in each later block of BYTES_SAMPLE_EVERY calls that began.
  const blocks = Math.ceil(calls / BYTES_SAMPLE_EVERY);
  const sampled = writes.bytesSampled!.touch;
  assert.ok(sampled >= blocks - 1 && sampled <= blocks, `${sampled} of ${calls} calls serialised; expected ${blocks - 1} or ${blocks}`);
  // Reads leave a session's fields alone, so each user's touches hand over the size the store holds now.
  const sizes = await Promise.all(sessionIds.map(async (id) => Buffer.byteLength(JSON.stringify(await child!.ask('get', { sessionId: id })))));
  const exact = sizes.reduce((sum, size) => sum + size * reads, 0);
  assert.ok(writes.touchBytes >= Math.min(...sizes) * calls && writes.touchBytes <= Math.max(...sizes) * calls, `estimated ${writes.touchBytes} bytes; exact ${exact}, sizes ${sizes.join(', ')}`);
  assert.ok(Math.abs(writes.touchBytes - exact) <= exact * 0.01, `estimated ${writes.touchBytes} bytes, exact ${exact}`);
});
