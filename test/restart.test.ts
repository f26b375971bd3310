import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OkEntry, ResultEntry } from '../contract/result.ts';
import { UsageError } from '../harness/errors.ts';
import { benchOptions } from '../harness/plan/options.ts';
import { buildPlan } from '../harness/plan/plan.ts';
import { objectionBrief, restartEvidence, restartObjections } from '../reports/verdict/recommend.ts';
import { SCENARIOS } from '../scenarios/index.ts';
import { findBinary } from '../stores/servers/binaries.ts';
import { findPostgres } from '../stores/servers/kinds/postgres.ts';
import { isRunning } from '../stores/servers/process-tree.ts';
import { provisionServer } from '../stores/servers/provision.ts';
import { runningServerCount } from '../stores/servers/registry.ts';
import type { ProvisionedServer } from '../stores/servers/types.ts';
import type { StoreId } from '../contract/vocabulary.ts';
import { observed } from './helpers/observations.ts';
import { entryOf, runScenario } from './helpers/scenario-run.ts';

const SESSIONS = 20;
const restart = { ...SCENARIOS.restart!, sessions: SESSIONS };

const REDIS_MISSING = 'redis-server is not installed (apt-get install -y redis-server, or .ci/install-packages.sh)';

async function restarted(store: StoreId, options: Parameters<typeof runScenario>[3] = {}): Promise<OkEntry> {
  const entries = await runScenario([store], restart, 90_000, options);
  const entry = entryOf(entries, store);
  assert.equal(entry.status, 'ok', entry.status === 'ok' ? '' : entry.reason);
  assert.equal(runningServerCount(), 0, 'the restarted server was stopped at the end of the run, like any other');
  return entry as OkEntry;
}

test('a Redis without persistence, killed with SIGKILL and restarted: every session is gone, and the verdict objects with the count', { timeout: 120_000 }, async () => {
  assert.ok(findBinary('redis-server'), REDIS_MISSING);
  const entry = await restarted('redis');
  const outcome = observed(entry, 'restart');
  assert.equal(outcome.validBefore, SESSIONS, 'every user was logged in before the kill');
  assert.equal(outcome.persistence.settings.appendonly, 'no', `asked of the server: ${JSON.stringify(outcome.persistence)}`);
  assert.equal(outcome.persistence.settings.save, '', 'no RDB snapshots either');
  assert.equal(outcome.persistence.keepsOnDisk, false);
  assert.equal(outcome.validAfter, 0, 'no session survived');
  assert.equal(outcome.rejectedAfter, SESSIONS, 'each old cookie is refused as logged out (401), not failed');
  assert.equal(outcome.storedAfter, 0, 'the store itself holds none of them');
  assert.ok(outcome.appRecoveredMs !== undefined, 'the app served a new login again after the restart');
  const objections = restartObjections(restartEvidence([entry]));
  assert.deepEqual(objections.map((o) => [o.code, o.count]), [['sessions-lost-on-restart', { found: SESSIONS, outOf: SESSIONS }]]);
  assert.match(objections[0]!.text, /every user was logged out/);
  assert.equal(objectionBrief(objections[0]!), `loses every session on restart (${SESSIONS} of ${SESSIONS})`, 'the words the headline and the terminal use');
});

for (const appendfsync of ['everysec', 'always'] as const) {
  test(`a Redis with AOF (appendfsync ${appendfsync}), killed with SIGKILL and restarted: every session is still valid, and nothing is objected`, { timeout: 120_000 }, async () => {
    assert.ok(findBinary('redis-server'), REDIS_MISSING);
    const entry = await restarted('redis', { serverOption: ['redis.appendonly=yes', `redis.appendfsync=${appendfsync}`] });
    const outcome = observed(entry, 'restart');
    assert.deepEqual([outcome.persistence.settings.appendonly, outcome.persistence.settings.appendfsync], ['yes', appendfsync], `asked of the server: ${JSON.stringify(outcome.persistence)}`);
    assert.equal(outcome.persistence.summary, `AOF, appendfsync ${appendfsync}`);
    assert.equal(outcome.validBefore, SESSIONS);
    assert.equal(outcome.validAfter, SESSIONS, `every session survived: ${JSON.stringify(outcome)}`);
    assert.equal(outcome.storedAfter, SESSIONS);
    assert.deepEqual(restartObjections(restartEvidence([entry])), []);
  });
}

