import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { OkEntry, ResultEntry } from '../contract/result.ts';
import { defineScenario, ScenarioError } from '../scenarios/index.ts';
import { STORES } from '../stores/index.ts';
import { observed } from './helpers/observations.ts';
import { entryOf, runScenario } from './helpers/scenario-run.ts';

const ttl = { kind: 'ttl', id: 'ttl-test', description: 'test', sessions: 5, maxAgeMs: 1000, waitMs: 2500 };

function ok(entry: ResultEntry): OkEntry {
  assert.equal(entry.status, 'ok', entry.status === 'ok' ? '' : entry.reason);
  return entry as OkEntry;
}

describe('ttl scenario data', () => {
  test('a wait that does not pass expiry is rejected along with every other problem', () => {
    assert.throws(
      () => defineScenario({ ...ttl, sessions: 0, waitMs: 1000 }),
      (error: unknown) => error instanceof ScenarioError && error.problems.length === 2 && error.problems.some((p) => p.startsWith('waitMs')),
    );
  });
});

describe('ttl scenario through the runner', () => {
  test('memory rejects expired sessions but still holds them (nothing sweeps); cookie-session accepts replayed expired cookies; none is skipped', async () => {
    const entries = await runScenario(['memory', 'cookie', 'none'], ttl);

    const memory = ok(entryOf(entries, 'memory'));
    assert.deepEqual(
      { ...memory.observations },
      { kind: 'ttl', sessions: 5, maxAgeMs: 1000, waitMs: 2500, acceptedAfterExpiry: 0, rejectedAfterExpiry: 5, returnedAfterExpiry: 0, storedAfterLogin: 5, stalePresent: 5 },
      'counted without reading them (reading drops an expired session): all five still occupy the heap',
    );
    assert.equal(memory.measured.requests, 5, 'measured holds the replayed requests');
    assert.ok(memory.notes!.some((note) => note.includes('MemoryStore')), 'the store\'s own expiry caveat is shown');

    const cookie = ok(entryOf(entries, 'cookie'));
    assert.equal(observed(cookie, 'ttl').acceptedAfterExpiry, 5);
    assert.equal(observed(cookie, 'ttl').returnedAfterExpiry, undefined, 'no server-side store to ask');
    assert.ok(cookie.notes!.some((note) => note.includes('no expiry of its own')));

    const none = entryOf(entries, 'none');
    assert.equal(none.status, 'skipped');
  });

  test('redis: expired sessions are rejected, not returned, not present', async (t) => {
    const entry = entryOf(await runScenario(['redis'], ttl), 'redis');
    if (entry.status === 'skipped') return t.skip(`no redis server: ${entry.reason}`);
    const o = observed(ok(entry), 'ttl');
    assert.equal(o.acceptedAfterExpiry, 0);
    assert.equal(o.returnedAfterExpiry, 0);
    if (o.stalePresent !== undefined) assert.equal(o.stalePresent, 0);
  });
});
