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

test('postgres pool=2 (--store-option): the app holds at most 2 connections to a real PostgreSQL under 30 parallel calls', async (t) => {
  const { provisionServer, stopAllServers } = await import('../stores/servers/provision.ts');
  const pg = (await import('pg')).default;
  assert.throws(() => parseStoreOptions(['postgres.pool=0'], ['postgres']), /--store-option pool=0: postgres: pool \(connections in the pg Pool\): at least 1/);
  const outcome = await provisionServer({ kind: 'postgres', sources: ['local'] });
  assert.equal(outcome.status, 'ready', outcome.status === 'skipped' ? `${outcome.reason} — ${outcome.fix ?? ''}` : '');
  if (outcome.status !== 'ready') return;
  const { handle } = outcome.server;
  t.after(() => stopAllServers());
  const connections = async (): Promise<number> => {
    const client = new pg.Client({ connectionString: handle.connectUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
      return Number(rows[0]!.n);
    } finally {
      await client.end();
    }
  };
  for (const [pool, most] of [['2', 2], [undefined, 10]] as const) {
    const adapter = await createStoreAdapter('postgres', { settings: SETTINGS, server: handle, options: pool ? { pool } : undefined });
    try {
      await Promise.all(Array.from({ length: 30 }, (_, i) => new Promise<void>((resolve, reject) => adapter.store!.get(`nobody-${i}`, (error) => (error ? reject(error) : resolve())))));
      const held = await connections();
      t.diagnostic(`pool=${pool ?? 'default'}: ${held} connections after 30 parallel gets`);
      assert.ok(held >= 1 && held <= most, `pool=${pool ?? 'default'}: ${held} connections`);
      if (!pool) assert.ok(held > 2, 'the default pool opens more than 2 under the same burst');
    } finally {
      await adapter.close();
    }
  }
});
