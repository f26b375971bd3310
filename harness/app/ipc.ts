import type { EventLoopStats, MemorySample, ServerCache, StoreOpLatency } from '../../contract/metrics.ts';
import type { StoreTimingSnapshot } from './store-timing.ts';
import type { AnyStoreId, StoreCapabilities } from '../../contract/vocabulary.ts';
import type { ServerHandle, ServerStats, SessionSettings } from '../../stores/types.ts';
import type { RawStoreOptions } from '../../stores/options.ts';
import type { AppOptions } from './app.ts';
import type { PrefillRange } from './prefill-sessions.ts';
import type { MitigationConfig } from './mitigations/types.ts';
import type { MitigationCounts } from '../../scenarios/race/observations.ts';

/** What the parent tells the app child to build, passed as JSON in SESSIONBENCH_APP_CONFIG. */
export interface AppChildConfig {
  store: AnyStoreId;
  /** For a custom store: its module's absolute path, which the child loads. */
  storeModule?: string | undefined;
  settings: SessionSettings;
  server?: ServerHandle;
  /** The store's `--store-option` values (checked by the plan). */
  storeOptions?: RawStoreOptions;
  app: AppOptions;
  /** The remedy against lost updates to install (`--mitigation`); none when absent. */
  mitigation?: MitigationConfig;
  /** The CPUs the app pins itself to before anything else (`--cpu-placement split`); all when absent. */
  cpus?: number[];
}

/** Questions the parent asks the app child; every one gets exactly one reply with the same `id`. */
export type ChildRequest =
  | { id: number; type: 'count' }
  | { id: number; type: 'get'; sessionId: string }
  /** `resetStoreOps`: reset the store-operation counters the moment the server has answered, so both count from the same instant. */
  | { id: number; type: 'serverStats'; resetStoreOps?: boolean }
  /** The server's hit counters alone (no count or scan beside them). */
  | { id: number; type: 'serverCache' }
  /** `settle`: collect garbage before the first reading (costly to the phase that follows: V8 regrows its young generation). */
  | { id: number; type: 'startSampling'; intervalMs: number; settle: boolean }
  | { id: number; type: 'stopSampling' }
  | { id: number; type: 'storeOps'; reset: boolean }
  /** Builds the sessions of a range (the run's payload, expiring `ttlMs` from now) and writes them through the store's bulk writer. */
  | ({ id: number; type: 'prefill'; ttlMs: number } & PrefillRange)
  /** Deletes the sessions of a range through the bulk writer. */
  | ({ id: number; type: 'unprefill' } & PrefillRange)
  /** Runs the store's own one-shot removal of expired sessions, when it has one (`dryRun`: only says whether it has). */
  | { id: number; type: 'pruneExpired'; dryRun?: boolean }
  /** `stored`: the probe's gets read random sessions of this prefilled range instead of the ones it just wrote. */
  | { id: number; type: 'probeStore'; operations: number; stored?: PrefillRange }
  /** The app's heap after a forced garbage collection: what it retains. */
  | { id: number; type: 'heap' }
  /** Saves the remedy refused or retried since the app started. */
  | { id: number; type: 'mitigationCounts' };

/** The app's heap after a step, against its limit: an in-process store must stop before the heap is full. */
export interface HeapReading {
  used: number;
  limit: number;
}

/** Answers to ChildRequest, by type. */
export interface ChildAnswers {
  count: number | null;
  get: Record<string, unknown> | null;
  serverStats: ServerStats | null;
  serverCache: ServerCache | null;
  startSampling: null;
  /** Memory samples of the phase, and its event loop (watched from startSampling to stopSampling). */
  stopSampling: { samples: MemorySample[]; eventLoop: EventLoopStats };
  /** Latency and writes since the last reset; empty when the store is not an express-session Store. */
  storeOps: StoreTimingSnapshot;
  /** The store's intrinsic latency (see probeStore); empty without an express-session Store. */
  probeStore: StoreOpLatency;
  prefill: HeapReading;
  heap: HeapReading;
  unprefill: null;
  /** Milliseconds the removal took (0 for a dry run), or null when the store has no removal to call. */
  pruneExpired: number | null;
  mitigationCounts: MitigationCounts;
}

/** Messages the child sends on its own. */
export type ChildEvent =
  | { type: 'ready'; port: number; label: string; capabilities: StoreCapabilities; packages: Record<string, string> }
  | { type: 'startFailed'; message: string }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; message: string };
