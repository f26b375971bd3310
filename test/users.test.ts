import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { runMain } from './helpers/main.ts';
import { parseRunResult } from '../contract/read.ts';
import { cacheDelta } from '../harness/load/observe-phase.ts';

const root = mkdtempSync(path.join(tmpdir(), 'sessionbench-users-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('--users: the load spreads over many users', () => {
  test('redis and postgres, 1,000 prefilled users (zipfian): the load reads many prefilled sessions, the servers give hit figures', { timeout: 600_000 }, async () => {
    const run = await runMain(['--store', 'redis,postgres', '--scenario', 'read-heavy', '--repeat', '1', '--duration', '2s', '--warmup', '1s', '--probe-ops', '50', '--prefill', '1000', '--users', '1000', '--json', '--quiet', '--out', path.join(root, 'run')]);
    // A missing server fails the run with the reason in stderr, never a silent skip.
    assert.equal(run.code, 0, run.stderr);
    const result = parseRunResult(run.stdout, 'stdout');
    for (const store of ['redis', 'postgres']) {
      const entry = result.entries.find((e) => e.store === store);
      assert.ok(entry, `${store}: an entry`);
      assert.equal(entry.status, 'ok', entry.status === 'ok' ? '' : `${store}: ${entry.reason}`);
      if (entry.status !== 'ok') continue;
      assert.deepEqual({ users: entry.load.driver === 'autocannon' ? entry.load.users : undefined, distribution: entry.load.driver === 'autocannon' ? entry.load.distribution : undefined }, { users: 1000, distribution: 'zipfian' });
      const distinct = entry.measured.distinctSessions;
      assert.ok(distinct !== undefined && distinct > 10, `${store}: ${distinct} distinct sessions read, more than the 10 connections`);
      assert.ok(distinct <= 1000, `${store}: at most the 1,000 users`);
      // Every user was prefilled: no login, no 401 — the sessions read are the prefilled ones.
      assert.equal(entry.observations?.kind, 'load');
      if (entry.observations?.kind !== 'load') continue;
      assert.equal(entry.observations.logins, 0, `${store}: no user logged in; all were prefilled`);
      assert.equal(entry.observations.sessionMisses, 0, `${store}: every prefilled cookie found its session`);
      assert.equal(entry.storeOpsIntrinsic?.get !== undefined && entry.storeOpsIntrinsicGets, 'random-prefilled', `${store}: the intrinsic get read random prefilled sessions`);
      const cache = entry.measured.serverCache;
      assert.ok(cache, `${store}: the server's hit figures recorded`);
      assert.ok(cache.hits > 0, `${store}: ${cache.hits} hits over the phase (${cache.source})`);
    }
  });

  test('without a prefill, users log in the first time they are picked', { timeout: 300_000 }, async () => {
    const run = await runMain(['--store', 'memory', '--scenario', 'read-heavy', '--repeat', '1', '--duration', '1s', '--warmup', '1s', '--probe-ops', '0', '--users', '50', '--distribution', 'uniform', '--json', '--quiet', '--out', path.join(root, 'logins')]);
    assert.equal(run.code, 0, run.stderr);
    const entry = parseRunResult(run.stdout, 'stdout').entries[0]!;
    assert.equal(entry.status, 'ok');
    if (entry.status !== 'ok' || entry.observations?.kind !== 'load') return;
    assert.equal(entry.load.driver === 'autocannon' && entry.load.distribution, 'uniform');
    const loggedIn = entry.observations.clientsWithCookie ?? 0;
    assert.ok(loggedIn > 10 && loggedIn <= 50, `${entry.observations.clientsWithCookie} of 50 users logged in`);
    assert.equal(entry.observations.sessionMisses, 0);
    assert.ok((entry.measured.distinctSessions ?? 0) > 10, `${entry.measured.distinctSessions} distinct sessions read`);
  });

  test('--login-rate: new users arrive at the stated rate, each logging in once on its slot, and the sessions they leave stay stored', { timeout: 300_000 }, async () => {
    const rate = 40;
    const run = await runMain(['--store', 'memory', '--scenario', 'read-heavy', '--repeat', '1', '--duration', '3s', '--warmup', '2s', '--probe-ops', '0', '--memory-sessions', '0', '--users', '100', '--distribution', 'uniform', '--login-rate', String(rate), '--json', '--quiet', '--out', path.join(root, 'arrivals')]);
    assert.equal(run.code, 0, run.stderr);
    const entry = parseRunResult(run.stdout, 'stdout').entries[0]!;
    assert.equal(entry.status, 'ok');
    if (entry.status !== 'ok' || entry.observations?.kind !== 'load' || entry.load.driver !== 'autocannon') return;
    assert.equal(entry.load.loginsPerSecond, rate, 'recorded on the entry');
    // By the measured phase every one of the 100 users (uniform, thousands of requests a second) has been picked:
    // its logins are the arrivals, each logging in the next time its slot is picked (milliseconds later).
    const expected = rate * entry.measured.durationSeconds;
    const logins = entry.observations.logins;
    assert.ok(logins >= expected * 0.8 && logins <= expected * 1.2, `${logins} logins in the ${entry.measured.durationSeconds.toFixed(2)} s measured phase, ${expected.toFixed(0)} expected at ${rate}/s`);
    assert.equal(entry.observations.sessionMisses, 0, 'a new user logs in; it never sends a stale cookie');
    const { sessionsBefore, sessionsAfter } = entry.memory ?? {};
    assert.ok(sessionsBefore !== undefined && sessionsAfter !== undefined, 'MemoryStore counts its sessions');
    const added = sessionsAfter - sessionsBefore;
    assert.ok(Math.abs(added - logins) <= Math.max(3, logins * 0.1), `${added} sessions added to the store for ${logins} logins: the sessions left behind stay stored`);
  });

  test('k6 (open model): 1,000 prefilled users on redis, every iteration picking one; 20 new users a second log in beside them', { timeout: 300_000 }, async () => {
    const loginRate = 20;
    const run = await runMain(['--store', 'redis', '--driver', 'k6', '--rate', '200', '--scenario', 'read-heavy', '--repeat', '1', '--duration', '3s', '--warmup', '1s', '--probe-ops', '0', '--prefill', '1000', '--users', 'prefilled', '--distribution', 'uniform', '--login-rate', String(loginRate), '--json', '--quiet', '--out', path.join(root, 'k6')]);
    assert.equal(run.code, 0, run.stderr);
    const entry = parseRunResult(run.stdout, 'stdout').entries[0]!;
    assert.equal(entry.status, 'ok', entry.status === 'ok' ? '' : entry.reason);
    if (entry.status !== 'ok') return;
    assert.equal(entry.load.driver, 'k6');
    assert.deepEqual(entry.load.driver === 'k6' ? [entry.load.users, entry.load.distribution] : [], [1000, 'uniform']);
    assert.equal(entry.measured.non2xx, 0, 'every signed cookie found its prefilled session');
    // ~600 uniform draws over 1,000 users: far more than one session per VU.
    assert.ok((entry.measured.distinctSessions ?? 0) > 100, `${entry.measured.distinctSessions} distinct sessions read`);
    assert.ok(entry.measured.serverCache && entry.measured.serverCache.hits > 0);
    assert.equal(entry.load.driver === 'k6' && entry.load.loginsPerSecond, loginRate, 'recorded on the entry');
    // The prefilled users never log in: every login is a new user, at k6's constant arrival rate.
    const logins = entry.observations?.kind === 'load' ? entry.observations.logins : -1;
    const expected = loginRate * entry.measured.durationSeconds;
    assert.ok(Math.abs(logins - expected) <= 3, `${logins} logins in the ${entry.measured.durationSeconds} s measured phase, ${expected} expected at ${loginRate}/s`);
    const { sessionsBefore, sessionsAfter } = entry.memory ?? {};
    assert.ok(sessionsBefore !== undefined && sessionsAfter !== undefined, 'Redis counts its sessions');
    assert.ok(Math.abs(sessionsAfter - sessionsBefore - logins) <= 3, `${sessionsAfter - sessionsBefore} sessions added for ${logins} logins: each new user's session stays stored`);
  });

  test('export k6 --users: the script picks users with the same generator', async () => {
    const run = await runMain(['export', 'k6', '--scenario', 'read-heavy', '--target', 'http://127.0.0.1:3000', '--rate', '10', '--users', '500', '--distribution', 'latest']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /function makeUserChooser\(config, random\)/);
    assert.match(run.stdout, /"users":\{"count":500,"distribution":"latest"/);
    assert.match(run.stdout, /\/\/ Users: each iteration speaks for one of 500 users/);
    const race = await runMain(['export', 'k6', '--scenario', 'race', '--target', 'http://127.0.0.1:3000', '--rate', '10', '--users', '500']);
    assert.equal(race.code, 2);
  });

  test('export k6 --login-rate: new users log in as a scenario of their own beside each phase, at that rate', async () => {
    const run = await runMain(['export', 'k6', '--scenario', 'read-heavy', '--target', 'http://127.0.0.1:3000', '--rate', '100', '--users', '500', '--login-rate', '7']);
    assert.equal(run.code, 0, run.stderr);
    const options = JSON.parse(/export const options = (\{[\s\S]*?\n\});/.exec(run.stdout)![1]!) as { scenarios: Record<string, { exec?: string; rate: number; startTime: string; duration: string }> };
    assert.deepEqual(Object.keys(options.scenarios), ['warmup', 'warmup-arrivals', 'measured', 'measured-arrivals']);
    for (const phase of ['warmup', 'measured']) {
      const arrivals = options.scenarios[`${phase}-arrivals`]!;
      assert.deepEqual([arrivals.exec, arrivals.rate, arrivals.startTime, arrivals.duration], ['arrive', 7, options.scenarios[phase]!.startTime, options.scenarios[phase]!.duration]);
    }
    assert.match(run.stdout, /export function arrive\(\)/);
    const without = await runMain(['export', 'k6', '--scenario', 'read-heavy', '--target', 'http://127.0.0.1:3000', '--rate', '100', '--users', '500']);
    assert.doesNotMatch(without.stdout, /-arrivals/);
  });

  for (const [argv, message] of [
    [['--users', '10', '--distribution', 'pareto'], /^sessionbench: --distribution: unknown "pareto"; valid: zipfian, uniform, latest\n$/],
    [['--users', 'prefilled'], /^sessionbench: --users prefilled: .*give --prefill too/],
    [['--users', '0'], /^sessionbench: --users: "0" must be a whole number from 1 to 10000000/],
    [['--login-rate', '50'], /^sessionbench: --login-rate: new users take over user slots; give the working set with --users too/],
    [['--users', '100', '--login-rate', '0'], /^sessionbench: --login-rate: "0" must be a whole number from 1 to 100000/],
  ] as const) {
    test(`bad input ${argv.join(' ')}: one line, exit 2`, async () => {
      const run = await runMain(['--store', 'memory', ...argv, '--out', path.join(root, 'bad')]);
      assert.equal(run.code, 2);
      assert.match(run.stderr, message);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    });
  }
});

describe('server hit figures over a phase', () => {
  test('deltas of the counters; none when a reading is missing or the server reset its counters', () => {
    const source = 'test';
    assert.deepEqual(cacheDelta({ hits: 100, misses: 5, evictions: 1, source }, { hits: 150, misses: 9, evictions: 1, source }), { hits: 50, misses: 4, evictions: 0, source });
    assert.deepEqual(cacheDelta({ hits: 100, misses: 5, source }, { hits: 150, misses: 9, source }), { hits: 50, misses: 4, source });
    assert.equal(cacheDelta(undefined, { hits: 1, misses: 0, source }), undefined);
    assert.equal(cacheDelta({ hits: 100, misses: 5, source }, { hits: 3, misses: 0, source }), undefined, 'a restarted server');
  });
});
