import assert from 'node:assert/strict';
import { parseStoreOptions, sessionSettings } from '../harness/plan/plan.ts';
import { test } from 'node:test';
import { Cookie } from 'express-session';
import type { CookieOptions, SessionData } from 'express-session';
import { createStoreAdapter } from '../stores/index.ts';
import { entryOf, runScenario } from './helpers/scenario-run.ts';

const SETTINGS = sessionSettings({ secret: 'options', maxAgeMs: 60_000 });
const SessionCookie = Cookie as unknown as new (options: CookieOptions) => Cookie;

test('a --store-option reaches the adapter and its label: memorystore max=2 keeps 2 sessions', async () => {
  const adapter = await createStoreAdapter('memorystore', { settings: SETTINGS, options: { max: '2' } });
  try {
    assert.equal(adapter.label, 'LRU MemoryStore (memorystore) [max=2]');
    for (const sid of ['a', 'b', 'c']) {
      const data = { cookie: new SessionCookie({ maxAge: 60_000 }), sid } as unknown as SessionData;
      await new Promise<void>((resolve, reject) => adapter.store!.set(sid, data, (error) => (error ? reject(error) : resolve())));
    }
    assert.equal(await adapter.inspect.count(), 2, 'the LRU evicted the oldest session');
    assert.equal(await adapter.inspect.get('a'), undefined);
  } finally {
    await adapter.close();
  }
});

test('without options the store keeps every session and its plain label', async () => {
  const adapter = await createStoreAdapter('memorystore', { settings: SETTINGS });
  try {
    assert.equal(adapter.label, 'LRU MemoryStore (memorystore)');
    for (const sid of ['a', 'b', 'c']) {
      const data = { cookie: new SessionCookie({ maxAge: 60_000 }) } as unknown as SessionData;
      await new Promise<void>((resolve, reject) => adapter.store!.set(sid, data, (error) => (error ? reject(error) : resolve())));
    }
    assert.equal(await adapter.inspect.count(), 3);
  } finally {
    await adapter.close();
  }
});

test('every entry records the options its store ran with', async () => {
  const readHeavy = { kind: 'load', id: 'read-heavy', description: 'test', sessions: 'per-connection', mix: [{ route: 'GET /session', weight: 1 }] };
  const entries = await runScenario(['memorystore', 'memory'], readHeavy, 60_000, { storeOption: ['memorystore.max=50'] });
  const memorystore = entryOf(entries, 'memorystore');
  assert.equal(memorystore.status, 'ok', memorystore.status === 'ok' ? '' : memorystore.reason);
  assert.deepEqual(memorystore.storeOptions, { max: '50' });
  assert.equal(memorystore.storeLabel, 'LRU MemoryStore (memorystore) [max=50]');
  assert.equal(entryOf(entries, 'memory').storeOptions, undefined, 'a store without options records none');
});
