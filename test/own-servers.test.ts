import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { sessionSettings } from '../harness/plan/plan.ts';
import { createStoreAdapter } from '../stores/index.ts';
import { provisionServer } from '../stores/servers/provision.ts';
import type { ProvisionedServer } from '../stores/servers/types.ts';
import type { ServerHandle } from '../stores/types.ts';
import { foreignMemcached, foreignMysql, foreignPostgres, foreignRedis } from './helpers/foreign-data.ts';
import { cli, root } from './helpers/own-server-suite.ts';

/**
 * Other people's servers (issue 21), beyond the suite each kind runs (own-server-*.test.ts): the
 * stores' own timed prunes keep to sessionbench's table, and a prefill that would not fit a user's
 * server's memory is refused before anything is written. Real local servers, seeded with foreign data.
 */

/** A user's server as sessionbench sees one given by URL. */
function asUsers(handle: ServerHandle): ServerHandle {
  return { ...handle, info: { ...handle.info, source: 'url', managed: false } };
}

describe("the stores' own removal of expired sessions touches only sessionbench's table", () => {
  for (const [kind, store, foreign] of [['postgres', 'postgres', foreignPostgres], ['mysql', 'mysql', foreignMysql]] as const) {
    test(`${store}: the prune the store runs on its timer (connect-pg-simple pruneSessions, express-mysql-session clearExpired)`, { timeout: 120_000 }, async (t) => {
      const outcome = await provisionServer({ kind, sources: ['local'] });
      assert.equal(outcome.status, 'ready', outcome.status === 'skipped' ? outcome.reason : '');
      const server = (outcome as { server: ProvisionedServer }).server;
      try {
        await foreign.seed(server.handle.connectUrl);
        const before = await foreign.checksum(server.handle.connectUrl);
        const adapter = await createStoreAdapter(store, { settings: sessionSettings(), server: asUsers(server.handle) });
        try {
          if (adapter.pruneExpired) await adapter.pruneExpired();
          else await (adapter.store as unknown as { clearExpiredSessions(): Promise<void> }).clearExpiredSessions();
        } finally {
          await adapter.close();
        }
        const afterPrune = await foreign.checksum(server.handle.connectUrl);
        t.diagnostic(`${store}: ${before.items} foreign rows (100 of them expired) before the prune, ${afterPrune.items} after`);
        assert.deepEqual(afterPrune, before);
      } finally {
        await server.stop();
      }
    });
  }
});

describe('capacity is checked before a prefill is written', () => {
  test('redis with maxmemory 30mb allkeys-lru: --prefill 50000 is refused in one line, exit 2, nothing evicted', { timeout: 120_000 }, async (t) => {
    const outcome = await provisionServer({ kind: 'redis', sources: ['local'] });
    assert.equal(outcome.status, 'ready', outcome.status === 'skipped' ? outcome.reason : '');
    const server = (outcome as { server: ProvisionedServer }).server;
    try {
      const url = server.handle.connectUrl;
      await foreignRedis.seed(url);
      const { createClient } = await import('redis');
      const admin = createClient({ url });
      await admin.connect();
      await admin.configSet({ maxmemory: '30mb', 'maxmemory-policy': 'allkeys-lru' });
      await admin.close();
      const before = await foreignRedis.checksum(url);
      const out = path.join(root, 'redis-capacity');
      const run = await cli('redis', url, ['--store', 'redis', '--repeat', '1', '--scenario', 'read-heavy', '--duration', '1s', '--prefill', '50000', '--shared-server', '--out', out]);
      t.diagnostic(run.stderr.trim().split('\n').at(-1) ?? '');
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /--prefill 50,000 needs at least [\d.]+ MB, but the server holds [\d.]+ MB of its 31 MB limit .*evicts \(allkeys-lru\)/);
      assert.equal(existsSync(out), false);
      assert.deepEqual(await foreignRedis.checksum(url), before);
    } finally {
      await server.stop();
    }
  });

  test('memcached with a 64 MB limit: --prefill 200000 is refused in one line, exit 2', { timeout: 120_000 }, async (t) => {
    const outcome = await provisionServer({ kind: 'memcached', sources: ['local'] });
    assert.equal(outcome.status, 'ready', outcome.status === 'skipped' ? outcome.reason : '');
    const server = (outcome as { server: ProvisionedServer }).server;
    try {
      const url = server.handle.connectUrl;
      await foreignMemcached.seed(url);
      // memcached's own runtime limit command (1.5+), as if started with -m 64.
      const { connect } = await import('node:net');
      await new Promise<void>((resolve, reject) => {
        const [host, port] = new URL(url).host.split(':');
        const socket = connect({ host: host!, port: Number(port) }, () => socket.write('cache_memlimit 64\r\n'));
        socket.on('data', (chunk) => (socket.destroy(), /^OK/.test(chunk.toString()) ? resolve() : reject(new Error(chunk.toString()))));
        socket.on('error', reject);
      });
      const before = await foreignMemcached.checksum(url);
      const out = path.join(root, 'memcached-capacity');
      const run = await cli('memcached', url, ['--store', 'memcached', '--repeat', '1', '--scenario', 'read-heavy', '--duration', '1s', '--prefill', '200000', '--shared-server', '--out', out]);
      t.diagnostic(run.stderr.trim().split('\n').at(-1) ?? '');
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /--prefill 200,000 needs at least [\d.]+ MB, but the server holds [\d.]+ MB of its 67 MB limit .*evicts \(least recently used items first\)/);
      assert.deepEqual(await foreignMemcached.checksum(url), before);
    } finally {
      await server.stop();
    }
  });
});
