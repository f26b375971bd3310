/**
 * Entry point of the app-under-test child process: builds the store adapter and
 * the app, listens on 127.0.0.1:0, reports its port over IPC, and answers the
 * parent's inspection questions. Exits when the parent goes away.
 */
import type { AddressInfo } from 'node:net';
import { getHeapStatistics } from 'node:v8';
import { prefillIds, prefillSessions } from './prefill-sessions.ts';
import { makePayload } from '../../scenarios/payload.ts';
import { createApp } from './app.ts';
import { watchEventLoop } from './event-loop.ts';
import type { EventLoopWatch } from './event-loop.ts';
import { probeStore } from './store-probe.ts';
import { describeError } from '../errors.ts';
import { instrumentStore } from './store-timing.ts';
import type { StoreTiming } from './store-timing.ts';
import type { AppChildConfig, ChildAnswers, ChildEvent, ChildRequest } from './ipc.ts';
import type { MemorySample } from '../../contract/metrics.ts';
import { createStoreAdapter } from '../../stores/index.ts';
import { loadCustomStore } from '../../stores/custom.ts';
import type { StoreAdapter } from '../../stores/types.ts';
import { MITIGATIONS } from './mitigations/index.ts';
import { allowedCpus, pinProcess, sameCpus } from '../run/cpu-placement.ts';
import type { Mitigation } from './mitigations/types.ts';

function send(event: ChildEvent): void {
  process.send?.(event);
}

/** A memory reading; `settled` collects garbage first, so heap growth means retained data, not garbage. */
function memorySample(since: number, settled = false): MemorySample {
  if (settled) globalThis.gc?.();
  const usage = process.memoryUsage();
  return { t: Math.round(performance.now() - since), rss: usage.rss, heapUsed: usage.heapUsed };
}

function heapReading(): { used: number; limit: number } {
  const heap = getHeapStatistics();
  return { used: heap.used_heap_size, limit: heap.heap_size_limit };
}

function bulkOf(adapter: StoreAdapter) {
  if (!adapter.bulk) throw new Error(`${adapter.id} cannot be prefilled: ${adapter.capabilities.prefill && 'reason' in adapter.capabilities.prefill ? adapter.capabilities.prefill.reason : 'it has no bulk writer'}`);
  return adapter.bulk;
}

function createResponder(adapter: StoreAdapter, timing: StoreTiming | undefined, config: AppChildConfig, mitigation: Mitigation) {
  const payload = makePayload(config.app.payloadBytes);
  let samples: MemorySample[] = [];
  let sampler: NodeJS.Timeout | undefined;
  let loop: EventLoopWatch | undefined;
  let since = performance.now();
  const answers: { [K in keyof ChildAnswers]: (request: Extract<ChildRequest, { type: K }>) => Promise<ChildAnswers[K]> } = {
    count: async () => (await adapter.inspect.count()) ?? null,
    get: async ({ sessionId }) => (await adapter.inspect.get(sessionId)) ?? null,
    serverStats: async ({ resetStoreOps }) => {
      const stats = (await adapter.inspect.serverStats()) ?? null;
      if (resetStoreOps) timing?.snapshot(true);
      return stats;
    },
    serverCache: async () => (await adapter.inspect.serverCache?.()) ?? null,
    startSampling: async ({ intervalMs, settle }) => {
      clearInterval(sampler);
      since = performance.now();
      samples = [memorySample(since, settle)];
      sampler = setInterval(() => samples.push(memorySample(since)), intervalMs);
      loop?.stop();
      loop = watchEventLoop();
      return null;
    },
    stopSampling: async () => {
      clearInterval(sampler);
      const eventLoop = (loop ?? watchEventLoop()).stop();
      loop = undefined;
      const taken = [...samples, memorySample(since, true)];
      samples = [];
      return { samples: taken, eventLoop };
    },
    storeOps: async ({ reset }) => timing?.snapshot(reset) ?? { latency: {}, writes: { set: 0, touch: 0, destroy: 0, setBytes: 0, touchBytes: 0 } },
    mitigationCounts: async () => mitigation.counts(),
    probeStore: async ({ operations, stored }) => {
      if (!adapter.store) return {};
      const intrinsic = await probeStore(adapter.store, { operations, payloadBytes: config.app.payloadBytes, maxAgeMs: config.settings.maxAgeMs, ...(stored ? { storedIds: (i) => `${stored.idPrefix}${stored.from + i}`, storedCount: stored.count } : {}) });
      timing?.snapshot(true);
      return intrinsic;
    },
    prefill: async ({ idPrefix, from, count, ttlMs }) => {
      const bulk = bulkOf(adapter);
      if (count > 0) await bulk.write(prefillSessions({ idPrefix, from, count }, ttlMs, payload, config.settings));
      return heapReading();
    },
    heap: async () => {
      // Collect garbage first, so the heap holds what the store retains.
      globalThis.gc?.();
      return heapReading();
    },
    unprefill: async (range) => {
      await bulkOf(adapter).remove(prefillIds(range));
      return null;
    },
    pruneExpired: async ({ dryRun }) => {
      if (!adapter.pruneExpired) return null;
      if (dryRun) return 0;
      const started = performance.now();
      await adapter.pruneExpired();
      return performance.now() - started;
    },
  };
  return async (request: ChildRequest): Promise<unknown> =>
    (answers[request.type] as (r: ChildRequest) => Promise<unknown>)(request);
}

