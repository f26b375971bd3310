import type { AppChild } from '../app/child.ts';
import { runClosedPhase } from './autocannon.ts';
import type { LoadCounters, VirtualUser } from './autocannon.ts';
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
  signal: AbortSignal;
  /** Process id of a local store server, to measure its CPU. */
  serverPid?: number;
  /** Called when a phase starts, for progress display. */
  onPhase?: (phase: 'warm-up' | 'measured', seconds: number) => void;
}

/** A single-threaded generator above this share of one core is the bottleneck, not the app. */
const SATURATED_PERCENT = 90;

/**
 * Warm-up to steady state: load runs for at least `minSeconds` and until consecutive
 * 1 s throughput windows agree (STEADY_STATE), or until the cap; `phase` runs the load
 * and stops early when its signal aborts.
 */
async function warmUp(
  phase: (durationSeconds: number, options: { signal: AbortSignal; timeline: Timeline }) => Promise<PhaseMetrics>,
  minSeconds: number,
  signal: AbortSignal,
): Promise<{ metrics: PhaseMetrics; control: WarmupControl }> {
  const capSeconds = warmupCapSeconds(minSeconds);
  const timeline = new Timeline();
  const steady = new AbortController();
  let settled = false;
  // The cap is kept on the timeline's own clock, the one `seconds` is read from: the
  // driver's duration timer starts later (after its connections open) and fires late
  // on a busy machine, so it is only the backstop.
  const watcher = setInterval(() => {
    const elapsedMs = timeline.elapsedMs();
    if (elapsedMs >= capSeconds * 1000) {
      clearInterval(watcher);
      steady.abort();
      return;
    }
    if (elapsedMs < minSeconds * 1000 || !isSteady(fullWindows(timeline))) return;
    settled = true;
    clearInterval(watcher);
    steady.abort();
  }, 100);
  const metrics = await phase(capSeconds + 1, { signal: AbortSignal.any([signal, steady.signal]), timeline }).finally(() => clearInterval(watcher));
  const windows = fullWindows(timeline);
  return {
    metrics,
    control: { seconds: Math.round(timeline.elapsedMs()) / 1000, settled, minSeconds, capSeconds, tolerance: STEADY_STATE.tolerance, windowsCompared: STEADY_STATE.windows, windows },
  };
}

/**
 * Warm-up until throughput settles (kept apart, and how it ended recorded), then the
 * measured phase with memory sampling, event-loop and store-operation timing, and its
 * per-second throughput and p99.
 */
export async function measureLoad(
  app: AppChild,
  m: LoadMeasurement,
): Promise<Pick<OkEntry, 'warmup' | 'warmupControl' | 'measured' | 'timeline' | 'storeOps' | 'storeWrites' | 'eventLoop' | 'memory' | 'cpu' | 'sessionsStored' | 'observations'>> {
  const counters: LoadCounters = { logins: 0, unauthorized: 0, setCookieBytes: 0, setCookieHeaders: 0 };
  const phase = (durationSeconds: number, options: { signal?: AbortSignal; timeline?: Timeline } = {}) =>
    runClosedPhase({ url: app.url, scenario: m.scenario, connections: m.connections, durationSeconds, users: m.users, signal: options.signal ?? m.signal, timeline: options.timeline, counters });
  let warmup: PhaseMetrics | undefined;
  let warmupControl: WarmupControl | undefined;
  if (m.warmupSeconds > 0) {
    m.onPhase?.('warm-up', warmupCapSeconds(m.warmupSeconds));
    ({ metrics: warmup, control: warmupControl } = await warmUp(phase, m.warmupSeconds, m.signal));
  }
  if (m.signal.aborted) throw new Error('interrupted before the measured phase');
  m.onPhase?.('measured', m.durationSeconds);
  counters.unauthorized = 0;
  counters.setCookieBytes = 0;
  counters.setCookieHeaders = 0;
  let timeline = new Timeline();
  const { result: measured, observed } = await observePhase(app, { serverPid: m.serverPid, generatorInProcess: true, requestsOf: (metrics) => metrics.requests }, () => {
    timeline = new Timeline();
    return phase(m.durationSeconds, { timeline });
  });
  return {
    warmup,
    warmupControl,
    measured,
    // Only whole seconds: a last partial second would read as a drop in throughput.
    timeline: timeline.rows().slice(0, Math.floor(m.durationSeconds)),
    ...observed,
    cpu: { ...observed.cpu, generatorSaturated: (observed.cpu.generator ?? 0) >= SATURATED_PERCENT },
    observations: {
      kind: 'load',
      logins: counters.logins,
      sessionMisses: counters.unauthorized,
      sessionMissRate: measured.requests > 0 ? counters.unauthorized / measured.requests : 0,
      setCookieBytes: counters.setCookieBytes ?? 0,
      setCookieHeaders: counters.setCookieHeaders ?? 0,
      clientsWithCookie: m.users.filter((user) => user.jar.size > 0).length,
      distinctClientCookies: new Set(m.users.map((user) => [...user.jar.values()].join(';')).filter(Boolean)).size,
    },
  };
}
