import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { parseRunResult } from '../contract/read.ts';
import type { OkEntry, RunResult } from '../contract/result.ts';
import { chooseRate } from '../harness/run/at-rate.ts';
import { buildPlan } from '../harness/plan/plan.ts';
import { benchOptions } from '../harness/plan/options.ts';
import { findK6 } from '../harness/plan/k6-binary.ts';
import { findToxiproxy, splitRtt } from '../stores/servers/network.ts';
import { findBinary } from '../stores/servers/binaries.ts';
import { runCli } from './helpers/cli.ts';
import { buildRunResultFixture } from './fixtures/run-result.ts';
import { recommendStore, verdictOf } from '../reports/verdict/recommend.ts';
import { runConditions } from '../reports/sections/conditions.ts';
import type { ResultEntry } from '../contract/result.ts';
import { describeProcesses, processesMarked } from './helpers/processes.ts';
import { waitUntil } from './helpers/wait.ts';

/** Issue 24: --store-rtt puts Toxiproxy between the app and its store server; --latency-at measures p50/p99 at a stated rate. */

const root = mkdtempSync(path.join(tmpdir(), 'sessionbench-network-'));
chmodSync(root, 0o755);
after(() => rmSync(root, { recursive: true, force: true }));

/** The round trip the proxied run adds: 5 ms each way, large against loopback Redis (well under 1 ms a call) and a busy machine's timer slack. */
const RTT_MS = 10;

