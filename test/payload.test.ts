import { sessionSettings } from '../harness/plan/plan.ts';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import { startAppChild } from '../harness/app/child.ts';
import type { AppChild } from '../harness/app/child.ts';
import { checkPayloadLimit, payloadLimitProblem, probeLoginCookie } from '../harness/probes/payload-limit.ts';
import type { StoreId } from '../contract/vocabulary.ts';

const settings = sessionSettings({ secret: 'test', maxAgeMs: 60_000 });

async function withApp<T>(store: StoreId, payloadBytes: number, use: (app: AppChild) => Promise<T>): Promise<T> {
  const app = await startAppChild({ store, settings, app: { payloadBytes } });
  try {
    return await use(app);
  } finally {
    await app.stop();
  }
}

/** A raw HTTP request with a chosen header limit, the way a browser (larger limit than Node's 16 KiB) would talk. */
function rawRequest(url: string, path: string, headers: Record<string, string>): Promise<{ status: number; setCookie: string[] }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { method: 'POST', headers, maxHeaderSize: 1024 * 1024, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, setCookie: res.headers['set-cookie'] ?? [] }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

describe('payload limits show up as explicit failures', () => {
  test('cookie store, 1 KB: the cookie fits, no problem', async () => {
    await withApp('cookie', 1000, async (app) => assert.equal(await checkPayloadLimit(app), undefined));
  });

  test('cookie store, 10 KB: the login\'s Set-Cookie exceeds the browser\'s 4096 bytes', async () => {
    await withApp('cookie', 10_000, async (app) => {
      const probe = await probeLoginCookie(app.url);
      assert.equal(probe.status, 200, 'the server itself accepts it: nothing fails unless we check');
      assert.ok(probe.setCookieBytes > 4096, `Set-Cookie of ${probe.setCookieBytes} bytes`);
      const problem = payloadLimitProblem(app.capabilities, probe);
      assert.equal(problem?.cause, 'payload-limit');
      assert.match(problem.text, /over the 4096-byte limit/);
    });
  });

  test('cookie store, 100 KB: Node\'s client fails on the login\'s response headers', async () => {
    await withApp('cookie', 100_000, async (app) => {
      assert.equal((await probeLoginCookie(app.url)).error, 'UND_ERR_HEADERS_OVERFLOW');
      const problem = await checkPayloadLimit(app);
      assert.equal(problem?.cause, 'payload-limit');
      assert.match(problem.text, /over Node's 16 KiB limit/);
    });
  });

  test('cookie store, 13 KB: a client that accepts the >16 KiB cookie gets 431 when it sends it back', async () => {
    await withApp('cookie', 13_000, async (app) => {
      assert.equal((await probeLoginCookie(app.url)).error, 'UND_ERR_HEADERS_OVERFLOW');
      const login = await rawRequest(app.url, '/login', {});
      assert.equal(login.status, 200);
      const cookie = login.setCookie.map((header) => header.split(';')[0]).join('; ');
      assert.ok(cookie.length > 16 * 1024 && cookie.length < 24 * 1024, `cookie of ${cookie.length} bytes`);
      assert.equal((await rawRequest(app.url, '/session', { cookie })).status, 431);
    });
  });

  test('memory store, 100 KB: the cookie holds only the id, no problem', async () => {
    await withApp('memory', 100_000, async (app) => {
      const probe = await probeLoginCookie(app.url);
      assert.ok(probe.setCookieBytes < 300);
      assert.equal(payloadLimitProblem(app.capabilities, probe), undefined);
    });
  });
});
