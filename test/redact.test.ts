import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRedactor } from '../harness/cli/redact.ts';

test('passwords from URLs are replaced wherever they appear', () => {
  const redact = createRedactor(['postgres://bench:s3cr%40t@db:5432/x', 'redis://:hunter2@127.0.0.1:6379', undefined, 'memcached://127.0.0.1:11211']);
  assert.equal(redact('connect to postgres://bench:s3cr%40t@db:5432/x failed'), 'connect to postgres://bench:***@db:5432/x failed');
  assert.equal(redact('password "s3cr@t" rejected; hunter2 too'), 'password "***" rejected; *** too');
  assert.equal(redact('nothing secret here'), 'nothing secret here');
});

test('without passwords, text is unchanged', () => {
  assert.equal(createRedactor(['redis://127.0.0.1:1'])('redis://127.0.0.1:1'), 'redis://127.0.0.1:1');
});
