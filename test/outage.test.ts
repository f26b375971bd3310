import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { runClosedPhase } from '../harness/load/autocannon.ts';
import { Timeline } from '../harness/load/timeline.ts';
import { analyzeOutage } from '../harness/probes/outage-analysis.ts';
import type { OkEntry } from '../contract/result.ts';
import type { PhaseMetrics, TimelineSecond } from '../contract/metrics.ts';
import type { LoadScenario } from '../scenarios/load/scenario.ts';
import { findK6, K6_INSTALL_HINT } from '../harness/plan/k6-binary.ts';
import { findBinary } from '../stores/servers/binaries.ts';
import { entryOf, runScenario } from './helpers/scenario-run.ts';
import { observed } from './helpers/observations.ts';

/** A timeline starting at 0 with `ok[s]` answers in second s (spread over it) and failures at exact times. */
function timelineOf(ok: number[], failures: Array<[number, 'timeout' | 'error' | 'non2xx']> = [], dropped: number[] = []): Timeline {
  const timeline = new Timeline(0);
  ok.forEach((count, second) => {
    for (let i = 0; i < count; i++) timeline.record('ok', 1, second * 1000 + (i * 1000) / count);
  });
  for (const [atMs, outcome] of failures) timeline.record(outcome, undefined, atMs);
  for (const atMs of dropped) timeline.recordDropped(atMs);
  return timeline;
}

const analyze = (timeline: Timeline, pausedAtMs: number, resumedAtMs: number) =>
  analyzeOutage(timeline.rows(), timeline.events(), { pausedAtMs, resumedAtMs, requestTimeoutMs: 2000 });

test('recovery is the time from the resume to the end of the first second back at 90 % of the rate before; a straggler does not move it', () => {
  const inFlightAtResume = Array.from({ length: 4 }, (_, i): [number, 'timeout'] => [7500 + i, 'timeout']);
  const timeline = timelineOf(
    [900, 1000, 1000, 10, 0, 0, 0, 950, 1000, 980, 1000],
    [...Array.from({ length: 10 }, (_, i): [number, 'timeout'] => [5000 + i, 'timeout']), ...inFlightAtResume, [9500, 'timeout'], [9600, 'timeout'], [10_200, 'non2xx']],
  );
  const outcome = analyze(timeline, 3000, 7030);
  assert.equal(outcome.throughputBefore, 1000, 'the median second before the pause, the first second left out');
  assert.equal(outcome.timeToFirstErrorMs, 2000);
  assert.equal(outcome.failuresDuring, 10);
  assert.equal(outcome.failuresAfter, 7);
  assert.deepEqual(outcome.lateFailures, { timeouts: 2, errors: 0, non2xx: 1 }, 'later than resume + one request timeout (9.03 s), with the reason');
  assert.equal(outcome.recovered, true);
  assert.equal(outcome.recoverySeconds, 0.97, 'second 7 answered 950 ≥ 90 % of 1000: back by its end, 8.0 s');
  assert.deepEqual(outcome.recoveryRule, { throughputShare: 0.9, lateAfterMs: 2000 });
  assert.equal(outcome.droppedIterations, undefined, 'a closed model drops nothing');
});

test('a slow recovery waits for the first second at 90 %', () => {
  const outcome = analyze(timelineOf([1000, 1000, 1000, 0, 0, 0, 0, 500, 850, 920, 1000]), 3000, 7030);
  assert.equal(outcome.recoverySeconds, 2.97);
  assert.deepEqual(outcome.lateFailures, { timeouts: 0, errors: 0, non2xx: 0 });
});

test('no failure and no recovery are stated, not invented', () => {
  const outcome = analyze(timelineOf([1000, 1000, 0, 0, 100, 100]), 2000, 4000);
  assert.equal(outcome.timeToFirstErrorMs, undefined);
  assert.equal(outcome.failuresDuring, 0);
  assert.equal(outcome.recovered, false);
  assert.equal(outcome.recoverySeconds, undefined);
});

