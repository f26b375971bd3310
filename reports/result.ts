import type { ServerInfo, StoreCapabilities, StoreId } from '../stores/types.ts';

/** Bumped whenever a field changes meaning or is removed; readers refuse other versions. */
export const SCHEMA_VERSION = 1;

/** Latency percentiles in microseconds, from an HDR histogram. */
export interface LatencySummary {
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  /** Samples recorded. */
  count: number;
}

/** What one phase (warm-up or measured) of one driver run produced. */
export interface PhaseMetrics {
  durationSeconds: number;
  /** Completed requests (any status). */
  requests: number;
  /** Completed requests per second. */
  throughput: number;
  latencyUs: LatencySummary;
  /** HDR histogram of latency in µs, compressed base64 (hdr-histogram-js), so runs can be merged later. */
  histogram: string;
  /** Connection errors (refused, reset) — not HTTP statuses. */
  errors: number;
  /** Responses with a status outside 2xx. */
  non2xx: number;
  timeouts: number;
}

/** Which load model produced a result: never compare closed- and open-model latency as the same thing. */
export type LoadModel =
  | { driver: 'autocannon'; model: 'closed'; connections: number }
  | { driver: 'k6'; model: 'open'; ratePerSecond: number; droppedIterations?: number }
  /** Requests a correctness scenario sends itself (race bursts, ttl replays): latency, not a throughput to compare. */
  | { driver: 'harness'; model: 'scripted'; description: string };

/** Per-operation store latency measured inside the app, around the Store's methods. */
export type StoreOperation = 'get' | 'set' | 'touch' | 'destroy';
/** Latency (µs) and error count per store operation that was called. */
export type StoreOpLatency = Partial<Record<StoreOperation, LatencySummary & { errors: number }>>;

/** One memory sample of the app process. */
export interface MemorySample {
  /** Milliseconds since the measured phase started. */
  t: number;
  rss: number;
  heapUsed: number;
}

/** Memory of the app and of the store server around the measured phase. */
export interface MemoryMetrics {
  app: { before: MemorySample; after: MemorySample; samples: MemorySample[] };
  server?: { before: number; after: number; source: string };
  /** RSS of the harness (the load generator's process): it must not grow with run length. */
  harnessRss?: { before: number; after: number };
  sessionsBefore?: number;
  sessionsAfter?: number;
  /** Growth of the memory that holds sessions (the server's when there is one, else the app heap) per session added. */
  bytesPerSession?: number;
  /** Growth of the app's heap (after garbage collection) per session added, whatever the store. */
  appHeapBytesPerSession?: number;
}

/** One second of a phase: request outcomes and the p99 of the requests that completed in it. */
export interface TimelineSecond {
  /** Seconds since the phase started. */
  second: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  p99Us: number;
}

/** CPU use of each process during the measured phase, in % of one core. */
export interface CpuMetrics {
  app?: number;
  /** The load generator: the harness process for autocannon (single-threaded, ≤ 100); the k6 process for the open model (multi-threaded, up to 100 × cores). */
  generator?: number;
  server?: number;
  /** The load generator, not the app, limited throughput: autocannon's core was (nearly) full, or k6 dropped iterations with the CPU left to it (nearly) used (see k6Saturated). */
  generatorSaturated: boolean;
}

/** Fields every entry has, whatever its status. */
export interface EntryBase {
  store: StoreId;
  storeLabel: string;
  scenario: string;
  /** Session payload stored at login, in bytes (JSON). */
  payloadBytes?: number;
  /** App instances behind a round-robin balancer, when more than one. */
  instances?: number;
  /** Settings variant within a scenario, e.g. "resave=true rolling=false"; absent when there is one. */
  variant?: string;
  /** 1-based repetition number. */
  repetition: number;
  /** The server that really answered, labelled honestly (e.g. FerretDB is not MongoDB). */
  server?: ServerInfo;
  capabilities?: StoreCapabilities;
  load: LoadModel;
}

/** A store × scenario × repetition that ran to the end. */
export interface OkEntry extends EntryBase {
  status: 'ok';
  /** Absent when the plan asked for no warm-up. */
  warmup?: PhaseMetrics;
  measured: PhaseMetrics;
  storeOps?: StoreOpLatency;
  memory?: MemoryMetrics;
  /** CPU during the measured phase, in % of one core. */
  cpu?: CpuMetrics;
  /** Sessions the store holds after the run, read through the adapter's inspection. */
  sessionsStored?: number;
  /** Per-second outcomes, for scenarios where the course of the run matters (outage). */
  timeline?: TimelineSecond[];
  /** Scenario-specific observations (oracles, probes), numbers only. */
  observations?: Record<string, number>;
  /** Plain-language caveats a reader must see next to the numbers. */
  notes?: string[];
}

/** Why a run failed, as data: `payload-limit` (the store cannot carry the sweep's payload, a limit to know) or `error`. */
export type FailureCause = 'payload-limit' | 'error';

/** A store × scenario that could not be measured, and why. */
export interface FailedEntry extends EntryBase {
  status: 'failed';
  /** One readable sentence. */
  reason: string;
  /** What reports read to tell a payload limit from a broken run; absent in files written before it existed. */
  cause?: FailureCause;
}

/** A store × scenario not attempted (e.g. no server available), and why. */
export interface SkippedEntry extends EntryBase {
  status: 'skipped';
  reason: string;
}

/** One store × scenario × repetition, tagged by `status`: every reporter switches on it. */
export type ResultEntry = OkEntry | FailedEntry | SkippedEntry;

/** The machine and software that produced a run. */
export interface EnvironmentInfo {
  node: string;
  os: { platform: string; release: string; arch: string };
  cpu: { model: string; count: number };
  totalMemoryBytes: number;
  gitSha?: string;
  sessionbench: string;
  /** npm packages that took part, name → installed version. */
  packages: Record<string, string>;
}

/** The validated plan a run followed. */
export interface PlanSummary {
  stores: StoreId[];
  scenarios: string[];
  repeat: number;
  warmupSeconds: number;
  durationSeconds: number;
  connections: number;
  /** Payload sizes swept, in bytes. */
  payloadBytes: number[];
  driver: 'autocannon' | 'k6';
  ratePerSecond?: number;
}

/** One whole run: the single document every reporter reads. */
export interface RunResult {
  schemaVersion: typeof SCHEMA_VERSION;
  startedAt: string;
  finishedAt: string;
  /** True when the run was interrupted and holds only what was gathered so far. */
  partial: boolean;
  env: EnvironmentInfo;
  plan: PlanSummary;
  entries: ResultEntry[];
}
