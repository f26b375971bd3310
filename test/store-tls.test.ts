import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { createClient } from 'redis';
import { parseRunResult } from '../contract/read.ts';
import { benchOptions } from '../harness/plan/options.ts';
import { buildPlan } from '../harness/plan/plan.ts';
import { findBinary } from '../stores/servers/binaries.ts';
import { findPostgres } from '../stores/servers/kinds/postgres.ts';
import { provisionServer } from '../stores/servers/provision.ts';
import { redisTlsSocket } from '../stores/servers/tls.ts';
import type { ProvisionedServer } from '../stores/servers/types.ts';
import { runMain } from './helpers/main.ts';

const root = mkdtempSync(path.join(tmpdir(), 'sessionbench-tls-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function started(kind: 'redis' | 'postgres'): Promise<ProvisionedServer> {
  assert.ok(findBinary('openssl'), 'openssl is not installed (apt-get install -y openssl): it makes the run certificate');
  if (kind === 'redis') assert.ok(findBinary('redis-server'), 'redis-server is not installed (apt-get install -y redis-server)');
  else assert.ok(findPostgres(), 'PostgreSQL is not installed (apt-get install -y postgresql)');
  const outcome = await provisionServer({ kind, sources: ['local'], options: { tls: 'yes' } });
  assert.equal(outcome.status, 'ready', outcome.status === 'ready' ? '' : `${outcome.reason} (${outcome.fix})`);
  return (outcome as { server: ProvisionedServer }).server;
}

/** Connects a node-redis client with `socket` and PINGs; the error message when it cannot. */
async function redisPing(url: string, socket: Record<string, unknown>): Promise<string> {
  const client = createClient({ url, socket: { connectTimeout: 2000, reconnectStrategy: false, ...socket } });
  client.on('error', () => {});
  try {
    await client.connect();
    return await client.ping();
  } catch (error) {
    return `refused: ${(error as Error).message}`;
  } finally {
    if (client.isOpen) client.destroy();
  }
}

describe('--store-tls: the servers sessionbench starts talk TLS only, with a certificate made for the run', () => {
  test('Redis: TLS on its only port, the run certificate verified; a plain client and a client that does not trust it are refused', { timeout: 60_000 }, async () => {
    const server = await started('redis');
    try {
      const { connectUrl, info } = server.handle;
      assert.match(connectUrl, /^rediss:\/\/127\.0\.0\.1:\d+\/\?sslrootcert=/);
      assert.equal(info.tls, true);
      assert.match(info.label, /^Redis [\d.]+ over TLS$/);
      assert.equal(await redisPing(connectUrl, redisTlsSocket(connectUrl)), 'PONG');
      assert.match(await redisPing(connectUrl.replace('rediss:', 'redis:'), {}), /^refused/, 'no plain-text port');
      assert.match(await redisPing(connectUrl, { tls: true }), /^refused: .*self.signed/, 'the certificate is verified, not waved through');
    } finally {
      await server.stop();
    }
  });

  test('PostgreSQL: hostssl only, the session encrypted (pg_stat_ssl), a plain connection refused', { timeout: 90_000 }, async () => {
    const server = await started('postgres');
    try {
      const { connectUrl, info } = server.handle;
      assert.match(connectUrl, /\/sessionbench\?sslmode=verify-full&sslrootcert=/);
      assert.equal(info.tls, true);
      const client = new pg.Client({ connectionString: connectUrl });
      await client.connect();
      try {
        const { rows } = await client.query<{ ssl: boolean; version: string }>('SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
        assert.equal(rows[0]?.ssl, true, `pg_stat_ssl: ${JSON.stringify(rows)}`);
      } finally {
        await client.end();
      }
      const plain = new pg.Client({ connectionString: connectUrl.replace(/\?.*$/, '?sslmode=disable') });
      await assert.rejects(plain.connect(), /no pg_hba\.conf entry .*no encryption/);
    } finally {
      await server.stop();
    }
  });

  test('a run with --store-tls: Redis and PostgreSQL measured over TLS, and the entries say so', { timeout: 300_000 }, async () => {
    const run = await runMain(['--store', 'redis,postgres', '--store-tls', '--scenario', 'read-heavy', '--repeat', '1', '--duration', '1s', '--warmup', '1s', '--probe-ops', '50', '--memory-sessions', '50', '--json', '--quiet', '--out', path.join(root, 'run')]);
    assert.equal(run.code, 0, run.stderr);
    for (const entry of parseRunResult(run.stdout, 'stdout').entries) {
      assert.equal(entry.status, 'ok', entry.status === 'ok' ? '' : `${entry.store}: ${entry.reason}`);
      assert.equal(entry.server?.tls, true, `${entry.store}: ${JSON.stringify(entry.server)}`);
      if (entry.status === 'ok') assert.ok(entry.measured.requests > 0 && entry.measured.errors === 0, `${entry.store}: answered over TLS`);
    }
  });

  test('a server given by URL is not configured: --store-tls turns TLS on only for the servers sessionbench starts', () => {
    const plan = buildPlan(benchOptions({ store: 'redis,postgres', storeTls: true, out: 'unused' }), { REDIS_URL: 'redis://127.0.0.1:6379' });
    assert.deepEqual(plan.serverOptions, { postgres: { tls: 'yes' } });
  });
});
