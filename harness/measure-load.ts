import type { AppChild } from './app-child.ts';
import { cpuStopwatch } from './cpu.ts';
import { runClosedPhase } from './drivers/autocannon.ts';
import type { LoadCounters, VirtualUser } from './drivers/autocannon.ts';
import type { MemoryMetrics, OkEntry, PhaseMetrics } from './result.ts';
import type { LoadScenario } from '../scenarios/types.ts';

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

const SAMPLE_INTERVAL_MS = 250;
/** A single-threaded generator above this share of one core is the bottleneck, not the app. */
const SATURATED_PERCENT = 90;

function memoryMetrics(
  samples: MemoryMetrics['app']['samples'],
  server: { before: number; after: number; source: string } | undefined,
  sessionsBefore: number | undefined,
  sessionsAfter: number | undefined,
): MemoryMetrics {
  const before = samples[0]!;
  const after = samples[samples.length - 1]!;
  const added = sessionsBefore !== undefined && sessionsAfter !== undefined ? sessionsAfter - sessionsBefore : undefined;
  const growth = server ? server.after - server.before : after.heapUsed - before.heapUsed;
  return {
    app: { before, after, samples },
    server,
    sessionsBefore,
    sessionsAfter,
    bytesPerSession: added && added > 0 ? Math.round(growth / added) : undefined,
  };
}

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
  await app.ask('storeOps', { reset: true });
  const serverBefore = await app.ask('serverStats');
  const sessionsBefore = (await app.ask('count')) ?? undefined;
  await app.ask('startSampling', { intervalMs: SAMPLE_INTERVAL_MS });
  m.onPhase?.('measured', m.durationSeconds);
  const harnessBefore = process.memoryUsage.rss();
  counters.unauthorized = 0;
  const cpuWatch = cpuStopwatch({ app: app.pids, generator: process.pid, server: m.serverPid });
  const measured = await phase(m.durationSeconds);
  const cpu = cpuWatch.stop();
  const harnessRss = { before: harnessBefore, after: process.memoryUsage.rss() };
  const samples = await app.ask('stopSampling');
  const storeOps = await app.ask('storeOps', { reset: true });
  const serverAfter = await app.ask('serverStats');
  const sessionsAfter = (await app.ask('count')) ?? undefined;
  const server = serverBefore && serverAfter ? { before: serverBefore.bytes, after: serverAfter.bytes, source: serverAfter.source } : undefined;
  return {
    warmup,
    measured,
    storeOps: Object.keys(storeOps).length > 0 ? storeOps : undefined,
    memory: { ...memoryMetrics(samples, server, sessionsBefore, sessionsAfter), harnessRss },
    cpu: { ...cpu, generatorSaturated: (cpu.generator ?? 0) >= SATURATED_PERCENT },
    sessionsStored: sessionsAfter,
    observations: {
      logins: counters.logins,
      sessionMisses: counters.unauthorized,
      sessionMissRate: measured.requests > 0 ? counters.unauthorized / measured.requests : 0,
      clientsWithCookie: m.users.filter((user) => user.jar.size > 0).length,
      distinctClientCookies: new Set(m.users.map((user) => [...user.jar.values()].join(';')).filter(Boolean)).size,
    },
  };
}