test('PostgreSQL, its whole process tree killed with SIGKILL and restarted: every session is still valid', { timeout: 120_000 }, async () => {
  assert.ok(findPostgres(), 'PostgreSQL is not installed (apt-get install -y postgresql, or .ci/install-packages.sh)');
  const entry = await restarted('postgres');
  const outcome = observed(entry, 'restart');
  assert.ok(outcome.processesKilled > 1, `the postmaster and its backends were killed, not the postmaster alone: ${outcome.processesKilled}`);
  assert.equal(outcome.persistence.settings.fsync, 'on', JSON.stringify(outcome.persistence));
  assert.equal(outcome.validBefore, SESSIONS);
  assert.equal(outcome.validAfter, SESSIONS, JSON.stringify(outcome));
  assert.equal(outcome.storedAfter, SESSIONS);
});

test('memcached, killed with SIGKILL and restarted: it keeps nothing on disk, and every session is gone', { timeout: 120_000 }, async () => {
  assert.ok(findBinary('memcached'), 'memcached is not installed (apt-get install -y memcached, or .ci/install-packages.sh)');
  const entry = await restarted('memcached');
  const outcome = observed(entry, 'restart');
  assert.equal(outcome.persistence.keepsOnDisk, false, JSON.stringify(outcome.persistence));
  assert.equal(outcome.validBefore, SESSIONS);
  assert.equal(outcome.validAfter, 0, JSON.stringify(outcome));
  assert.deepEqual(restartObjections(restartEvidence([entry])).map((o) => o.count), [{ found: SESSIONS, outOf: SESSIONS }]);
});

test('a Redis given by URL is never killed: a skipped entry says why, and the server runs on untouched', { timeout: 120_000 }, async () => {
  assert.ok(findBinary('redis-server'), REDIS_MISSING);
  const outcome = await provisionServer({ kind: 'redis', sources: ['local'] });
  assert.equal(outcome.status, 'ready', outcome.status === 'skipped' ? outcome.reason : '');
  const server = (outcome as { server: ProvisionedServer }).server;
  const pid = server.pid!;
  try {
    const entries: ResultEntry[] = await runScenario(['redis'], restart, 60_000, { redisUrl: server.handle.connectUrl });
    const entry = entryOf(entries, 'redis');
    assert.equal(entry.status, 'skipped');
    assert.equal(entry.status === 'skipped' && entry.cause, 'not-applicable');
    assert.match(entry.status === 'skipped' ? entry.reason : '', /explicit URL: sessionbench did not start it and never kills or restarts it/);
    assert.equal(server.pid, pid, 'the same process');
    assert.ok(isRunning(pid), 'still running');
  } finally {
    await server.stop();
  }
});

test('--server-option: a setting of a server sessionbench starts; a URL server, an unknown key or a bad value is bad input', () => {
  const plan = buildPlan(benchOptions({ store: 'redis', serverOption: ['redis.appendonly=yes', 'redis.appendfsync=always'] }), {});
  assert.deepEqual(plan.serverOptions, { redis: { appendonly: 'yes', appendfsync: 'always' } });
  const refused = (serverOption: string[], env: NodeJS.ProcessEnv, pattern: RegExp) =>
    assert.throws(() => buildPlan(benchOptions({ store: 'redis', serverOption }), env), (error: unknown) => error instanceof UsageError && pattern.test(error.message));
  refused(['redis.appendonly=yes'], { REDIS_URL: 'redis://127.0.0.1:6379' }, /given by URL .*sessionbench configures only servers it starts/);
  refused(['redis.appendonly=maybe'], {}, /appendonly: give yes or no/);
  refused(['redis.maxmemory=1gb'], {}, /no server kind takes "redis.maxmemory"; options: redis: appendonly, appendfsync/);
  refused(['appendonly=yes'], {}, /is not kind.key=value/);
});
