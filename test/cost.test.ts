import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OkEntry, RunResult } from '../contract/result.ts';
import { costTable, requestCost, settingsLabel } from '../reports/sections/cost.ts';
import { findBinary } from '../stores/servers/binaries.ts';
import { findPostgres } from '../stores/servers/kinds/postgres.ts';
import type { StoreId } from '../contract/vocabulary.ts';
import type { RawBenchOptions } from '../harness/plan/options.ts';
import { entryOf, runScenario } from './helpers/scenario-run.ts';

/** Reads only, one session per connection: what a page view costs. */
const READS = { kind: 'load', id: 'reads-only', description: 'GET /session only, one session per connection', sessions: 'per-connection', mix: [{ route: 'GET /session', weight: 1 }] };

async function measured(store: StoreId, options: Partial<RawBenchOptions> = {}): Promise<OkEntry> {
  // A warm-up: the users log in there, so the measured phase holds reads only.
  const entry = entryOf(await runScenario([store], READS, 90_000, { connections: '4', warmup: '1', ...options }), store);
  assert.equal(entry.status, 'ok', entry.status === 'ok' ? '' : entry.reason);
  const ok = entry as OkEntry;
  assert.ok(ok.storeWrites && ok.storeWrites.requests > 0, `store calls counted: ${JSON.stringify(ok.storeWrites)}`);
  assert.ok(ok.measured.setCookie, 'Set-Cookie counted by the load driver');
  return ok;
}

/** Calls per request, to two decimals: every request of a reads-only phase makes the same calls, give or take the phase's edges. */
const near = (actual: number | undefined, expected: number, what: string) => assert.ok(actual !== undefined && Math.abs(actual - expected) < 0.05, `${what}: ${actual} per request, expected ${expected}`);

/** Server and app counts are read a moment apart: a request of each connection (4) may fall between the readings. */
const within = (server: number | undefined, app: number, what: string) => assert.ok(server !== undefined && Math.abs(server - app) <= 4, `${what} (server ${server}, Store calls ${app})`);

function table(entries: OkEntry[]): ReturnType<typeof costTable> {
  return costTable({ entries } as unknown as RunResult);
}

const REDIS_MISSING = 'redis-server is not installed (apt-get install -y redis-server, or .ci/install-packages.sh)';

test('a read under resave=false writes no session bytes but touches, and sets no cookie; the table shows it beside throughput', { timeout: 120_000 }, async () => {
  assert.ok(findBinary('redis-server'), REDIS_MISSING);
  const entry = await measured('redis');
  const writes = entry.storeWrites!;
  assert.deepEqual(entry.settings, { resave: false, rolling: false, saveUninitialized: false, maxAgeMs: 3_600_000 }, 'the settings are recorded on the entry');
  assert.equal(writes.set, 0, 'no save: the session was not modified');
  assert.equal(writes.setBytes, 0);
  const cost = requestCost(entry);
  near(cost.get, 1, 'get');
  near(cost.touch, 1, 'touch');
  assert.ok(writes.getBytes! > 0 && writes.touchBytes > 0, `a read returns the session and the touch carries it: ${JSON.stringify(writes)}`);
  assert.equal(cost.bytesWritten, writes.touchBytes / writes.requests, 'bytes written are the touch bytes of storeWrites');
  assert.equal(entry.measured.setCookie!.responses, 0, 'no Set-Cookie without rolling on an unmodified session');
  assert.ok(cost.appCpuUs! > 0, 'app CPU per request measured');
  const [row] = table([entry]).rows;
  assert.equal(row![2], 'default');
  assert.equal(row![5], `${(cost.get!).toFixed(2)} · 0.00 · ${cost.touch!.toFixed(2)} · 0.00`, `store calls cell: ${row![5]}`);
  assert.match(row![9]!, /^0% · 0 B/, 'Set-Cookie cell');
  const server = writes.serverCalls!;
  assert.equal(server.source, 'INFO commandstats');
  within(server.calls.GET, writes.get!, `Redis served one GET per Store get: ${JSON.stringify(server.calls)}`);
  within(server.calls.EXPIRE, writes.touch, `and one EXPIRE per touch: ${JSON.stringify(server.calls)}`);
  assert.equal(server.calls.SET, 0);
  assert.equal(row![6], `GET ${cost.serverCalls!.GET!.toFixed(2)} · SET 0.00 · EXPIRE ${cost.serverCalls!.EXPIRE!.toFixed(2)} · DEL 0.00`, `server commands cell: ${row![6]}`);
});

test('--rolling adds a Set-Cookie to every response and still saves nothing; disableTouch keeps the touch call off the server only', { timeout: 180_000 }, async () => {
  assert.ok(findBinary('redis-server'), REDIS_MISSING);
  const rolling = await measured('redis', { rolling: true });
  assert.equal(rolling.settings?.rolling, true);
  const cookies = rolling.measured.setCookie!;
  assert.equal(cookies.responses, rolling.measured.requests, `every response carries Set-Cookie: ${JSON.stringify(cookies)} of ${rolling.measured.requests}`);
  assert.ok(cookies.bytes / cookies.headers > 100, `a signed session cookie with its attributes: ${cookies.bytes / cookies.headers} B each`);
  assert.equal(rolling.storeWrites!.set, 0, 'rolling re-sends the cookie, it does not save the session');
  near(requestCost(rolling).touch, 1, 'touch');
  const untouched = await measured('redis', { storeOption: ['disableTouch=true'] });
  assert.equal(settingsLabel(untouched), 'disableTouch=true');
  const rows = table([rolling, untouched]).rows;
  assert.deepEqual(rows.map((row) => row[2]), ['rolling', 'disableTouch=true'], 'one row per settings variant');
  assert.match(rows[0]![9]!, /^100% · \d+ B · \d+ B each$/, `Set-Cookie on every response: ${rows[0]![9]}`);
  const noTouch = untouched.storeWrites!;
  assert.ok(noTouch.touch > 0, 'express-session still calls the Store’s touch');
  assert.equal(noTouch.serverCalls!.calls.EXPIRE, 0, `but connect-redis sends no EXPIRE to the server: ${JSON.stringify(noTouch.serverCalls)}`);
  within(noTouch.serverCalls!.calls.GET, noTouch.get!, `one GET per get: ${JSON.stringify(noTouch.serverCalls)}`);
});

test('PostgreSQL: the same read costs a get and a touch, and its disableTouch option is taken', { timeout: 180_000 }, async () => {
  assert.ok(findPostgres(), 'PostgreSQL is not installed (apt-get install -y postgresql, or .ci/install-packages.sh)');
  const entry = await measured('postgres', { storeOption: ['disableTouch=true'] });
  assert.deepEqual(entry.storeOptions, { disableTouch: 'true' });
  near(requestCost(entry).get, 1, 'get');
  assert.equal(entry.storeWrites!.set, 0);
});
