import type { AppChild } from './app-child.ts';
import { runOpenPhase } from './drivers/k6.ts';
import type { K6Scenario, VuPool } from './k6-script.ts';
import { openModelFindings } from './k6-summary.ts';
import { observePhase } from './observe-phase.ts';
import type { OkEntry } from './result.ts';

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
  onPhase?: (phase: 'warm-up' | 'measured', seconds: number) => void;
}

/**
 * Open model with k6: warm-up as its own k6 run (kept apart), then the measured
 * run with memory sampling, store-operation timing and CPU of app and server.
 * Dropped iterations are reported in the load model, the observations and a note.
 */
export async function measureOpenLoad(
  app: AppChild,
  m: OpenLoadMeasurement,
): Promise<Pick<OkEntry, 'load' | 'warmup' | 'measured' | 'storeOps' | 'memory' | 'cpu' | 'sessionsStored' | 'observations' | 'notes'>> {
  const phase = (name: 'warmup' | 'measured', seconds: number) =>
    runOpenPhase({ binary: m.binary, url: app.url, scenario: m.scenario, phase: name, ratePerSecond: m.ratePerSecond, seconds, vus: m.vus, signal: m.signal });
  let warmup: OkEntry['warmup'];
  if (m.warmupSeconds > 0) {
    m.onPhase?.('warm-up', m.warmupSeconds);
    warmup = (await phase('warmup', m.warmupSeconds)).metrics;
  }
  m.onPhase?.('measured', m.durationSeconds);
  const { result: measured, observed } = await observePhase(app, { serverPid: m.serverPid, generatorInProcess: false }, () => phase('measured', m.durationSeconds));
  const findings = openModelFindings(measured, m.ratePerSecond);
  return {
    load: findings.load,
    warmup,
    measured: measured.metrics,
    ...observed,
    cpu: { ...observed.cpu, generatorSaturated: false },
    observations: findings.observations,
    notes: [...findings.notes, 'k6 runs in its own process: its CPU is not measured (dropped iterations show when load generation fell behind)'],
  };
}
