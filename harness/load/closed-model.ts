import type { AppChild } from '../app/child.ts';
import { startClosedLoad, stopAfter } from './autocannon.ts';
import type { LoadCounters, RunningLoad, VirtualUser } from './autocannon.ts';
import type { UserPool } from './user-pool.ts';
import { observePhase } from './observe-phase.ts';
import { STEADY_STATE, fullWindows, isSteady } from './steady-state.ts';
import { warmupCapSeconds } from '../plan/options.ts';
import { Timeline } from './timeline.ts';
import type { OkEntry } from '../../contract/result.ts';
import type { PhaseMetrics, WarmupControl } from '../../contract/metrics.ts';
import type { LoadScenario } from '../../scenarios/load/scenario.ts';

/** Settings of one closed-model measurement. */
export interface LoadMeasurement {
  scenario: LoadScenario;
  connections: number;
  /** The shortest warm-up; it goes on until throughput settles, up to warmupCapSeconds(warmupSeconds). */
  warmupSeconds: number;
  durationSeconds: number;
  /** One user per connection, shared by warm-up and every repetition of one app. */
  users: VirtualUser[];
  /** `--users`: the users every request picks from (shared by warm-up and every repetition of one app); `users` is then unused. */
  pool?: UserPool;
  /** `--login-rate`: new users arriving per second into `pool`, from the start of the load to its end. */
  loginsPerSecond?: number;
  signal: AbortSignal;
  /** Process id of a local store server, to measure its CPU. */
  serverPid?: number;
  /** Called when a phase starts, for progress display. */
  onPhase?: (phase: 'warm-up' | 'measured', seconds: number) => void;
}

/** A single-threaded generator above this share of one core is the bottleneck, not the app. */
const SATURATED_PERCENT = 90;

/** How often arrivals are let in: each tick lets in those due by then, so the rate holds whatever the timer's jitter. */
const ARRIVAL_TICK_MS = 50;

/** New users arriving into `pool` at `perSecond` from now until the returned stop is called. */
function startArrivals(pool: UserPool, perSecond: number): () => void {
  const started = performance.now();
  let arrived = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - started) / 1000) * perSecond);
    for (; arrived < due; arrived++) pool.arrive();
  }, ARRIVAL_TICK_MS);
  return () => clearInterval(timer);
}

/**
 * Waits while the load warms up: at least `minSeconds`, then until consecutive 1 s
 * throughput windows of `timeline` agree (STEADY_STATE), or until the cap or an abort.
 * The load goes on after it: the measured phase continues it.
 */
async function warmUp(timeline: Timeline, minSeconds: number, signal: AbortSignal): Promise<Omit<WarmupControl, 'seconds'>> {
  const capSeconds = warmupCapSeconds(minSeconds);
  // The cap is kept on the timeline's own clock, the one `seconds` is read from.
  const settled = await new Promise<boolean>((resolve) => {
    const watcher = setInterval(() => {
      const elapsedMs = timeline.elapsedMs();
      const steady = elapsedMs >= minSeconds * 1000 && isSteady(fullWindows(timeline));
      if (!steady && elapsedMs < capSeconds * 1000 && !signal.aborted) return;
      clearInterval(watcher);
      resolve(steady);
    }, 100);
  });
  return { settled, minSeconds, capSeconds, tolerance: STEADY_STATE.tolerance, windowsCompared: STEADY_STATE.windows, windows: fullWindows(timeline) };
}

/**
 * Warm-up until throughput settles (kept apart, and how it ended recorded), then the
 * measured phase with memory sampling, event-loop and store-operation timing, and its
 * per-second throughput and p99. Both are one run of the load generator, cut in two
 * without a pause; a repetition without warm-up starts its own.
 */
export async function measureLoad(
  app: AppChild,
  m: LoadMeasurement,
): Promise<Pick<OkEntry, 'warmup' | 'warmupControl' | 'measured' | 'timeline' | 'storeOps' | 'storeWrites' | 'eventLoop' | 'memory' | 'cpu' | 'sessionsStored' | 'observations'>> {
  const counters: LoadCounters = { logins: 0, unauthorized: 0 };
  const start = (timeline: Timeline) =>
    startClosedLoad({
      url: app.url,
      scenario: m.scenario,
      connections: m.connections,
      maxSeconds: warmupCapSeconds(m.warmupSeconds) + m.durationSeconds + 30,
      users: m.users,
      ...(m.pool ? { pool: m.pool } : {}),
      signal: m.signal,
      timeline,
      counters,
    });
  const stopArrivals = m.pool && m.loginsPerSecond ? startArrivals(m.pool, m.loginsPerSecond) : () => {};
  let load: RunningLoad | undefined;
  let warmup: PhaseMetrics | undefined;
  let warmupControl: Omit<WarmupControl, 'seconds'> | undefined;
  if (m.warmupSeconds > 0) {
    m.onPhase?.('warm-up', warmupCapSeconds(m.warmupSeconds));
    const warmupTimeline = new Timeline();
    load = start(warmupTimeline);
    warmupControl = await warmUp(warmupTimeline, m.warmupSeconds, m.signal);
  }
  if (m.signal.aborted) {
    stopArrivals();
    await load?.stop();
    throw new Error('interrupted before the measured phase');
  }
  m.onPhase?.('measured', m.durationSeconds);
  let timeline = new Timeline();
  const measuredPhase = async () => {
    timeline = new Timeline();
    counters.unauthorized = 0;
    counters.logins = 0;
    if (load) warmup = load.cut(timeline);
    else load = start(timeline);
    return stopAfter(load, m.durationSeconds, m.signal);
  };
  const { result: measured, observed, reads } = await observePhase(
    app,
    { serverPid: m.serverPid, generatorInProcess: true, requestsOf: (metrics) => metrics.requests, addsSessions: m.scenario.sessions === 'per-request' },
    measuredPhase,
  ).finally(() => {
    stopArrivals();
    return load?.stop();
  });
  return {
    warmup,
    warmupControl: warmupControl && warmup ? { ...warmupControl, seconds: Math.round(warmup.durationSeconds * 1000) / 1000 } : undefined,
    measured: { ...measured, ...reads },
    // Only whole seconds: a last partial second would read as a drop in throughput.
    timeline: timeline.rows().slice(0, Math.floor(m.durationSeconds)),
    ...observed,
    cpu: { ...observed.cpu, generatorSaturated: (observed.cpu.generator ?? 0) >= SATURATED_PERCENT },
    observations: {
      kind: 'load',
      logins: counters.logins,
      sessionMisses: counters.unauthorized,
      sessionMissRate: measured.requests > 0 ? counters.unauthorized / measured.requests : 0,
      clientsWithCookie: m.pool ? m.pool.loggedIn() : m.users.filter((user) => user.jar.size > 0).length,
      distinctClientCookies: m.pool ? m.pool.loggedIn() : new Set(m.users.map((user) => [...user.jar.values()].join(';')).filter(Boolean)).size,
    },
  };
}