test('an open model counts dropped iterations before, during, after and late', () => {
  const timeline = timelineOf([100, 100, 100, 0, 0, 100, 100, 100, 100], [], [500, 3100, 3200, 4900, 5100, 8000]);
  const outcome = analyze(timeline, 3000, 5000);
  assert.deepEqual(outcome.droppedIterations, { before: 1, during: 3, after: 2, late: 1 });
  assert.deepEqual(timeline.rows().map((r) => r.dropped), [1, 0, 0, 2, 1, 1, 0, 0, 1]);
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

const realOutage = {
  kind: 'outage', id: 'outage-test', description: 'test', beforeSeconds: 2, outageSeconds: 3, afterSeconds: 7, requestTimeoutSeconds: 2,
  mix: [{ route: 'GET /session', weight: 95 }, { route: 'POST /session', weight: 5 }],
};

test('after a real Redis is paused and resumed, no request fails later than one request timeout after the resume', { timeout: 120_000 }, async () => {
  assert.ok(findBinary('redis-server'), 'redis-server is not installed (apt-get install -y redis-server, or .ci/install-packages.sh)');
  // 10 connections: the pause catches some of them between express-session's two writes.
  const entry = entryOf(await runScenario(['redis'], realOutage, 90_000, { connections: '10' }), 'redis');
  assert.equal(entry.status, 'ok', entry.status === 'ok' ? '' : entry.reason);
  const { timeline = [] } = entry as OkEntry;
  const outage = observed(entry as OkEntry, 'outage');
  const rows = JSON.stringify(timeline);
  assert.ok(outage.failuresDuring > 0, `requests time out while the server is paused: ${rows}`);
  assert.deepEqual(outage.lateFailures, { timeouts: 0, errors: 0, non2xx: 0 }, `failures later than ${outage.resumedAtMs + 2000} ms (resume + one request timeout): ${rows}`);
  const settled = timeline.filter((row) => row.second * 1000 >= outage.resumedAtMs + 2000);
  assert.ok(settled.length >= 4 && settled.every((row) => row.ok > 0), `requests succeed in every second after that: ${rows}`);
});

test('under k6 (open model), a paused real Redis: iterations are dropped while paused, none and no failure later than one request timeout after the resume', { timeout: 120_000 }, async () => {
  assert.ok(findBinary('redis-server'), 'redis-server is not installed (apt-get install -y redis-server, or .ci/install-packages.sh)');
  assert.ok(findK6(), `k6 not found (K6_BIN, PATH, ~/.cache/sessionbench/bin): ${K6_INSTALL_HINT}`);
  const entry = entryOf(await runScenario(['redis'], realOutage, 90_000, { driver: 'k6', rate: '200' }), 'redis');
  assert.equal(entry.status, 'ok', entry.status === 'ok' ? '' : entry.reason);
  const { timeline = [], load } = entry as OkEntry;
  assert.equal(load.driver, 'k6', 'the outage ran under k6, not autocannon');
  const outage = observed(entry as OkEntry, 'outage');
  const rows = JSON.stringify(timeline);
  assert.ok(outage.droppedIterations, 'dropped iterations are reported');
  assert.ok(timeline.every((row) => typeof row.dropped === 'number'), `each second says how many iterations k6 dropped: ${rows}`);
  assert.ok(outage.failuresDuring + outage.droppedIterations.during > 0, `the pause shows as failures or dropped iterations: ${rows}`);
  assert.equal(outage.droppedIterations.late, 0, `no iteration dropped later than one request timeout after the resume: ${rows}`);
  assert.deepEqual(outage.lateFailures, { timeouts: 0, errors: 0, non2xx: 0 }, `no failure later than one request timeout after the resume: ${rows}`);
  const settled = timeline.filter((row) => row.second * 1000 >= outage.resumedAtMs + 2000);
  assert.ok(settled.length >= 4 && settled.every((row) => row.ok > 0), `requests succeed in every second after that: ${rows}`);
});
