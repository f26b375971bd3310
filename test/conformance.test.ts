import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Cookie } from 'express-session';
import type { CookieOptions, SessionData, Store } from 'express-session';
import { makePayload } from '../scenarios/payload.ts';
import { COOKIE_SESSION_NAME } from '../stores/cookie.ts';
import { STORES, createStoreAdapter } from '../stores/index.ts';
import { provisionServer } from '../stores/servers/provision.ts';
import type { ProvisionedServer } from '../stores/servers/types.ts';
import type { AdapterContext, SessionSettings, StoreAdapter, StoreId } from '../stores/types.ts';
import { SessionClient } from '../harness/client/http-client.ts';
import { cookieExpiry, serveApp } from './helpers/serve-app.ts';

/** Every store that keeps sessions; `none` keeps none, so it has nothing to conform to. */
const STORES_UNDER_TEST: StoreId[] = ['memory', 'cookie', 'redis', 'memcached', 'postgres', 'mongo'];

const SETTINGS: SessionSettings = { secret: 'conformance', resave: false, saveUninitialized: false, rolling: false, maxAgeMs: 60_000 };
const SHORT_MAX_AGE_MS = 1000;
/** Past a short session's expiry, with slack for stores that count TTL in whole seconds. */
const EXPIRY_WAIT_MS = 2600;
const LARGE_PAYLOAD_BYTES = 100_000;
const CONCURRENT_SESSIONS = 50;
const DAY_MS = 24 * 60 * 60 * 1000;

interface Subject {
  adapter: StoreAdapter;
  /** The same store with a one-second maxAge, for expiry. */
  shortLived: StoreAdapter;
  server?: ProvisionedServer;
}

function storeCall(fn: (cb: (err?: unknown, value?: unknown) => void) => void): Promise<unknown> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

/** express-session's own Cookie (its types omit the constructor's options): stores read its live `maxAge`. */
const SessionCookie = Cookie as unknown as new (options: CookieOptions) => Cookie;

function sessionData(maxAgeMs: number, fields: Record<string, unknown>): SessionData {
  return { cookie: new SessionCookie({ maxAge: maxAgeMs, httpOnly: true, path: '/' }), ...fields } as unknown as SessionData;
}

const setSession = (store: Store, id: string, data: SessionData): Promise<unknown> => storeCall((cb) => store.set(id, data, cb));
const getSession = async (store: Store, id: string): Promise<Record<string, unknown> | undefined> =>
  ((await storeCall((cb) => store.get(id, cb))) ?? undefined) as Record<string, unknown> | undefined;

let sequence = 0;
const freshId = (label: string): string => `conformance-${label}-${process.pid}-${++sequence}`;

/** The session as cookie-session keeps it: base64 JSON in the cookie itself. */
function decodeCookieSession(client: SessionClient): Record<string, unknown> {
  const value = client.jar.get(COOKIE_SESSION_NAME);
  assert.ok(value, 'cookie-session set no session cookie');
  return JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as Record<string, unknown>;
}

