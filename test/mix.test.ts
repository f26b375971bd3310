import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandMix } from '../harness/load/mix.ts';
import { applySetCookie, cookieHeader, sessionIdFromCookie } from '../harness/client/cookies.ts';
import { makePayload } from '../scenarios/payload.ts';

test('a 95/5 mix becomes 19 reads and 1 write per cycle of 20', () => {
  const sequence = expandMix([{ route: 'GET /session', weight: 95 }, { route: 'POST /session', weight: 5 }]);
  assert.equal(sequence.length, 20);
  assert.equal(sequence.filter((r) => r === 'POST /session').length, 1);
});

test('an 80/20 mix is interleaved, not grouped', () => {
  const sequence = expandMix([{ route: 'GET /session', weight: 20 }, { route: 'POST /session', weight: 80 }]);
  assert.deepEqual(sequence, ['POST /session', 'POST /session', 'GET /session', 'POST /session', 'POST /session']);
});

test('the cookie jar keeps, replaces and deletes cookies like a browser', () => {
  const jar = new Map<string, string>();
  applySetCookie(jar, ['sid=s%3Aabc.sig; Path=/; HttpOnly', 'session=e30=; path=/', 'session.sig=xyz; path=/']);
  assert.equal(cookieHeader(jar), 'sid=s%3Aabc.sig; session=e30=; session.sig=xyz');
  assert.equal(sessionIdFromCookie(jar.get('sid')), 'abc');
  applySetCookie(jar, 'session=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT');
  assert.equal(jar.has('session'), false);
  applySetCookie(jar, 'sid=gone; Max-Age=0');
  assert.equal(cookieHeader(jar), 'session.sig=xyz');
});

test('payloads are realistic JSON of about the requested size in UTF-8 bytes', () => {
  for (const bytes of [1024, 10 * 1024, 100 * 1024]) {
    const size = Buffer.byteLength(JSON.stringify(makePayload(bytes)));
    assert.ok(size >= bytes && size < bytes + 200, `${bytes} → ${size}`);
  }
});
