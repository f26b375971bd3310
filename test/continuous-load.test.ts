import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import { startClosedLoad } from '../harness/load/autocannon.ts';
import type { VirtualUser } from '../harness/load/autocannon.ts';
import { Timeline } from '../harness/load/timeline.ts';
import type { LoadScenario } from '../scenarios/load/scenario.ts';

const reads: LoadScenario = { kind: 'load', id: 'reads', description: 'reads', sessions: 'per-connection', mix: [{ route: 'GET /session', weight: 1 }] };

/** A real HTTP server that logs a user in once (a cookie) and counts connections, logins and answered requests. */
async function countingServer() {
  const counts = { connections: 0, logins: 0, answered: 0 };
  const server = http.createServer((request, response) => {
    if (request.url === '/login') {
      counts.logins += 1;
      response.setHeader('set-cookie', `sid=${counts.logins}; Path=/; HttpOnly`);
    }
    response.on('finish', () => (counts.answered += 1));
    response.end('{}');
  });
  server.on('connection', () => (counts.connections += 1));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, counts, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

test('a warm-up cut into the measured phase keeps the same connections and sessions, and every answer lands in one of the two', { timeout: 30_000 }, async () => {
  const server = await countingServer();
  try {
    const users: VirtualUser[] = [];
    const warmupTimeline = new Timeline();
    const load = startClosedLoad({ url: server.url, scenario: reads, connections: 3, maxSeconds: 30, users, timeline: warmupTimeline });
    await delay(1000);
    const measuredTimeline = new Timeline();
    const warmup = load.cut(measuredTimeline);
    await delay(1000);
    const measured = await load.stop();

    assert.equal(server.counts.connections, 3, 'no new connection at the cut');
    assert.equal(server.counts.logins, 3, 'one login per connection, in the warm-up only');
    assert.ok(warmup.requests > 0 && measured.requests > 0, `both phases answered (${warmup.requests}, ${measured.requests})`);
    // Requests still in flight when the generator closed its sockets may be answered into the void: at most one per connection.
    const recorded = warmup.requests + measured.requests;
    assert.ok(server.counts.answered >= recorded && server.counts.answered <= recorded + 3, `the server answered ${server.counts.answered}, the two phases recorded ${recorded}`);
    assert.ok(Math.abs(warmup.durationSeconds - 1) < 0.2 && Math.abs(measured.durationSeconds - 1) < 0.3, `phases of about 1 s each (${warmup.durationSeconds}, ${measured.durationSeconds})`);
    assert.equal(measured.throughput, measured.requests / measured.durationSeconds);
    assert.equal(measuredTimeline.rows()[0]?.ok, measured.requests - (measuredTimeline.rows()[1]?.ok ?? 0), 'the measured phase has its own timeline');
    assert.equal(warmupTimeline.rows().reduce((sum, row) => sum + row.ok, 0), warmup.requests, 'the warm-up timeline ends at the cut');
  } finally {
    await server.close();
  }
});
