import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expiryTable } from '../scenarios/expiry/section.ts';
import type { OkEntry } from '../contract/result.ts';
import { SCENARIOS } from '../scenarios/index.ts';
import { observed } from './helpers/observations.ts';
import { entryOf, runScenario } from './helpers/scenario-run.ts';

const SESSIONS = 2000;
/** The built-in scenario, shortened: one second of load before the cleanup, three from it. */
const expiry = { ...SCENARIOS['expiry'], id: 'expiry', beforeSeconds: 2, cleanupSeconds: 3 };

test('expiry at scale: PostgreSQL prunes N expired rows when the app calls it; MemoryStore keeps them; no prefill is skipped with the reason', async () => {
  const entries = await runScenario(['postgres', 'memory'], expiry, 150_000, { prefill: String(SESSIONS), connections: '2' });
  const postgres = entryOf(entries, 'postgres');
  assert.equal(postgres.status, 'ok', postgres.status !== 'ok' ? postgres.reason : '');
  const pg = observed(postgres as OkEntry, 'expiry');
  assert.equal(pg.cleanup, 'call');
  assert.equal(pg.expiredSessions, SESSIONS);
  assert.ok((pg.cleanupMs ?? 0) > 0, 'the prune was timed');
  assert.ok((pg.storedBefore ?? 0) >= SESSIONS, `the table held the ${SESSIONS} expired rows before (${pg.storedBefore})`);
  assert.ok((pg.storedAfter ?? Infinity) < SESSIONS, `the prune removed them (${pg.storedAfter} left)`);
  assert.ok(pg.baselineP99Us !== undefined && pg.cleanupP99Us !== undefined, 'p99 before and during the cleanup');

  const memory = entryOf(entries, 'memory');
  assert.equal(memory.status, 'ok', memory.status !== 'ok' ? memory.reason : '');
  const mem = observed(memory as OkEntry, 'expiry');
  assert.equal(mem.cleanup, 'none', 'MemoryStore never sweeps');
  assert.ok(mem.appHeap.after > mem.appHeap.before * 0.8, 'the expired sessions stay in the heap');
  assert.match(memory.status === 'ok' ? (memory.notes ?? []).join(' ') : '', /Nothing removes them: MemoryStore/);

  const table = expiryTable({ entries } as never);
  assert.equal(table.rows.length, 2);
  assert.match(table.rows[0]!.join(' | '), /prune called by the app/);

  const none = await runScenario(['memory'], expiry, 60_000);
  const skipped = entryOf(none, 'memory');
  assert.equal(skipped.status, 'skipped');
  assert.match(skipped.status === 'skipped' ? skipped.reason : '', /needs expired sessions to clean up: give --prefill N/);
});
