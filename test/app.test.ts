import { sessionSettings } from '../harness/plan/plan.ts';
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { SessionClient } from '../harness/client/http-client.ts';
import { createStoreAdapter } from '../stores/index.ts';
import type { StoreId } from '../contract/vocabulary.ts';
import { serveApp } from './helpers/serve-app.ts';

const settings = sessionSettings({ secret: 'test', maxAgeMs: 60_000 });

async function listen(store: StoreId): Promise<{ url: string; close: () => Promise<void> }> {
  const adapter = await createStoreAdapter(store, { settings });
  const app = await serveApp(adapter, 512);
  return { url: app.base, close: async () => (await app.close(), await adapter.close()) };
}

for (const store of ['memory', 'cookie'] as const) {
  describe(`app routes on ${store}`, () => {
    const ready = listen(store);
    after(async () => (await ready).close());

    test('a session needs a login, keeps writes, and ends at logout', async () => {
      const client = new SessionClient((await ready).url);
      assert.equal((await client.send('GET', '/session')).status, 401);
      assert.equal((await client.send('POST', '/login')).status, 200);
      assert.deepEqual((await client.send('POST', '/counter')).body, { counter: 1 });
      assert.deepEqual((await client.send('POST', '/items?id=a')).body, { items: 1 });
      assert.deepEqual((await client.send('POST', '/session')).body, { views: 1 });
      const read = (await client.send('GET', '/session')).body as Record<string, unknown>;
      assert.equal(read.counter, 1);
      assert.equal(read.items, 1);
      assert.equal((await client.send('POST', '/logout')).status, 200);
      assert.equal((await client.send('GET', '/session')).status, 401);
    });

    test('POST /items without an id is rejected', async () => {
      const client = new SessionClient((await ready).url);
      await client.send('POST', '/login');
      assert.equal((await client.send('POST', '/items')).status, 400);
    });

    test('responses carry no etag and no x-powered-by', async () => {
      const response = await fetch(`${(await ready).url}/health`);
      assert.equal(response.headers.get('etag'), null);
      assert.equal(response.headers.get('x-powered-by'), null);
    });
  });
}

describe('app routes without sessions (baseline)', () => {
  const ready = listen('none');
  after(async () => (await ready).close());
  test('every route answers 200 and sets no cookie', async () => {
    const client = new SessionClient((await ready).url);
    for (const [method, path] of [['POST', '/login'], ['GET', '/session'], ['POST', '/session'], ['POST', '/counter'], ['POST', '/logout']] as const) {
      const response = await client.send(method, path);
      assert.equal(response.status, 200, `${method} ${path}`);
      assert.deepEqual(response.setCookie, []);
    }
  });
});
