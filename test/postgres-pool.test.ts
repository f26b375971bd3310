import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStoreOptions, sessionSettings } from '../harness/plan/plan.ts';
import { createStoreAdapter } from '../stores/index.ts';

// A real PostgreSQL: kept out of store-options.test.ts, which test:quick runs without servers.
const SETTINGS = sessionSettings({ secret: 'options', maxAgeMs: 60_000 });

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
