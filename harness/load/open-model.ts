import os from 'node:os';
import type { AppChild } from '../app/child.ts';
import { runOpenPhase } from '../k6/k6.ts';
import type { K6Scenario, VuPool } from '../k6/k6-script.ts';
import type { K6Users } from '../k6/k6-users.ts';
import { openModelFindings } from '../k6/k6-summary.ts';
import { observePhase } from './observe-phase.ts';
import type { OkEntry } from '../../contract/result.ts';

/** Settings of one open-model measurement. */
export interface OpenLoadMeasurement {
  /** The k6 binary. */
  binary: string;
  scenario: K6Scenario;
  ratePerSecond: number;
  warmupSeconds: number;
  durationSeconds: number;
  signal: AbortSignal;
  /** Process id of a local store server, to measure its CPU. */
  serverPid?: number;
  vus?: VuPool;
  /** `--users`: every iteration picks its user (see K6Users). */
  users?: K6Users;
  onPhase?: (phase: 'warm-up' | 'measured', seconds: number) => void;
}

/** Share of the CPU left to k6 above which it counts as saturated. */
const SATURATED_SHARE = 0.9;

/**
 * Whether k6, not the app, limited the measured phase. k6 is multi-threaded and
 * shares the machine with the app and a local store server, so its ceiling is
 * the CPU they leave: `cores × 100 − app − server` (in % of one core). k6 is
 * saturated when it fell behind (dropped iterations) while using at least 90% of
 * that ceiling. Without dropped iterations the target rate was met, whatever k6's
 * CPU; without a CPU figure nothing is claimed (false).
 */
export function k6Saturated(m: { droppedIterations: number; cpu: { generator?: number; app?: number; server?: number }; cores: number }): boolean {
  const { generator, app = 0, server = 0 } = m.cpu;
  if (m.droppedIterations === 0 || generator === undefined) return false;
  const leftToK6 = Math.max(0, m.cores * 100 - app - server);
  return generator >= SATURATED_SHARE * leftToK6;
}

/**
 * Open model with k6: warm-up as its own k6 run (kept apart), then the measured
 * run with memory sampling, store-operation timing and CPU of app, server and
 * k6 itself. Logins of the measured run's fresh VUs are left out of its figures
 * and counted apart (`logins`). Dropped iterations are reported in the load
 * model, the observations and a note. Throws when `signal` aborts before the
 * measured phase: it is then not started.
 */
export async function measureOpenLoad(
  app: AppChild,
  m: OpenLoadMeasurement,
): Promise<Pick<OkEntry, 'load' | 'warmup' | 'measured' | 'storeOps' | 'memory' | 'cpu' | 'sessionsStored' | 'observations' | 'notes'>> {
  const phase = (name: 'warmup' | 'measured', seconds: number) =>
    runOpenPhase({ binary: m.binary, url: app.url, scenario: m.scenario, phase: name, ratePerSecond: m.ratePerSecond, seconds, vus: m.vus, signal: m.signal, ...(m.users ? { users: m.users } : {}) });
  let warmup: OkEntry['warmup'];
  if (m.warmupSeconds > 0) {
    m.onPhase?.('warm-up', m.warmupSeconds);
    warmup = (await phase('warmup', m.warmupSeconds)).metrics;
  }
  if (m.signal.aborted) throw new Error('interrupted before the measured phase');
  m.onPhase?.('measured', m.durationSeconds);
  const { result: measured, observed, reads } = await observePhase(app, { serverPid: m.serverPid, generatorInProcess: false, requestsOf: (run) => run.metrics.requests, addsSessions: m.scenario.sessions === 'per-request' }, () => phase('measured', m.durationSeconds));
  const findings = openModelFindings(measured, m.ratePerSecond);
  const cpu = { ...observed.cpu, ...(measured.generatorCpu === undefined ? {} : { generator: measured.generatorCpu }) };
  const cores = os.availableParallelism();
  const generatorSaturated = k6Saturated({ droppedIterations: measured.droppedIterations, cpu, cores });
  const notes = [...findings.notes];
  if (generatorSaturated) {
    notes.push(`k6 itself was saturated: ${cpu.generator}% CPU of the ${Math.round(cores * 100 - (cpu.app ?? 0) - (cpu.server ?? 0))}% that app and server left on ${cores} cores — dropped iterations may be the generator's, not the app's`);
  } else if (cpu.generator === undefined) {
    notes.push('k6\'s CPU could not be measured: whether it limited the rate is not known');
  }
  return {
    load:
      m.users && findings.load.driver === 'k6'
        ? { ...findings.load, users: m.users.users, distribution: m.users.distribution, ...(m.users.loginsPerSecond ? { loginsPerSecond: m.users.loginsPerSecond } : {}) }
        : findings.load,
    warmup,
    measured: { ...measured.metrics, ...reads },
    ...observed,
    cpu: { ...cpu, generatorSaturated },
    observations: findings.observations,
    notes,
  };
}
