import type { AppChild } from '../app/child.ts';
import { cpuStopwatch } from './cpu.ts';
import { processTree } from '../../stores/servers/process-tree.ts';
import type { EventLoopStats, MemoryMetrics, MemorySample, PhaseMetrics, ServerCache } from '../../contract/metrics.ts';
import type { OkEntry } from '../../contract/result.ts';
import type { ServerStats } from '../../stores/types.ts';

const SAMPLE_INTERVAL_MS = 250;

/** What the measured phase read: different sessions the store returned, and the server's hit figures over the phase. */
export type PhaseReads = Pick<PhaseMetrics, 'distinctSessions' | 'serverCache'>;

/** The server's hit counters over a phase: after − before (undefined when either reading is missing or the counters were reset). */
export function cacheDelta(before: ServerCache | undefined, after: ServerCache | undefined): ServerCache | undefined {
  if (!before || !after || after.hits < before.hits || after.misses < before.misses) return undefined;
  const evictions = before.evictions !== undefined && after.evictions !== undefined && after.evictions >= before.evictions ? after.evictions - before.evictions : undefined;
  return { hits: after.hits - before.hits, misses: after.misses - before.misses, ...(evictions !== undefined ? { evictions } : {}), source: after.source };
}

/** What every measured phase records around the load, whatever drives it. */
export type PhaseObservations = Pick<OkEntry, 'storeOps' | 'storeWrites' | 'eventLoop' | 'memory' | 'sessionsStored'> & {
  /** CPU in % of one core; `generator` only when the load runs in this process. */
  cpu: { app?: number; generator?: number; server?: number };
};

/** Sessions a phase must add before its memory growth is divided into a figure per session (`--memory-sessions` measures it on purpose). */
const MIN_SESSIONS_FOR_BYTES = 1000;

function memoryMetrics(
  samples: MemoryMetrics['app']['samples'],
  server: MemoryMetrics['server'],
  sessionsBefore: number | undefined,
  sessionsAfter: number | undefined,
): MemoryMetrics {
  const before = samples[0]!;
  const after = samples[samples.length - 1]!;
  const added = sessionsBefore !== undefined && sessionsAfter !== undefined ? sessionsAfter - sessionsBefore : undefined;
  // A table grows by whole pages (8 KiB in PostgreSQL, 16 KiB in InnoDB): a phase that added a hundred sessions
  // reads 0 B or thousands per session. Below MIN_SESSIONS_FOR_BYTES the growth stays recorded, unjudged.
  const perSession = (growth: number) => (added !== undefined && added >= MIN_SESSIONS_FOR_BYTES ? Math.round(growth / added) : undefined);
  const appHeapBytesPerSession = perSession(after.heapUsed - before.heapUsed);
  return {
    app: { before, after, samples },
    server,
    sessionsBefore,
    sessionsAfter,
    bytesPerSession: server ? perSession(server.after - server.before) : appHeapBytesPerSession,
    appHeapBytesPerSession,
  };
}

/** The commands a server served between two readings of its cumulative counts; undefined when either is missing. */
function serverCallsBetween(before: ServerStats['commands'], after: ServerStats['commands']): { source: string; calls: Record<string, number> } | undefined {
  if (!before || !after) return undefined;
  return { source: after.source, calls: Object.fromEntries(Object.entries(after.calls).map(([command, calls]) => [command, Math.max(0, calls - (before.calls[command] ?? 0))])) };
}

/**
 * Runs `load` as the measured phase while recording store-operation latency
 * and writes, the app's event loop, its memory every 250 ms (the first reading after garbage
 * collection only when the phase adds sessions, the last one always), the server's own
 * figures and session counts before and after, the harness's RSS, and CPU of
 * the app, the server and (when `generatorInProcess`) this process.
 * `requestsOf` tells how many requests the phase completed (writes are per request).
 */
export async function observePhase<T>(
  app: AppChild,
  options: {
    serverPid?: number;
    generatorInProcess: boolean;
    requestsOf: (result: T) => number;
    /**
     * Whether the phase adds sessions (churn): then the first memory reading collects garbage, so
     * heap growth per session is retained data. Otherwise it does not: a forced full collection
     * shrinks V8's young generation, and the measured phase then paid about a quarter more CPU per
     * request while it regrew (memory per session comes from its own probe, before the warm-up).
     */
    addsSessions: boolean;
  },
  load: () => Promise<T>,
): Promise<{ result: T; observed: PhaseObservations; reads: PhaseReads }> {
  const counted = await app.ask('count');
  await app.ask('startSampling', { intervalMs: SAMPLE_INTERVAL_MS, settle: options.addsSessions });
  const harnessBefore = process.memoryUsage.rss();
  // The whole tree: PostgreSQL's queries run in the postmaster's child backends.
  const serverPids = options.serverPid === undefined ? undefined : processTree(options.serverPid);
  const cpuWatch = cpuStopwatch({ app: app.pids, server: serverPids, generator: options.generatorInProcess ? process.pid : undefined });
  let samples: MemorySample[] = [];
  let eventLoop: EventLoopStats | undefined;
  // The hit counters, the server's own figures and the store's operations right around the load, with no
  // count or scan between them and it. A warm-up may be running into the phase, so the store's operations
  // are reset last, the moment the server has answered: the server's command counts and the Store calls
  // then count from the same instant.
  const cacheBefore = await app.ask('serverCache').catch(() => null);
  const serverBefore = await app.ask('serverStats', { resetStoreOps: true });
  const sessionsBefore = counted ?? serverBefore?.sessions;
  let cacheAfter: ServerCache | null = null;
  const result = await load().finally(async () => {
    cacheAfter = await app.ask('serverCache').catch(() => null);
    ({ samples, eventLoop } = await app.ask('stopSampling'));
  });
  const cpu = cpuWatch.stop();
  const harnessRss = { before: harnessBefore, after: process.memoryUsage.rss() };
  const { latency: storeOps, writes, distinctSessions } = await app.ask('storeOps', { reset: true });
  const serverAfter = await app.ask('serverStats');
  const sessionsAfter = (await app.ask('count')) ?? serverAfter?.sessions;
  const server = serverBefore && serverAfter ? { before: serverBefore.bytes, after: serverAfter.bytes, source: serverAfter.source } : undefined;
  const serverCalls = serverCallsBetween(serverBefore?.commands, serverAfter?.commands);
  const serverCache = cacheDelta(cacheBefore ?? undefined, cacheAfter ?? undefined);
  return {
    result,
    reads: { ...(distinctSessions !== undefined ? { distinctSessions } : {}), ...(serverCache ? { serverCache } : {}) },
    observed: {
      storeOps: Object.keys(storeOps).length > 0 ? storeOps : undefined,
      storeWrites: Object.keys(storeOps).length > 0 ? { requests: options.requestsOf(result), ...writes, ...(serverCalls ? { serverCalls } : {}) } : undefined,
      eventLoop,
      memory: { ...memoryMetrics(samples, server, sessionsBefore, sessionsAfter), harnessRss },
      cpu,
      sessionsStored: sessionsAfter,
    },
  };
}