describe('plan: --store-rtt, --store-jitter, --latency-at', () => {
  test('a missing toxiproxy-server is bad input: one line naming the build command', () => {
    const env = { PATH: '/nonexistent', HOME: '/nonexistent', TOXIPROXY_BIN: '' };
    assert.throws(() => buildPlan(benchOptions({ store: 'redis', storeRtt: '2ms' }), env), (error: Error) => {
      assert.equal(error.name, 'UsageError');
      assert.match(error.message, /^--store-rtt: toxiproxy-server not found .*\.ci\/build-toxiproxy\.sh.*go install github\.com\/Shopify\/toxiproxy\/v2\/cmd\/server@v2\.5\.0/);
      assert.doesNotMatch(error.message, /\n/);
      return true;
    });
  });

  test('the CLI says so in one line and exits 2, nothing run', async () => {
    const run = await runCli(['--store', 'redis', '--store-rtt', '2ms', '--out', path.join(root, 'missing')], { env: { TOXIPROXY_BIN: '/nonexistent/toxiproxy-server' } });
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /TOXIPROXY_BIN=\/nonexistent\/toxiproxy-server is not an executable file; build it with \.ci\/build-toxiproxy\.sh/);
    assert.doesNotMatch(run.stderr, /\bat .*\.ts:\d+/, 'no stack trace');
  });

  test('whole milliseconds only (Toxiproxy delays by whole ms), jitter within each direction, rate forms', () => {
    const bin = { TOXIPROXY_BIN: process.execPath, K6_BIN: process.execPath };
    assert.throws(() => buildPlan(benchOptions({ store: 'redis', storeRtt: '0.5ms' }), bin), /--store-rtt: 0\.5ms is not a whole number of milliseconds.*use 0, 1ms, 2ms/);
    assert.throws(() => buildPlan(benchOptions({ store: 'redis', storeRtt: '2ms', storeJitter: '2ms' }), bin), /--store-jitter: 2 ms is more than each direction's delay \(1 ms/);
    assert.throws(() => buildPlan(benchOptions({ store: 'redis', storeJitter: '1ms' }), bin), /--store-jitter: applies with --store-rtt/);
    assert.deepEqual(buildPlan(benchOptions({ store: 'redis', storeRtt: '3ms', storeJitter: '1' }), bin).storeNetwork, { rttsMs: [3], jitterMs: 1, binary: process.execPath });
    assert.deepEqual(buildPlan(benchOptions({ store: 'redis', storeRtt: '2ms, 0' }), bin).storeNetwork?.rttsMs, [2, 0], 'a sweep, in the order given');
    assert.throws(() => buildPlan(benchOptions({ store: 'redis', storeRtt: '0,2ms,2' }), bin), /--store-rtt: 0,2ms,2 names a round trip twice/);
    assert.throws(() => buildPlan(benchOptions({ store: 'redis', storeRtt: '0,4ms', storeJitter: '1ms' }), bin), /--store-jitter: 1 ms is more than each direction's delay \(0 ms of --store-rtt 0ms\)/);
    assert.equal(buildPlan(benchOptions({ store: 'redis' }), bin).storeNetwork, undefined, 'no flag: the app talks to the store directly');
    assert.deepEqual(splitRtt(3), { upstreamMs: 2, downstreamMs: 1 });
    assert.deepEqual(buildPlan(benchOptions({ store: 'redis', latencyAt: '40%' }), bin).latencyAt, { basis: 'share-of-slowest', share: 0.4, binary: process.execPath });
    assert.deepEqual(buildPlan(benchOptions({ store: 'redis', latencyAt: '250' }), bin).latencyAt, { basis: 'stated', ratePerSecond: 250, binary: process.execPath });
    assert.throws(() => buildPlan(benchOptions({ store: 'redis', latencyAt: '150%' }), bin), /--latency-at: 150% must be above 0% and at most 100%/);
    assert.throws(() => buildPlan(benchOptions({ store: 'redis', latencyAt: 'fast' }), bin), /--latency-at: "fast" is neither a rate/);
    assert.throws(() => buildPlan(benchOptions({ store: 'redis', latencyAt: '50%', driver: 'k6', rate: '100' }), bin), /--latency-at: applies with the closed model/);
  });

  test('the rate is the share of the slowest store\'s median saturated throughput', () => {
    const rate = chooseRate({ basis: 'share-of-slowest', share: 0.5, binary: 'k6' }, new Map([['redis', [4000, 4200, 3000]], ['postgres', [2000, 2600, 1000]], ['memory', []]]));
    assert.deepEqual(rate, { basis: 'share-of-slowest', ratePerSecond: 1000, share: 0.5, slowestStore: 'postgres', slowestThroughput: 2000 });
    assert.equal(chooseRate({ basis: 'share-of-slowest', share: 0.5, binary: 'k6' }, new Map()), undefined);
    assert.deepEqual(chooseRate({ basis: 'stated', ratePerSecond: 300, binary: 'k6' }, new Map()), { basis: 'stated', ratePerSecond: 300 });
  });
});

describe('the verdict: which figure it ranks on, and p50/p99 at the rate', () => {
  const base = buildRunResultFixture();
  const redis = base.entries.find((entry): entry is OkEntry => entry.status === 'ok' && entry.store === 'redis' && entry.scenario === 'read-heavy')!;
  const rate = { basis: 'share-of-slowest', ratePerSecond: 1000, share: 0.5, slowestStore: 'postgres', slowestThroughput: 2000 } as const;
  /** Saturated read-heavy repetitions and at-rate ones, per store: [throughputs], [p99s at the rate in µs]. */
  function run(stores: Record<'redis' | 'postgres', [number[], number[]]>): RunResult {
    const entries: ResultEntry[] = Object.entries(stores).flatMap(([store, [throughputs, p99s]]) => [
      ...throughputs.map((throughput, i): OkEntry => ({ ...redis, store: store as 'redis', storeLabel: store, repetition: i + 1, measured: { ...redis.measured, throughput } })),
      ...p99s.map((p99, i): OkEntry => ({ ...redis, store: store as 'redis', storeLabel: store, repetition: i + 1, load: { driver: 'k6', model: 'open', ratePerSecond: 1000, droppedIterations: 0 }, atRate: rate, measured: { ...redis.measured, throughput: 1000, latencyUs: { ...redis.measured.latencyUs, p50: p99 / 4, p99 } } })),
    ]);
    return { ...base, plan: { ...base.plan, repeat: 3 }, entries };
  }

  test('the same order at the rate, and an order the rate reverses beyond noise', () => {
    const same = recommendStore(run({ redis: [[4000, 4100, 4050], [900, 950, 920]], postgres: [[2000, 2050, 2020], [3000, 3100, 3050]] }));
    assert.equal(same.choice?.store, 'redis');
    assert.deepEqual(verdictOf(same).atRate, {
      rankedOn: 'saturated-throughput',
      scenario: 'read-heavy',
      rate,
      stores: [{ store: 'redis', p50Us: 230, p99Us: 920, droppedIterations: 0 }, { store: 'postgres', p50Us: 762.5, p99Us: 3050, droppedIterations: 0 }],
      sameOrder: true,
    });
    assert.match(same.headline, /Ranked on saturated throughput \(closed model\)\. At 1,000 req\/s on read-heavy, 50% of the slowest store's saturated throughput \(postgres, 2,000 req\/s\).*redis 230 µs \/ 920 µs; postgres 763 µs \/ 3\.05 ms — by p99 at that rate the candidates come in the same order\./);
    const reversed = recommendStore(run({ redis: [[4000, 4100, 4050], [5000, 5100, 5050]], postgres: [[2000, 2050, 2020], [900, 950, 920]] }));
    assert.equal(reversed.atRate?.sameOrder, false);
    assert.match(reversed.headline, /a different order\.$/);
    assert.equal(recommendStore(run({ redis: [[4000, 4100, 4050], []], postgres: [[2000, 2050, 2020], []] })).atRate, undefined, 'no rate measured: nothing said');
    const acrossNetwork = run({ redis: [[4000, 4100, 4050], [900, 950, 920]], postgres: [[2000, 2050, 2020], [3000, 3100, 3050]] });
    const delayed = recommendStore({ ...acrossNetwork, entries: acrossNetwork.entries.map((entry) => ({ ...entry, storeRttMs: 2 })) });
    assert.equal(delayed.atRate?.storeRttMs, 2);
    assert.match(delayed.headline, /At 1,000 req\/s on read-heavy with 2 ms to the store, 50% of the slowest/, 'the sentence names the round trip its figures were measured at');
    assert.deepEqual(runConditions(run({ redis: [[4000], [900]], postgres: [[2000], [3000]] })), [
      "Latency at a stated rate: read-heavy at 1000 req/s, 50% of the slowest store's median saturated throughput (postgres, 2000 req/s), open model (k6), every store on a fresh app (--latency-at).",
    ]);
  });
});

describe('the verdict across a --store-rtt sweep: ranked at the first round trip, the others compared', () => {
  const base = buildRunResultFixture();
  const redis = base.entries.find((entry): entry is OkEntry => entry.status === 'ok' && entry.store === 'redis' && entry.scenario === 'read-heavy')!;
  /** Saturated read-heavy repetitions per store at each round trip: { rtt: [throughputs] }. */
  function sweep(stores: Partial<Record<'redis' | 'memcached' | 'postgres', Record<number, number[]>>>): RunResult {
    const entries: ResultEntry[] = [0, 2].flatMap((rtt) =>
      Object.entries(stores).flatMap(([store, byRtt]) =>
        (byRtt[rtt] ?? []).map((throughput, i): OkEntry => ({ ...redis, store: store as 'redis', storeLabel: store, repetition: i + 1, storeRttMs: rtt, measured: { ...redis.measured, throughput } })),
      ),
    );
    return { ...base, plan: { ...base.plan, repeat: 3 }, entries };
  }

  test('an order that holds, and one a 2 ms round trip turns, named pair by pair', () => {
    const holds = recommendStore(sweep({ redis: { 0: [4000, 4100, 4050], 2: [2000, 2050, 2020] }, postgres: { 0: [2000, 2050, 2020], 2: [1500, 1540, 1520] } }));
    assert.equal(holds.choice?.store, 'redis');
    assert.equal(holds.choice?.headlineThroughput?.value, 4050, 'ranked on the first round trip');
    assert.deepEqual(verdictOf(holds).rttSweep, { rankedAtMs: 0, scenario: 'read-heavy', at: [{ rttMs: 2, stores: [{ store: 'redis', throughput: 2020 }, { store: 'postgres', throughput: 1520 }], sameOrder: true, flipped: [] }] });
    assert.match(holds.headline, /Ranked at 0 ms to the store server \(--store-rtt\)\. At 2 ms, saturated read-heavy: redis 2,020 req\/s, postgres 1,520 req\/s — the order holds \(within the noise\)\.$/);

    const turns = recommendStore(sweep({ redis: { 0: [4000, 4100, 4050], 2: [1500, 1540, 1520] }, memcached: { 0: [3000, 3050, 3020], 2: [2000, 2050, 2020] }, postgres: { 0: [2000, 2050, 2020], 2: [1000, 1010, 1020] } }));
    assert.equal(turns.choice?.store, 'redis');
    assert.deepEqual(turns.rttSweep?.at[0]?.flipped, [{ ahead: 'memcached', behind: 'redis', tiedAtFirst: false }]);
    assert.match(turns.headline, /At 2 ms, saturated read-heavy: memcached 2,020 req\/s, redis 1,520 req\/s, postgres 1,010 req\/s — the ranking flips: memcached ahead of redis\.$/);

    const pulled = recommendStore(sweep({ redis: { 0: [4000, 3300, 3700], 2: [1500, 1540, 1520] }, memcached: { 0: [3300, 4000, 3600], 2: [2000, 2050, 2020] }, postgres: { 0: [2000, 2050, 2020], 2: [1000, 1010, 1020] } }));
    assert.deepEqual(pulled.rttSweep?.at[0]?.flipped, [{ ahead: 'memcached', behind: 'redis', tiedAtFirst: true }], 'tied at 0 ms, memcached ahead at 2 ms');
    assert.match(pulled.headline, /— the ranking flips: memcached ahead of redis \(tied at 0 ms\)\.$/);

    // A correctness problem found only at 2 ms still rules the store out: objections come from every round trip.
    const ttl = base.entries.find((entry): entry is OkEntry => entry.status === 'ok' && entry.kind === 'ttl' && entry.observations?.kind === 'ttl' && (entry.observations.acceptedAfterExpiry ?? 0) > 0)!;
    const lossAt2 = sweep({ redis: { 0: [4000, 4100, 4050], 2: [2000, 2050, 2020] }, postgres: { 0: [2000, 2050, 2020], 2: [1500, 1540, 1520] } });
    lossAt2.entries.push({ ...ttl, store: 'redis', storeLabel: 'redis', capabilities: redis.capabilities, storeRttMs: 2 });
    const judged = recommendStore(lossAt2);
    assert.equal(judged.choice?.store, 'postgres', 'redis accepted expired sessions at 2 ms');
    assert.ok(judged.scores.find((score) => score.store === 'redis')?.objections.some((one) => one.code === 'expired-accepted'), JSON.stringify(judged.scores.find((score) => score.store === 'redis')?.objections));

    const within = recommendStore(sweep({ redis: { 0: [4000, 4100, 4050], 2: [1500, 2100, 1700] }, postgres: { 0: [2000, 2050, 2020], 2: [1800, 1600, 1900] } }));
    assert.equal(within.rttSweep?.at[0]?.sameOrder, true, 'postgres ahead by its median at 2 ms, within the noise: not a flip');
    assert.equal(recommendStore({ ...base, entries: base.entries.map((entry) => ({ ...entry, storeRttMs: 2 })) }).rttSweep, undefined, 'one round trip: no sweep to state');

    const failedAt2 = recommendStore(sweep({ redis: { 0: [4000, 4100, 4050], 2: [2000, 2050, 2020] }, memcached: { 0: [3000, 3050, 3020] }, postgres: { 0: [2000, 2050, 2020], 2: [1500, 1540, 1520] } }));
    assert.deepEqual(failedAt2.rttSweep?.at[0]?.notMeasured, ['memcached'], 'a store measured at 0 ms but not at 2 ms is named, not silently missing');
    assert.match(failedAt2.headline, /— the order holds \(within the noise\)\. Not measured at 2 ms: memcached \(see the entries\)\.$/);
  });
});

describe('real Redis through Toxiproxy', () => {
  const needs = [
    !findToxiproxy() && 'toxiproxy-server not found: build it with .ci/build-toxiproxy.sh',
    !findK6() && 'k6 not found: build it with .ci/build-k6.sh',
    !findBinary('redis-server') && 'redis-server not on PATH: apt-get install -y redis-server',
  ].filter(Boolean);

  /** Runs the bench on memory and Redis (`extra` flags added), marked so every process it started can be found. */
  async function bench(name: string, extra: string[]): Promise<{ result: RunResult; stderr: string; mark: string }> {
    assert.deepEqual(needs, [], 'what this test needs is missing');
    const mark = `${process.pid}-${name}-${Date.now()}`;
    const tmp = path.join(root, `tmp-${name}`);
    mkdirSync(tmp, { mode: 0o755 });
    const run = await runCli(['--store', 'memory,redis', '--scenario', 'read-heavy', '--repeat', '2', '--duration', '1s', '--warmup', '0s', '--probe-ops', '100', '--json', '--out', path.join(root, name), ...extra], {
      env: { SESSIONBENCH_TEST_MARK: mark, TMPDIR: tmp },
      timeoutMs: 300_000,
    });
    assert.equal(run.code, 0, run.stderr);
    return { result: parseRunResult(run.stdout, `${name} run`), stderr: run.stderr, mark };
  }

  const getP50 = (result: RunResult) => {
    const redis = result.entries.filter((entry): entry is OkEntry => entry.status === 'ok' && entry.store === 'redis' && entry.load.model === 'closed');
    assert.ok(redis.length > 0, 'Redis was measured');
    const p50s = redis.map((entry) => entry.storeOpsIntrinsic?.get?.p50).filter((p50): p50 is number => p50 !== undefined);
    assert.ok(p50s.length > 0, 'the serial probe timed get');
    return p50s.sort((a, b) => a - b)[Math.floor(p50s.length / 2)]!;
  };

  test(`--store-rtt 0,${RTT_MS}ms: a sweep; at ${RTT_MS} ms each store call takes about ${RTT_MS} ms longer; recorded on every entry; the proxy is gone afterwards; p50/p99 at a stated rate and the ranking at each round trip in results.json`, async (t) => {
    // One run at the proxy alone (0), then with the latency toxics: only they differ between the two halves.
    const proxied = await bench('sweep', ['--store-rtt', `0,${RTT_MS}ms`, '--latency-at', '50%']);
    const at = (rtt: number): RunResult => ({ ...proxied.result, entries: proxied.result.entries.filter((entry) => entry.storeRttMs === rtt) });
    const added = (getP50(at(RTT_MS)) - getP50(at(0))) / 1000;
    t.diagnostic(`serial get p50: proxy alone ${getP50(at(0))} µs, with ${RTT_MS} ms of round trip ${getP50(at(RTT_MS))} µs: +${added.toFixed(2)} ms`);
    // At least the round trip (Toxiproxy sleeps at least its latency each way); not half as much again (timer slack on a busy machine;
    // the round trip applied twice, or once per direction in full, would be 2×).
    assert.ok(added >= RTT_MS * 0.95 && added <= RTT_MS * 1.5, `a store call grew by ${added.toFixed(2)} ms, not about ${RTT_MS} ms`);

    assert.deepEqual([...new Set(proxied.result.entries.map((entry) => entry.storeRttMs))], [0, RTT_MS], 'every entry says its round trip, the first ones first');
    for (const entry of proxied.result.entries) {
      const rttMs = entry.storeRttMs!;
      if (entry.store === 'redis') assert.deepEqual(entry.storeNetwork, { proxy: 'Toxiproxy 2.5.0', rttMs, upstreamMs: rttMs / 2, downstreamMs: rttMs / 2, jitterMs: 0 });
      else assert.equal(entry.storeNetwork, undefined, `${entry.store} has no server: no network`);
    }
    const sweep = proxied.result.verdict?.rttSweep;
    assert.ok(sweep, 'the verdict compares the ranking at each round trip');
    assert.equal(sweep.rankedAtMs, 0);
    assert.deepEqual(sweep.at.map((a) => [a.rttMs, a.stores.map((s) => s.store).sort()]), [[RTT_MS, ['memory', 'redis']]]);
    assert.match(proxied.result.verdict!.headline, new RegExp(`Ranked at 0 ms to the store server \\(--store-rtt\\)\\. At ${RTT_MS} ms, saturated read-heavy: `));

    const pid = Number(/Toxiproxy 2\.5\.0 \(pid (\d+)\)/.exec(proxied.stderr)?.[1]);
    assert.ok(pid > 0, `the log names the proxy's pid: ${proxied.stderr}`);
    const alive = (): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await waitUntil('the proxy has exited', () => !alive(), { timeoutMs: 3000 }).catch(() => {});
    assert.equal(alive(), false, `toxiproxy-server (pid ${pid}) still runs after the bench ended`);
    await waitUntil('no process of the run is left', () => processesMarked(proxied.mark).length === 0, { timeoutMs: 3000 }).catch(() => {});
    assert.deepEqual(describeProcesses(processesMarked(proxied.mark)), [], 'nothing the run started remains');

    // At the sweep's last round trip, where Redis is surely the slower store.
    const atRate = at(RTT_MS).entries.filter((entry): entry is OkEntry => entry.status === 'ok' && entry.atRate !== undefined);
    assert.deepEqual([...new Set(atRate.map((entry) => entry.store))].sort(), ['memory', 'redis'], 'every store measured at the rate');
    assert.equal(atRate.length, 4, 'two repetitions each, like the saturated ones');
    const rate = atRate[0]!.atRate!;
    assert.equal(rate.basis, 'share-of-slowest');
    const saturated = at(RTT_MS).entries.filter((entry): entry is OkEntry => entry.status === 'ok' && entry.load.model === 'closed' && entry.store === 'redis').map((entry) => entry.measured.throughput);
    assert.ok(rate.basis === 'share-of-slowest' && rate.slowestStore === 'redis' && rate.ratePerSecond <= Math.max(...saturated) / 2, `half of Redis' (the slower store's) saturated throughput: ${JSON.stringify(rate)} vs ${saturated}`);
    for (const entry of atRate) {
      assert.deepEqual(entry.load, { ...entry.load, driver: 'k6', model: 'open', ratePerSecond: rate.ratePerSecond });
      assert.ok(entry.measured.latencyUs.p99 >= entry.measured.latencyUs.p50 && entry.measured.latencyUs.p50 > 0);
    }
    const verdict = proxied.result.verdict?.atRate;
    assert.ok(verdict, 'the verdict quotes latency at the rate');
    assert.equal(verdict.rankedOn, 'saturated-throughput');
    assert.deepEqual(verdict.stores.map((s) => s.store).sort(), ['memory', 'redis']);
    assert.match(proxied.result.verdict!.headline, /Ranked on saturated throughput \(closed model\)\. At [\d,]+ req\/s on read-heavy with 0 ms to the store, 50% of the slowest store's saturated throughput/);
  });
});
