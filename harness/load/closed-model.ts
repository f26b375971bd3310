import type { AppChild } from '../app/child.ts';
import { runClosedPhase } from './autocannon.ts';
import type { LoadCounters, VirtualUser } from './autocannon.ts';
import { observePhase } from './observe-phase.ts';
import type { OkEntry, PhaseMetrics } from '../../reports/result.ts';
import type { LoadScenario } from '../../scenarios/types.ts';

/** Settings of one closed-model measurement. */
export interface LoadMeasurement {
  scenario: LoadScenario;
  connections: number;
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

/** Warm-up (kept apart), then the measured phase with memory sampling and store-operation timing. */
export async function measureLoad(
  app: AppChild,
  m: LoadMeasurement,
): Promise<Pick<OkEntry, 'warmup' | 'measured' | 'storeOps' | 'memory' | 'cpu' | 'sessionsStored' | 'observations'>> {
  const counters: LoadCounters = { logins: 0, unauthorized: 0 };
  const phase = (durationSeconds: number) =>
    runClosedPhase({ url: app.url, scenario: m.scenario, connections: m.connections, durationSeconds, users: m.users, signal: m.signal, counters });
  let warmup: PhaseMetrics | undefined;
  if (m.warmupSeconds > 0) {
    m.onPhase?.('warm-up', m.warmupSeconds);
    warmup = await phase(m.warmupSeconds);
  }
  if (m.signal.aborted) throw new Error('interrupted before the measured phase');
  m.onPhase?.('measured', m.durationSeconds);
  counters.unauthorized = 0;
  const { result: measured, observed } = await observePhase(app, { serverPid: m.serverPid, generatorInProcess: true, requestsOf: (metrics) => metrics.requests }, () => phase(m.durationSeconds));
  return {
    warmup,
    measured,
    ...observed,
    cpu: { ...observed.cpu, generatorSaturated: (observed.cpu.generator ?? 0) >= SATURATED_PERCENT },
    observations: {
      kind: 'load',
      logins: counters.logins,
      sessionMisses: counters.unauthorized,
      sessionMissRate: measured.requests > 0 ? counters.unauthorized / measured.requests : 0,
      clientsWithCookie: m.users.filter((user) => user.jar.size > 0).length,
      distinctClientCookies: new Set(m.users.map((user) => [...user.jar.values()].join(';')).filter(Boolean)).size,
    },
  };
}
