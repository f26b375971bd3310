import type { AppChild } from './app-child.ts';
import { cpuStopwatch } from './cpu.ts';
import { runOpenPhase } from './drivers/k6.ts';
import type { K6Scenario, VuPool } from './k6-script.ts';
import { openModelFindings } from './k6-summary.ts';
import type { MemoryMetrics, OkEntry } from './result.ts';

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

const SAMPLE_INTERVAL_MS = 250;

async function serverBytes(app: AppChild) {
  return (await app.ask('serverStats')) ?? undefined;
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
  await app.ask('storeOps', { reset: true });
  const serverBefore = await serverBytes(app);
  const sessionsBefore = (await app.ask('count')) ?? undefined;
  await app.ask('startSampling', { intervalMs: SAMPLE_INTERVAL_MS });
  m.onPhase?.('measured', m.durationSeconds);
  const cpuWatch = cpuStopwatch({ app: app.pid, server: m.serverPid });
  const measured = await phase('measured', m.durationSeconds);
  const cpu = cpuWatch.stop();
  const samples = await app.ask('stopSampling');
  const storeOps = await app.ask('storeOps', { reset: true });
  const serverAfter = await serverBytes(app);
  const sessionsAfter = (await app.ask('count')) ?? undefined;
  const findings = openModelFindings(measured, m.ratePerSecond);
  return {
    load: findings.load,
    warmup,
    measured: measured.metrics,
    storeOps: Object.keys(storeOps).length > 0 ? storeOps : undefined,
    memory: memoryMetrics(samples, serverBefore && serverAfter && { before: serverBefore.bytes, after: serverAfter.bytes, source: serverAfter.source }, sessionsBefore, sessionsAfter),
    cpu: { ...cpu, generatorSaturated: false },
    sessionsStored: sessionsAfter,
    observations: findings.observations,
    notes: [...findings.notes, 'k6 runs in its own process: its CPU is not measured (dropped iterations show when load generation fell behind)'],
  };
}

function memoryMetrics(
  samples: MemoryMetrics['app']['samples'],
  server: MemoryMetrics['server'],
  sessionsBefore: number | undefined,
  sessionsAfter: number | undefined,
): MemoryMetrics {
  const before = samples[0]!;
  const after = samples[samples.length - 1]!;
  const added = sessionsBefore !== undefined && sessionsAfter !== undefined ? sessionsAfter - sessionsBefore : undefined;
  const growth = server ? server.after - server.before : after.heapUsed - before.heapUsed;
  return { app: { before, after, samples }, server, sessionsBefore, sessionsAfter, bytesPerSession: added && added > 0 ? Math.round(growth / added) : undefined };
}