for (const id of STORES_UNDER_TEST) {
  describe(`store conformance: ${id}`, () => {
    const definition = STORES[id];
    let subject: Subject | undefined;

    before(async () => {
      let server: ProvisionedServer | undefined;
      if (definition.server) {
        const outcome = await provisionServer({ kind: definition.server, log: (line) => console.log(`# ${line}`) });
        // A missing server fails the suite with the reason: conformance is never skipped for want of a server.
        assert.equal(outcome.status, 'ready', outcome.status === 'skipped' ? `no ${definition.server} server: ${outcome.reason}` : '');
        if (outcome.status !== 'ready') return;
        server = outcome.server;
      }
      const create = async (context: Omit<AdapterContext, 'label'>) => createStoreAdapter(definition.id, context);
      const handle = server?.handle;
      const adapter = await create({ settings: SETTINGS, server: handle });
      const shortLived = await create({ settings: { ...SETTINGS, maxAgeMs: SHORT_MAX_AGE_MS }, server: handle });
      subject = { adapter, shortLived, server };
    });

    after(async () => {
      await subject?.adapter.close();
      await subject?.shortLived.close();
      await subject?.server?.stop();
    });

    /** The subject; a store whose server could not be provisioned has failed in `before`. */
    function ready(_t: TestContext): Subject | undefined {
      return subject;
    }

    /** The express-session Store, or undefined after marking the test skipped because the store has none. */
    function storeOf(t: TestContext): Store | undefined {
      const s = ready(t);
      if (!s) return undefined;
      if (!s.adapter.store) {
        assert.equal(s.adapter.capabilities.serverSide, false, 'a server-side store must expose its Store');
        t.skip('no server-side Store: the whole session lives in the cookie (capabilities.serverSide = false)');
      }
      return s.adapter.store;
    }

    test('login, read, update and logout over HTTP; a captured cookie after logout', async (t) => {
      const s = ready(t);
      if (!s) return;
      const app = await serveApp(s.adapter, 512);
      try {
        const client = new SessionClient(app.base);
        const login = await client.send('POST', '/login');
        assert.equal(login.status, 200);
        assert.equal((await client.send('GET', '/session')).body['user'], login.body['user']);
        assert.equal((await client.send('POST', '/session')).body['views'], 1);
        assert.equal((await client.send('GET', '/session')).body['views'], 1);
        if (s.adapter.capabilities.serverSide) {
          const stored = await s.adapter.inspect.get(String(login.body['sessionId']));
          assert.equal(stored?.['views'], 1, 'the update reached the store');
        }
        const captured = client.clone();
        assert.equal((await client.send('POST', '/logout')).status, 200);
        assert.equal((await client.send('GET', '/session')).status, 401, 'the browser holds no session after logout');
        const replay = await captured.send('GET', '/session');
        if (s.adapter.capabilities.revocable) assert.equal(replay.status, 401, 'a destroyed session stays gone');
        else {
          assert.equal(replay.status, 200, 'declared: a captured cookie-session cookie stays valid after logout');
          t.diagnostic('capabilities.revocable = false: the replayed cookie was still accepted');
        }
      } finally {
        await app.close();
      }
    });

    test('Store API: set, get, update, touch, destroy', async (t) => {
      const store = storeOf(t);
      if (!store) return;
      const sid = freshId('crud');
      await setSession(store, sid, sessionData(60_000, { user: 'alice', n: 1 }));
      assert.deepEqual({ ...(await getSession(store, sid)), cookie: undefined }, { user: 'alice', n: 1, cookie: undefined });
      await setSession(store, sid, sessionData(60_000, { user: 'alice', n: 2 }));
      assert.equal((await getSession(store, sid))?.['n'], 2);
      assert.ok(store.touch, 'every express-session store here implements touch');
      await storeCall((cb) => store.touch!(sid, sessionData(60_000, { user: 'alice', n: 2 }), cb));
      assert.equal((await getSession(store, sid))?.['n'], 2, 'touch keeps the data');
      await storeCall((cb) => store.destroy(sid, cb));
      assert.equal(await getSession(store, sid), undefined);
    });

    test('touch carries a short session past its first expiry', async (t) => {
      const store = storeOf(t);
      if (!store) return;
      const sid = freshId('touch');
      await setSession(store, sid, sessionData(2000, { user: 'touched' }));
      await delay(1200);
      await storeCall((cb) => store.touch!(sid, sessionData(5000, { user: 'touched' }), cb));
      await delay(1800);
      assert.equal((await getSession(store, sid))?.['user'], 'touched', 'alive 3 s after a 2 s session was touched at 1.2 s');
    });

    test('a short-maxAge session is gone once it expires', async (t) => {
      const s = ready(t);
      if (!s) return;
      const app = await serveApp(s.shortLived, 512);
      try {
        const client = new SessionClient(app.base);
        const login = await client.send('POST', '/login');
        const sid = freshId('expiry');
        if (s.shortLived.store) await setSession(s.shortLived.store, sid, sessionData(SHORT_MAX_AGE_MS, { user: 'brief' }));
        const expires = cookieExpiry(login.setCookie, s.shortLived.store ? 'sid' : COOKIE_SESSION_NAME);
        assert.ok(expires !== undefined && Math.abs(expires - (Date.now() + SHORT_MAX_AGE_MS)) < 2000, 'the cookie says when it expires');
        const replay = client.clone();
        await delay(EXPIRY_WAIT_MS);
        if (s.shortLived.capabilities.serverSide) {
          assert.equal((await replay.send('GET', '/session')).status, 401, 'the expired session is refused');
          assert.equal(await getSession(s.shortLived.store!, sid), undefined, 'the Store returns nothing for an expired session');
        } else {
          assert.equal((await replay.send('GET', '/session')).status, 200, 'declared: only the browser enforces a cookie-session expiry');
          t.diagnostic(`removesExpired: ${JSON.stringify(s.shortLived.capabilities.removesExpired)}`);
        }
      } finally {
        await app.close();
      }
    });

    test('payload round-trip over HTTP: the app payload with unicode', async (t) => {
      const s = ready(t);
      if (!s) return;
      const bytes = 1500;
      const app = await serveApp(s.adapter, bytes);
      try {
        const client = new SessionClient(app.base);
        const login = await client.send('POST', '/login');
        assert.equal(login.status, 200);
        const stored = s.adapter.capabilities.serverSide ? await s.adapter.inspect.get(String(login.body['sessionId'])) : decodeCookieSession(client);
        assert.deepEqual(stored?.['payload'], makePayload(bytes));
        assert.equal((await client.send('GET', '/session')).body['user'], login.body['user']);
      } finally {
        await app.close();
      }
    });

    test(`payload of ${LARGE_PAYLOAD_BYTES / 1000} KB over HTTP, or the declared payload limit`, async (t) => {
      const s = ready(t);
      if (!s) return;
      const app = await serveApp(s.adapter, LARGE_PAYLOAD_BYTES);
      try {
        const client = new SessionClient(app.base);
        const limit = s.adapter.capabilities.payloadLimit;
        if (limit && limit.bytes < LARGE_PAYLOAD_BYTES) {
          const outcome = await client.send('POST', '/login').then((reply) => `HTTP ${reply.status}`, (error: Error) => `${error.message}: ${(error.cause as Error | undefined)?.message}`);
          assert.doesNotMatch(outcome, /^HTTP 2/, `a ${LARGE_PAYLOAD_BYTES}-byte session over the declared ${limit.bytes}-byte limit must not look like success`);
          t.diagnostic(`declared limit ${limit.bytes} bytes (${limit.reason}); what happened: ${outcome}`);
          return;
        }
        const login = await client.send('POST', '/login');
        assert.equal(login.status, 200);
        assert.equal((await client.send('GET', '/session')).status, 200);
        const stored = await s.adapter.inspect.get(String(login.body['sessionId']));
        assert.deepEqual(stored?.['payload'], makePayload(LARGE_PAYLOAD_BYTES));
      } finally {
        await app.close();
      }
    });

    test('Store API round-trip: nested JSON, unicode, 100 KB', async (t) => {
      const store = storeOf(t);
      if (!store) return;
      const sid = freshId('payload');
      const fields = {
        nested: { a: [1, { b: [true, null, 'x'] }], deep: { deeper: { deepest: 'ok' } } },
        unicode: 'Grüße, 東京, emoji 🎉, RTL שלום, zero-width \u200b',
        big: 'x'.repeat(LARGE_PAYLOAD_BYTES),
      };
      await setSession(store, sid, sessionData(60_000, fields));
      const back = await getSession(store, sid);
      assert.deepEqual({ nested: back?.['nested'], unicode: back?.['unicode'], big: back?.['big'] }, fields);
    });

    test(`${CONCURRENT_SESSIONS} concurrent distinct sessions`, async (t) => {
      const s = ready(t);
      if (!s) return;
      const app = await serveApp(s.adapter, 256);
      try {
        const clients = Array.from({ length: CONCURRENT_SESSIONS }, () => new SessionClient(app.base));
        const logins = await Promise.all(clients.map((client) => client.send('POST', '/login')));
        assert.ok(logins.every((login) => login.status === 200));
        const identities = s.adapter.capabilities.serverSide
          ? logins.map((login) => login.body['sessionId'])
          : clients.map((client) => client.jar.get(COOKIE_SESSION_NAME));
        assert.equal(new Set(identities).size, CONCURRENT_SESSIONS, 'every login got its own session');
        const users = logins.map((login) => login.body['user']);
        const reads = await Promise.all(clients.map((client) => client.send('GET', '/session')));
        assert.deepEqual(reads.map((read) => read.body['user']), users, 'each client reads its own session back');
        if (!s.adapter.capabilities.serverSide) return;
        const stored = await Promise.all(logins.map((login) => s.adapter.inspect.get(String(login.body['sessionId']))));
        assert.deepEqual(stored.map((session) => (session?.['user'] as { id: string } | undefined)?.id), users);
        const count = await s.adapter.inspect.count();
        if (s.adapter.capabilities.countsSessions) assert.ok(count !== undefined && count >= CONCURRENT_SESSIONS, `count ${count}`);
        else assert.equal(count, undefined, 'a store that declares it cannot count returns undefined');
      } finally {
        await app.close();
      }
    });

    test('a session with maxAge over 30 days (29 days always works)', async (t) => {
      const store = storeOf(t);
      if (!store) return;
      const s = subject!;
      const within = freshId('29d');
      await setSession(store, within, sessionData(29 * DAY_MS, { user: 'long-lived' }));
      assert.equal((await getSession(store, within))?.['user'], 'long-lived');
      const maxAgeMs = 31 * DAY_MS;
      const sid = freshId('31d');
      await setSession(store, sid, sessionData(maxAgeMs, { user: 'long-lived' }));
      const back = await getSession(store, sid);
      const ttlLimit = s.adapter.capabilities.ttlLimit;
      if (ttlLimit && maxAgeMs / 1000 > ttlLimit.seconds) {
        assert.equal(back, undefined, 'declared: the store drops a session whose lifetime exceeds its TTL limit');
        t.diagnostic(`ttlLimit ${ttlLimit.seconds} s: ${ttlLimit.reason}`);
      } else {
        assert.equal(back?.['user'], 'long-lived');
      }
    });

    test('server stats come from the server', async (t) => {
      const s = ready(t);
      if (!s) return;
      const stats = await s.adapter.inspect.serverStats();
      if (!definition.server) return assert.equal(stats, undefined, 'an embedded store has no server to ask');
      assert.ok(stats && Number.isFinite(stats.bytes) && stats.bytes > 0, JSON.stringify(stats));
      assert.ok(stats.source.length > 0);
      assert.ok(s.server?.handle.info.label, 'the server reports an honest label');
      t.diagnostic(`${s.server.handle.info.label}: ${stats.bytes} bytes (${stats.source}), sessions ${stats.sessions}`);
    });
  });
}
