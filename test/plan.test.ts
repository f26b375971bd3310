import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../harness/errors.ts';
import { buildPlan, parseDuration, parseSize } from '../harness/plan/plan.ts';
import { defaultBenchOptions } from '../harness/plan/options.ts';
import type { RawBenchOptions } from '../harness/plan/options.ts';
import { STORE_IDS } from '../contract/vocabulary.ts';

const defaults: RawBenchOptions = defaultBenchOptions();

test('durations accept units and plain seconds', () => {
  assert.equal(parseDuration('--duration', '10s', { min: 1, max: 60 }), 10);
  assert.equal(parseDuration('--duration', '2m', { min: 1, max: 600 }), 120);
  assert.equal(parseDuration('--duration', '1500ms', { min: 1, max: 60 }), 1.5);
  assert.equal(parseDuration('--duration', '3', { min: 1, max: 60 }), 3);
});

test('sizes accept b, kb and mb', () => {
  assert.equal(parseSize('--payload', '1kb'), 1024);
  assert.equal(parseSize('--payload', '100KB'), 102_400);
  assert.equal(parseSize('--payload', '512'), 512);
  assert.throws(() => parseSize('--payload', 'huge'), UsageError);
});

test('the default plan runs every store on read-heavy and the correctness race, three repetitions each', () => {
  const plan = buildPlan(defaults, {});
  assert.deepEqual(plan.stores, [...STORE_IDS]);
  assert.ok(plan.stores.includes('knex-sqlite'), 'SQLite needs no server: it is in the default run');
  assert.equal(plan.storesNamed, false);
  assert.deepEqual(plan.scenarios.map((s) => s.id), ['read-heavy', 'race-one-write']);
  assert.equal(plan.repeat, 3);
  assert.deepEqual(plan.serverUrls, {});
});

test('--repeat auto: three with 8 or more stores; fewer stores get more rounds (24 ÷ stores, up to 12); a number is taken as given', () => {
  const repeatFor = (store: string, repeat = 'auto') => buildPlan({ ...defaults, store, repeat }, {}).repeat;
  assert.equal(defaults.repeat, 'auto');
  assert.equal(repeatFor('redis'), 3, 'one store: nothing to tell apart, three say its noise');
  assert.equal(repeatFor('redis,memcached'), 12);
  assert.equal(repeatFor('redis,memcached,postgres'), 8);
  assert.equal(repeatFor('redis,memcached,postgres,mysql,memory'), 5);
  assert.equal(repeatFor('none,memory,cookie,redis,memcached,postgres,mongo,memorystore'), 3);
  assert.equal(repeatFor('redis,memcached', '2'), 2);
  assert.equal(repeatFor('redis,memcached', ' auto '), 12);
});