/** Pins every thread of this process to `cpus` and checks the kernel agrees: a placement recorded is a placement applied. */
function pinSelf(cpus: readonly number[]): void {
  pinProcess(process.pid, cpus);
  const allowed = allowedCpus();
  if (!allowed || !sameCpus(allowed, cpus)) throw new Error(`pinned to CPUs ${cpus.join(',')}, but the kernel allows ${allowed?.join(',') ?? 'unknown'}`);
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.SESSIONBENCH_APP_CONFIG ?? '{}') as AppChildConfig;
  if (config.cpus) pinSelf(config.cpus);
  if (config.storeModule) await loadCustomStore(config.storeModule);
  const adapter = await createStoreAdapter(config.store, { settings: config.settings, server: config.server, options: config.storeOptions });
  // The remedy wraps the store first, so store timings include what it adds to a save.
  const { id: mitigationId = 'none', ...mitigationOptions } = config.mitigation ?? {};
  const mitigation = (await MITIGATIONS[mitigationId].load())(adapter, config.settings, mitigationOptions);
  const timing = adapter.store ? instrumentStore(adapter.store) : undefined;
  const app = createApp(adapter, config.app, mitigation);
  const server = app.listen(0, '127.0.0.1', (error?: Error) => {
    if (error) throw error;
    const { port } = server.address() as AddressInfo;
    send({ type: 'ready', port, label: adapter.label, capabilities: adapter.capabilities, packages: adapter.packages });
  });
  server.keepAliveTimeout = 60_000;
  const respond = createResponder(adapter, timing, config, mitigation);
  process.on('message', (request: ChildRequest) => {
    respond(request).then(
      (value) => send({ type: 'reply', id: request.id, ok: true, value }),
      // Never an empty message: a refused connection is an AggregateError whose own message is ''.
      (error: unknown) => send({ type: 'reply', id: request.id, ok: false, message: describeError(error) }),
    );
  });
  const shutdown = () => {
    server.closeAllConnections();
    server.close();
    mitigation.close().catch(() => {}).finally(() => adapter.close()).finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('disconnect', shutdown);
  process.on('SIGTERM', shutdown);
  // A terminal's Ctrl-C or hang-up reaches the whole process group: the harness stops this child in order.
  process.on('SIGINT', () => {});
  process.on('SIGHUP', () => {});
}

// A store whose createStore never settles, with nothing else pending, empties the event loop: say so.
let started = false;
process.once('beforeExit', () => {
  if (started) return;
  send({ type: 'startFailed', message: "the store never finished starting: createStore's promise never settled, and nothing else was pending" });
  setTimeout(() => process.exit(1), 100);
});

main().then(() => (started = true)).catch((error: unknown) => {
  send({ type: 'startFailed', message: error instanceof Error ? error.message : String(error) });
  setTimeout(() => process.exit(1), 100);
});
