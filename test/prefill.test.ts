import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startAppChild } from '../harness/app/child.ts';
import type { AppChild } from '../harness/app/child.ts';
import { prefillUserId } from '../harness/app/prefill-sessions.ts';
import { signedSessionCookie } from '../harness/client/cookies.ts';
import { SessionClient } from '../harness/client/http-client.ts';
import { sessionSettings } from '../harness/plan/plan.ts';
import { PrefillUnsupported, prefillStore, removePrefilled } from '../harness/run/prefill.ts';
import type { PrefillRequest } from '../harness/run/prefill.ts';
import { EntryFailure } from '../harness/run/failure.ts';
import { SESSION_COOKIE } from '../stores/express-session.ts';
import { STORES } from '../stores/index.ts';
import { provisionServer } from '../stores/servers/provision.ts';
import type { ProvisionedServer } from '../stores/servers/types.ts';
import type { StoreId } from '../contract/vocabulary.ts';

/** Every store with a bulk writer: each is prefilled on its real server and read back through the app. */
const PREFILLABLE: StoreId[] = ['redis', 'memcached', 'postgres', 'mongo', 'mysql', 'memory', 'memorystore'];
const SESSIONS = 200;
const PAYLOAD_BYTES = 1024;
const SETTINGS = sessionSettings({ secret: 'prefill-test' });

function request(sessions: number, ttlMs = SETTINGS.maxAgeMs): PrefillRequest {
  return { sessions, ttlMs, secret: SETTINGS.secret, signal: new AbortController().signal, log: () => {}, label: 'test' };
}

/** GET /session with a cookie signed for `id`, as a browser holding that session would send it. */
async function readThroughApp(app: AppChild, id: string): Promise<{ status: number; user: unknown; items: unknown }> {
  const client = new SessionClient(app.url);
  client.jar.set(SESSION_COOKIE, signedSessionCookie(id, SETTINGS.secret));
  const answer = await client.send('GET', '/session');
  return { status: answer.status, user: answer.body['user'], items: answer.body['items'] };
}

async function startApp(store: StoreId, server: ProvisionedServer | undefined): Promise<AppChild> {
  return startAppChild({ store, settings: SETTINGS, server: server?.handle, app: { payloadBytes: PAYLOAD_BYTES } });
}

for (const store of PREFILLABLE) {
  describe(`prefill: ${store}`, () => {
    let server: ProvisionedServer | undefined;
    let app: AppChild | undefined;

    before(async () => {
      const kind = STORES[store].server;
      if (kind) {
        const outcome = await provisionServer({ kind, log: () => {} });
        // A missing server fails with the reason; prefill is never skipped for want of one.
        assert.equal(outcome.status, 'ready', outcome.status === 'skipped' ? `no ${kind} server: ${outcome.reason}` : '');
        if (outcome.status === 'ready') server = outcome.server;
      }
      app = await startApp(store, server);
    });

    after(async () => {
      await app?.stop();
      await server?.stop();
    });

    test(`${SESSIONS} sessions in bulk, every one read back through the app with a signed cookie, then removed`, async () => {
      assert.ok(app);
      const done = await prefillStore(app, request(SESSIONS));
      assert.equal(done.record.sessions, SESSIONS);
      assert.equal(done.record.verified, 3, 'first, middle and last were read back by the prefill itself');
      assert.ok(done.record.ratePerSecond > 0);
      if (app.capabilities.countsSessions) assert.ok((done.record.storedAfter ?? 0) >= SESSIONS, `the store holds the ${SESSIONS} sessions`);
      for (let index = 0; index < SESSIONS; index++) {
        const id = `${done.range.idPrefix}${index}`;
        const read = await readThroughApp(app, id);
        assert.deepEqual(read, { status: 200, user: prefillUserId(id), items: 0 }, `session ${id} read back as the app stores a login`);
      }
      const stored = await app.ask('get', { sessionId: `${done.range.idPrefix}7` });
      assert.equal((stored?.['payload'] as { profile?: unknown } | undefined)?.profile !== undefined, true, 'the payload is stored with the session');
      await removePrefilled(app, done.range, new AbortController().signal);
      assert.equal((await readThroughApp(app, `${done.range.idPrefix}0`)).status, 401, 'removed sessions are gone');
      assert.equal((await readThroughApp(app, `${done.range.idPrefix}${SESSIONS - 1}`)).status, 401, 'removed sessions are gone');
    });

    if (store !== 'redis' && store !== 'memcached') {
      test('sessions written already expired are refused by the app (expiry is encoded the store\'s way)', async () => {
        assert.ok(app);
        const done = await prefillStore(app, request(50, -60_000));
        assert.equal(done.record.verified, 3);
        assert.equal((await readThroughApp(app, `${done.range.idPrefix}25`)).status, 401);
        await removePrefilled(app, done.range, new AbortController().signal);
      });
    }
  });
}

describe('prefill: a store without a bulk writer', () => {
  test('says so and writes nothing', async () => {
    const app = await startApp('file', undefined);
    try {
      assert.ok(app.capabilities.prefill && 'reason' in app.capabilities.prefill, 'the capability records why');
      await assert.rejects(prefillStore(app, request(10)), (error: unknown) => error instanceof PrefillUnsupported && /cannot prefill/.test(error.message));
    } finally {
      await app.stop();
    }
  });
});

describe('prefill: bounds', () => {
  test('Ctrl-C stops a prefill between batches', async () => {
    const app = await startApp('memory', undefined);
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 300);
      const started = performance.now();
      await assert.rejects(prefillStore(app, { ...request(1_000_000), signal: controller.signal }), /interrupted during the prefill/);
      assert.ok(performance.now() - started < 10_000, 'it stopped within a few batches');
    } finally {
      await app.stop();
    }
  });

  test('an in-process store that would fill the app heap fails as capacity, and the app lives', async () => {
    const previous = process.env.NODE_OPTIONS;
    process.env.NODE_OPTIONS = `${previous ?? ''} --max-old-space-size=160`.trim();
    let app: AppChild | undefined;
    try {
      app = await startApp('memory', undefined);
    } finally {
      if (previous === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = previous;
    }
    try {
      await assert.rejects(prefillStore(app, request(1_000_000)), (error: unknown) => {
        assert.ok(error instanceof EntryFailure, String(error));
        assert.equal(error.failureCause, 'capacity');
        assert.match(error.message, /keeps sessions in the app's heap: 1,000,000 sessions need about \d+ MiB, over 85 % of the app's \d+ MiB heap limit/);
        return true;
      });
      assert.equal(app.crashed(), undefined, 'the app did not run out of memory');
      assert.equal((await app.ask('heap')).limit < 400 * 2 ** 20, true, 'the heap limit was the small one');
    } finally {
      await app.stop();
    }
  });
});