test('--repeat auto with --baseline: at least the 5 repetitions the gate needs to decide; fewer given are refused', () => {
  const plan = (store: string, repeat: string) => buildPlan({ ...defaults, store, repeat, baseline: 'main.json' }, {});
  assert.equal(plan('redis', 'auto').repeat, 5);
  assert.equal(plan('all', 'auto').repeat, 5);
  assert.equal(plan('redis,memcached', 'auto').repeat, 12);
  assert.equal(plan('redis', '7').repeat, 7);
  assert.throws(() => plan('redis', '4'), /--repeat 4 with --baseline: the gate's exact test needs 5 repetitions on each side .*; use --repeat 5/);
});

test('--quick is the short run of earlier versions: read-heavy, one 5 s repetition', () => {
  const plan = buildPlan({ ...defaults, quick: true }, {});
  assert.deepEqual(plan.scenarios.map((s) => s.id), ['read-heavy']);
  assert.equal(plan.repeat, 1);
  assert.equal(plan.durationSeconds, 5);
});

test('--mitigation is a list like --store, none by default', () => {
  assert.deepEqual(buildPlan(defaults, {}).mitigations, ['none']);
  assert.deepEqual(buildPlan({ ...defaults, mitigation: 'none, mutex,store-lock,mutex' }, {}).mitigations, ['none', 'mutex', 'store-lock']);
});

test('server URLs come from flags first, then the environment', () => {
  const plan = buildPlan({ ...defaults, redisUrl: 'redis://127.0.0.1:1' }, { REDIS_URL: 'redis://127.0.0.1:2', POSTGRES_URL: 'postgres://u:p@127.0.0.1:3/db' });
  assert.equal(plan.serverUrls.redis, 'redis://127.0.0.1:1');
  assert.equal(plan.serverUrls.postgres, 'postgres://u:p@127.0.0.1:3/db');
});

test('each bad value names its flag and the fix', () => {
  const cases: Array<[Partial<RawBenchOptions>, RegExp]> = [
    [{ store: 'nope' }, /--store: unknown "nope"; valid: none, memory/],
    [{ store: 'redis,nope,bad' }, /unknown "nope", "bad"/],
    [{ scenario: 'fast' }, /--scenario: unknown "fast"; valid: read-heavy/],
    [{ duration: 'abc' }, /--duration: "abc" is not a duration/],
    [{ duration: '0s' }, /--duration: 0s is out of range/],
    [{ duration: '-5s' }, /--duration/],
    [{ duration: '10y' }, /--duration: 10y is out of range/],
    [{ connections: '0' }, /--connections: "0" must be a whole number from 1/],
    [{ connections: '2.5' }, /--connections/],
    [{ connections: '1000000' }, /--connections/],
    [{ repeat: 'x' }, /--repeat: "x" must be a whole number from 1 to 100, or auto$/],
    [{ redisUrl: 'not a url' }, /--redis-url: not a valid URL: not a url .*; use e\.g\. redis:\/\/127\.0\.0\.1:6379/],
    [{ mongoUrl: 'http://127.0.0.1:1' }, /--mongo-url: not a valid URL: .*expected connection string to start with "mongodb:\/\/"/],
    [{ mitigation: 'lock' }, /--mitigation: unknown "lock"; valid: none, mutex, store-lock, if-exists, versioned/],
  ];
  for (const [override, expected] of cases) {
    assert.throws(() => buildPlan({ ...defaults, ...override }, {}), (error: unknown) => {
      assert.ok(error instanceof UsageError, `${JSON.stringify(override)} → ${String(error)}`);
      assert.match(error.message, expected);
      assert.ok(!error.message.includes('\n'), 'one line');
      return true;
    });
  }
});

test('a password in a malformed URL is not echoed', () => {
  assert.throws(() => buildPlan({ ...defaults, redisUrl: 'redis://user:hunter2@[bad' }, {}), (error: Error) => !error.message.includes('hunter2'));
});

test('--store-option goes to the selected stores that declare it, as given', () => {
  const plan = buildPlan({ ...defaults, store: 'memorystore,redis,mysql', storeOption: ['memorystore.max=100', 'disableTouch=true'] }, {});
  assert.deepEqual(plan.storeOptions, { memorystore: { max: '100' }, redis: { disableTouch: 'true' }, mysql: { disableTouch: 'true' } });
  assert.deepEqual(buildPlan(defaults, {}).storeOptions, {});
});

test('an unknown or invalid --store-option is one line naming the store and the fix', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['memorystore', ['max=abc'], /^--store-option max=abc: memorystore: max \(sessions kept before the LRU evicts\): give a whole number$/],
    ['memorystore', ['max=0'], /memorystore: max .*: at least 1$/],
    ['redis', ['disableTouch=maybe'], /^--store-option disableTouch=maybe: redis: disableTouch: give true or false$/],
    ['memorystore', ['colour=blue'], /no selected store takes "colour"; options: memorystore: max, checkPeriod$/],
    ['memory', ['max=10'], /no selected store takes "max"; options: none of the selected stores takes options$/],
    ['memorystore', ['redis.disableTouch=true'], /"redis" is not among the selected stores \(memorystore\)/],
    ['memorystore', ['max'], /"max" is not key=value or store\.key=value/],
  ];
  for (const [store, storeOption, expected] of cases) {
    assert.throws(() => buildPlan({ ...defaults, store, storeOption }, {}), (error: unknown) => {
      assert.ok(error instanceof UsageError, `${storeOption.join(' ')} → ${String(error)}`);
      assert.match(error.message, expected);
      assert.ok(!error.message.includes('\n'), 'one line');
      return true;
    });
  }
});

test('--prefill takes a list of session counts with k and m, and refuses anything else in one line', () => {
  assert.deepEqual(buildPlan(defaults, {}).prefill, [0], 'no prefill unless asked');
  assert.deepEqual(buildPlan({ ...defaults, prefill: '0,100k,1m' }, {}).prefill, [0, 100_000, 1_000_000]);
  assert.deepEqual(buildPlan({ ...defaults, prefill: '200,200,1.5k' }, {}).prefill, [200, 1500]);
  for (const bad of ['lots', '-5', '1.5', '20m', '1,,2']) {
    assert.throws(() => buildPlan({ ...defaults, prefill: bad }, {}), (error: unknown) => error instanceof UsageError && /^--prefill: ".*" is not a session count/.test(error.message), bad);
  }
});
