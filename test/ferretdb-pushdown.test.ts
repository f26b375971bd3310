import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MongoClient } from 'mongodb';
import { provisionServer } from '../stores/servers/provision.ts';
import type { ProvisionedServer } from '../stores/servers/types.ts';

/**
 * Why connect-mongo on FerretDB slows down with the collection: its `get` filter is not pushed
 * down to FerretDB's SQLite backend, so every lookup reads the whole collection. Checked through
 * FerretDB's own `explain`; the times are printed (a diagnostic, not a timed assertion).
 */
const DOCUMENTS = 5000;

describe('FerretDB: where connect-mongo lookup time goes', () => {
  let server: ProvisionedServer | undefined;
  let client: MongoClient | undefined;

  before(async () => {
    const outcome = await provisionServer({ kind: 'mongo', log: () => {} });
    assert.equal(outcome.status, 'ready', outcome.status === 'skipped' ? `no mongo-protocol server: ${outcome.reason}` : '');
    if (outcome.status === 'ready') server = outcome.server;
    client = new MongoClient(server!.handle.connectUrl, { directConnection: true });
    await client.connect();
  });

  after(async () => {
    await client?.db('sessionbench_pushdown_test').dropDatabase().catch(() => {});
    await client?.close();
    await server?.stop();
  });

  test(`connect-mongo's get filter is not pushed down (a full scan per lookup); a bare _id is`, { timeout: 300_000 }, async (t) => {
    const build = await client!.db('admin').command({ buildInfo: 1 });
    if (!build['ferretdbVersion']) {
      t.diagnostic(`the server is not FerretDB (${build['version']}): nothing to explain here`);
      return;
    }
    const db = client!.db('sessionbench_pushdown_test');
    const sessions = db.collection<{ _id: string; expires: Date; session: string }>('sessions');
    const payload = 'x'.repeat(1200);
    for (let from = 0; from < DOCUMENTS; from += 1000) {
      await sessions.insertMany(Array.from({ length: 1000 }, (_, i) => ({ _id: `id-${from + i}`, expires: new Date(Date.now() + 3_600_000), session: JSON.stringify({ payload }) })));
    }
    const id = `id-${DOCUMENTS / 2}`;
    // The filter connect-mongo 6 builds in MongoStore#get.
    const connectMongo = { _id: id, $or: [{ expires: { $exists: false } }, { expires: { $gt: new Date() } }] };
    const bare = { _id: id };
    const explain = async (filter: object) => db.command({ explain: { find: 'sessions', filter, limit: 1 } });
    const timed = async (filter: object) => {
      const start = performance.now();
      const doc = await sessions.findOne(filter as never);
      assert.ok(doc, 'the document is found');
      return performance.now() - start;
    };
    assert.equal((await explain(connectMongo))['filterPushdown'], false, "connect-mongo's filter is evaluated by FerretDB over every document");
    assert.equal((await explain(bare))['filterPushdown'], true, 'an _id equality alone is pushed down to SQLite');
    t.diagnostic(`${build['ferretdbVersion']} with ${DOCUMENTS} documents: connect-mongo filter ${(await timed(connectMongo)).toFixed(0)} ms, bare _id ${(await timed(bare)).toFixed(0)} ms`);
  });
});
