import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { runClosedPhase } from '../harness/load/autocannon.ts';
import { Timeline } from '../harness/load/timeline.ts';
import { analyzeOutage } from '../harness/probes/outage-analysis.ts';
import type { PhaseMetrics, TimelineSecond } from '../reports/result.ts';
import type { LoadScenario } from '../scenarios/types.ts';

const row = (second: number, ok: number, timeouts = 0): TimelineSecond => ({ second, ok, non2xx: 0, errors: 0, timeouts, p99Us: 1000 });

test('an outage reads as time to first error, failures and a stable recovery', () => {
  const rows = [row(0, 900), row(1, 1000), row(2, 1000), row(3, 10), row(4, 0), row(5, 0, 10), row(6, 0), row(7, 800, 4), row(8, 1000), row(9, 950, 2), row(10, 1000)];
  const observed = analyzeOutage(rows, { pausedAtMs: 3000, resumedAtMs: 7000, firstFailureMs: 5010 });
  assert.equal(observed.timeToFirstErrorMs, 2010);
  assert.equal(observed.failuresDuring, 10);
  assert.equal(observed.failuresAfter, 6);
  assert.equal(observed.throughputBefore, 1000);
  assert.equal(observed.recovered, true);
  assert.equal(observed.recoverySeconds, 3, 'the straggler at second 9 delays recovery to second 10');
});

test('no failure and no recovery are stated, not invented', () => {
  const rows = [row(0, 1000), row(1, 1000), row(2, 0), row(3, 0), row(4, 0, 5), row(5, 100)];
  const observed = analyzeOutage(rows, { pausedAtMs: 2000, resumedAtMs: 4000 });
  assert.equal(observed.timeToFirstErrorMs, undefined);
  assert.equal(observed.recovered, false);
  assert.equal(observed.recoverySeconds, undefined);
});

/**
 * A real HTTP server that answers the way express-session does: the headers and
 * all but the last body byte, then that byte once the store has touched or saved
 * the session (here 2 ms later, so it travels in a packet of its own). The third
 * request it receives never gets its last byte, as when the store is paused:
 * the server then stalls, or closes the socket.
 */
async function serverCuttingOneResponse(cut: 'stall' | 'close'): Promise<{ url: string; close(): Promise<void> }> {
  let received = 0;
  const server = http.createServer((_req, res) => {
    received += 1;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '11' });
    res.write('{"ok":true');
    if (received !== 3) setTimeout(() => res.end('}'), 2);
    else if (cut === 'close') setTimeout(() => res.socket?.destroy(), 50);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const reads: LoadScenario = { kind: 'load', id: 'reads', description: 'reads', sessions: 'per-connection', mix: [{ route: 'GET /session', weight: 1 }] };

async function driveOneConnection(url: string): Promise<{ metrics: PhaseMetrics; rows: TimelineSecond[] }> {
  const timeline = new Timeline();
  const metrics = await runClosedPhase({ url, scenario: reads, connections: 1, durationSeconds: 4, users: [], timeoutSeconds: 1, timeline });
  return { metrics, rows: timeline.rows().filter((row) => row.second < 4) };
}

test('a connection whose response was cut mid-body by a timeout is usable again after it reconnects', { timeout: 30_000 }, async () => {
  const server = await serverCuttingOneResponse('stall');
  try {
    const { metrics, rows } = await driveOneConnection(server.url);
    assert.equal(metrics.timeouts, 1, `one timeout (the cut response), not one every second after it: ${JSON.stringify(rows)}`);
    assert.equal(metrics.errors, 0);
    assert.ok(rows.slice(1).every((row) => row.ok > 0), `answers in every second after the timeout: ${JSON.stringify(rows)}`);
  } finally {
    await server.close();
  }
});

test('a connection the server closed mid-response counts one error and is usable again', { timeout: 30_000 }, async () => {
  const server = await serverCuttingOneResponse('close');
  try {
    const { metrics, rows } = await driveOneConnection(server.url);
    assert.equal(metrics.errors, 1, `the cut request is a connection error, not silently lost: ${JSON.stringify(rows)}`);
    assert.equal(metrics.timeouts, 0, `no timeouts after the reconnect: ${JSON.stringify(rows)}`);
    assert.ok(rows.every((row) => row.ok > 0), `answers in every second: ${JSON.stringify(rows)}`);
  } finally {
    await server.close();
  }
});
