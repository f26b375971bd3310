import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import { z } from 'zod';
import { SCENARIO_KINDS } from '../scenarios/types.ts';
import { anyStoreIdSchema, serverInfoSchema, storeCapabilitiesSchema, storeSourceSchema } from '../stores/types.ts';
import { storeNamespaceSchema } from '../stores/namespace.ts';

/**
 * The results contract: the one document the harness writes and every reporter reads.
 * Declared once, as zod schemas; every TypeScript type below is inferred from them.
 * Bumped whenever a field changes meaning or is removed (see migrate.ts for older files).
 */
export const SCHEMA_VERSION = 2;

const count = z.number().int().nonnegative();
const micros = z.number().nonnegative();

/** Latency percentiles in microseconds, from an HDR histogram. */
export const latencySummarySchema = z.object({
  min: micros,
  mean: micros,
  p50: micros,
  p90: micros,
  p99: micros,
  p999: micros,
  max: micros,
  /** Samples recorded. */
  count,
});
export type LatencySummary = z.infer<typeof latencySummarySchema>;

/** HDR histogram of latency in µs, compressed base64 (hdr-histogram-js); empty when the source had none (a k6 summary import). */
const histogram = z.string().refine(
  (encoded) => {
    if (encoded === '') return true;
    try {
      decodeFromCompressedBase64(encoded);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a compressed base64 HDR histogram' },
);

/** What one phase (warm-up or measured) of one driver run produced. */
export const phaseMetricsSchema = z.object({
  durationSeconds: z.number().nonnegative(),
  /** Completed requests (any status). */
  requests: count,
  /** Completed requests per second. */
  throughput: z.number().nonnegative(),
  latencyUs: latencySummarySchema,
  /** Encoded HDR histogram of the latencies, so runs can be merged later. */
  histogram,
  /** Connection errors (refused, reset) — not HTTP statuses, not timeouts. */
  errors: count,
  /** Responses with a status outside 2xx. */
  non2xx: count,
  timeouts: count,
});
export type PhaseMetrics = z.infer<typeof phaseMetricsSchema>;

/** Which load model produced a result: closed- and open-model latency are never compared as the same thing. */
export const loadModelSchema = z.discriminatedUnion('driver', [
  z.object({ driver: z.literal('autocannon'), model: z.literal('closed'), connections: count }),
  z.object({ driver: z.literal('k6'), model: z.literal('open'), ratePerSecond: z.number().positive(), droppedIterations: count.optional() }),
  /** Requests a correctness scenario sends itself (race bursts, ttl replays): latency, not a throughput to compare. */
  z.object({ driver: z.literal('harness'), model: z.literal('scripted'), description: z.string() }),
]);
export type LoadModel = z.infer<typeof loadModelSchema>;

/** Store operations timed inside the app, around the Store's methods. */
export const STORE_OPERATIONS = ['get', 'set', 'touch', 'destroy'] as const;
export type StoreOperation = (typeof STORE_OPERATIONS)[number];
const storeOpLatencySchema = latencySummarySchema.extend({ errors: count });
/**
 * Latency (µs) and error count per store operation that was called, from the call to its callback.
 * Under load (`storeOps`) this includes the time the callback waited for the app's busy event loop;
 * measured alone (`storeOpsIntrinsic`) it is the store's own cost.
 */
export const storeOpsSchema = z.object({ get: storeOpLatencySchema, set: storeOpLatencySchema, touch: storeOpLatencySchema, destroy: storeOpLatencySchema }).partial();
export type StoreOpLatency = z.infer<typeof storeOpsSchema>;

/**
 * Writes the app asked of its store during a measured phase, counted around the Store's methods.
 * Bytes are the session's JSON (UTF-8) as handed to the store: what a full write sends; a store's
 * own `touch` may write less (e.g. only an expiry), so touch bytes are an upper bound.
 */
export const storeWritesSchema = z.object({
  /** Requests the driver completed in the phase: the denominator of every per-request figure. */
  requests: count,
  set: count,
  touch: count,
  destroy: count,
  /** JSON bytes of the sessions handed to `set`. */
  setBytes: count,
  /** JSON bytes of the sessions handed to `touch`. */
  touchBytes: count,
});
export type StoreWrites = z.infer<typeof storeWritesSchema>;

/** The app's event loop during a measured phase (perf_hooks), beside which store-operation latency under load must be read. */
export const eventLoopSchema = z.object({
  /** How late the loop ran a 1 ms timer, in µs (monitorEventLoopDelay, the 1 ms interval subtracted). */
  delayUs: latencySummarySchema,
  /** Share of the phase the loop was busy, 0–1 (performance.eventLoopUtilization). */
  utilization: z.number().min(0).max(1),
});
export type EventLoopStats = z.infer<typeof eventLoopSchema>;

/** How the warm-up before a closed-model measurement ended: it runs until throughput settles, within a cap. */
export const warmupControlSchema = z.object({
  /** Warm-up actually run, in seconds. */
  seconds: z.number().nonnegative(),
  /** True when consecutive 1 s throughput windows agreed within `tolerance` before the cap; false when the cap ended it. */
  settled: z.boolean(),
  /** The floor (--warmup) and the cap, in seconds. */
  minSeconds: z.number().nonnegative(),
  capSeconds: z.number().nonnegative(),
  /** Largest spread (max − min) / mean allowed among the last `windowsCompared` windows. */
  tolerance: z.number().positive(),
  windowsCompared: z.number().int().positive(),
  /** Completed requests in each full 1 s window of the warm-up. */
  windows: z.array(count),
});
export type WarmupControl = z.infer<typeof warmupControlSchema>;

/** One memory sample of the app process. */
export const memorySampleSchema = z.object({
  /** Milliseconds since the measured phase started. */
  t: z.number().nonnegative(),
  rss: count,
  heapUsed: count,
});
export type MemorySample = z.infer<typeof memorySampleSchema>;

/** Memory of the app and of the store server around the measured phase. */
export const memoryMetricsSchema = z.object({
  app: z.object({ before: memorySampleSchema, after: memorySampleSchema, samples: z.array(memorySampleSchema) }),
  server: z.object({ before: z.number(), after: z.number(), source: z.string() }).optional(),
  /** RSS of the harness (the load generator's process): it must not grow with run length. */
  harnessRss: z.object({ before: count, after: count }).optional(),
  sessionsBefore: count.optional(),
  sessionsAfter: count.optional(),
  /** Growth of the memory that holds sessions (the server's when there is one, else the app heap) per session added. */
  bytesPerSession: z.number().optional(),
  /** Growth of the app's heap (after garbage collection) per session added, whatever the store. */
  appHeapBytesPerSession: z.number().optional(),
});
export type MemoryMetrics = z.infer<typeof memoryMetricsSchema>;

/** One second of a phase: request outcomes and the p99 of the requests that completed in it. */
export const timelineSecondSchema = z.object({
  /** Seconds since the phase started. */
  second: count,
  ok: count,
  non2xx: count,
  errors: count,
  timeouts: count,
  p99Us: micros,
  /** Open model (k6) only: iterations dropped in this second because no virtual user was free. */
  dropped: count.optional(),
});
export type TimelineSecond = z.infer<typeof timelineSecondSchema>;

/** CPU use of each process during the measured phase, in % of one core. */
export const cpuMetricsSchema = z.object({
  app: z.number().optional(),
  /** The load generator: the harness process for autocannon (single-threaded, ≤ 100); the k6 process for the open model (multi-threaded, up to 100 × cores). */
  generator: z.number().optional(),
  server: z.number().optional(),
  /** The load generator, not the app, limited throughput: autocannon's core was (nearly) full, or k6 dropped iterations with the CPU left to it (nearly) used. */
  generatorSaturated: z.boolean(),
});
export type CpuMetrics = z.infer<typeof cpuMetricsSchema>;

/** What a load scenario (closed or open model) observed besides latency and throughput. */
export const loadObservationsSchema = z.object({
  kind: z.literal('load'),
  /** Logins sent during the measured phase (churn logs in on every request). */
  logins: count,
  /** Requests answered 401 (no session found): behind several instances, the store is not shared. */
  sessionMisses: count.optional(),
  sessionMissRate: z.number().nonnegative().optional(),
  clientsWithCookie: count.optional(),
  distinctClientCookies: count.optional(),
  /** Open model: the rate k6 was asked for and what it achieved. */
  targetRate: z.number().nonnegative().optional(),
  achievedRate: z.number().nonnegative().optional(),
  droppedIterations: count.optional(),
});

/** Rounds of a probe and how many of them lost the write under test. */
export const probeCountSchema = z.object({ rounds: count, reverted: count });
export type ProbeCount = z.infer<typeof probeCountSchema>;

/**
 * The mechanisms that can lose a session write, each measured directly on this store
 * (harness/probes/mechanisms.ts), so a note names the cause that was observed instead of guessing.
 */
export const raceMechanismsSchema = z.object({
  /**
   * Concurrent updates of different fields of one record, through the store's own client
   * (e.g. two `$set` with the mongodb driver, two `UPDATE … SET` on one row, `HSET`): true when
   * none was lost; 'not-applicable' when the store has no partial update (memcached) or no server (memory).
   */
  serverUpdatesAtomic: z.union([z.boolean(), z.literal('not-applicable')]),
  /** The server-atomicity probe: one update of a field racing several of another field. */
  serverUpdateProbe: probeCountSchema.extend({ description: z.string() }).optional(),
  /** After a newer `set`, the Store's `touch` with the older session restored the older data: touch writes the whole session. */
  touchRewritesSession: z.boolean(),
  /** A `set` of the newer session sent amid `touch`es with the older one (Store API, as parallel reads touch while one request saves): rounds where the newer data was lost. */
  touchRacingSet: probeCountSchema,
  /** A `set` with a stale copy replaced newer data (fields it lacked were gone): a save writes the whole session, last writer wins. */
  staleFullSave: z.boolean(),
});
export type RaceMechanisms = z.infer<typeof raceMechanismsSchema>;

/**
 * How a race lost acknowledged writes, by measured mechanism: concurrent saves of whole, stale
 * sessions (express-session); a touch that rewrites the session it loaded (the store);
 * a touch whose partial update is not atomic with a concurrent save (the server).
 */
export const LOSS_CAUSES = ['stale-full-save', 'touch-rewrites-session', 'non-atomic-server-update'] as const;
export type LossCause = (typeof LOSS_CAUSES)[number];

/** What the race scenario's counter/item oracles and the logout resurrection probe found. */
export const raceObservationsSchema = z.object({
  kind: z.literal('race'),
  sessions: count,
  fanout: count,
  rounds: count,
  /** Counter increments the app acknowledged (2xx). */
  expectedCount: count,
  /** Sum of the final counters read from the store. */
  observedCount: count,
  lostUpdates: count,
  /** Item appends the app acknowledged (2xx). */
  itemsExpected: count,
  itemsMissing: count,
  /** Sessions whose final state could not be read at all. */
  sessionsMissing: count,
  resurrectionProbes: count,
  /** Logouts that answered 200 (a probe whose logout failed proves nothing). */
  logoutsAcknowledged: count,
  /** Sessions present in the store again after logout and a slow request (server-side stores only). */
  resurrected: count.optional(),
  /** A cookie captured before the logout still read the session afterwards. */
  revokedCookieStillValid: count,
  /** The client's own cookies, after both responses were applied, still read the session. */
  resurrectedInClient: count,
  /** The loss mechanisms measured on this store (express-session stores only). */
  mechanisms: raceMechanismsSchema.optional(),
  /** Which measured mechanisms explain the losses under this scenario and settings; empty when nothing was lost. */
  lossCauses: z.array(z.enum(LOSS_CAUSES)).optional(),
});

/** What the ttl scenario found when it replayed sessions after their lifetime. */
export const ttlObservationsSchema = z.object({
  kind: z.literal('ttl'),
  sessions: count,
  maxAgeMs: count,
  waitMs: count,
  acceptedAfterExpiry: count,
  rejectedAfterExpiry: count,
  /** Expired sessions the store still returned when asked directly. */
  returnedAfterExpiry: count.optional(),
  storedAfterLogin: z.number().int().optional(),
  /** Expired sessions still occupying the store. */
  stalePresent: count.optional(),
});

/**
 * The rule an outage run was read by, stated as data so that a report can say it.
 * Recovery: the first whole second of the timeline, ending after the resume, in which at
 * least `throughputShare` of `throughputBefore` was answered 2xx; `recoverySeconds` runs from
 * the resume to the END of that second, so it is an upper bound at one-second resolution.
 * Late failures: requests that failed more than `lateAfterMs` (one request timeout) after the
 * resume. Requests sent while the server was paused have failed or been answered by then, so the
 * outage does not explain them: something kept failing after the store was back.
 */
export const outageRecoveryRuleSchema = z.object({
  /** Share of the pre-outage throughput a second must reach to count as recovered, e.g. 0.9. */
  throughputShare: z.number().positive().max(1),
  /** Failures later than this after the resume (the request timeout) are late. */
  lateAfterMs: count,
});
export type OutageRecoveryRule = z.infer<typeof outageRecoveryRuleSchema>;

/** Failed requests by reason. */
export const failureReasonsSchema = z.object({
  /** No answer within the request timeout. */
  timeouts: count,
  /** Connection errors (refused, reset, closed before the answer). */
  errors: count,
  /** Answers with a status outside 2xx. */
  non2xx: count,
});
export type FailureReasons = z.infer<typeof failureReasonsSchema>;

/** Iterations an open-model driver (k6) dropped because no virtual user was free, by time relative to the outage. */
export const droppedIterationsSchema = z.object({
  /** Before the pause. */
  before: count,
  /** While the server was paused. */
  during: count,
  /** After the resume (late ones included). */
  after: count,
  /** Later than `recoveryRule.lateAfterMs` after the resume. */
  late: count,
});

/** What one outage run showed: the pause window and how the app fared. */
export const outageObservationsSchema = z.object({
  kind: z.literal('outage'),
  /** When the server was paused, in ms since the measured phase started. */
  pausedAtMs: z.number().nonnegative(),
  /** When it was resumed, in ms since the measured phase started. */
  resumedAtMs: z.number().nonnegative(),
  /** Requests answered 2xx per second before the pause (median second; the first second is left out when there are two or more). */
  throughputBefore: z.number().nonnegative(),
  /** Requests answered 2xx per second, on average, while paused. */
  throughputDuring: z.number().nonnegative(),
  /** Failed requests (connection errors, timeouts, non-2xx) between the pause and the resume. */
  failuresDuring: count,
  /** Failed requests after the resume, `lateFailures` included. */
  failuresAfter: count,
  /** Failures later than `recoveryRule.lateAfterMs` after the resume, by reason; absent in results written before the rule was recorded. */
  lateFailures: failureReasonsSchema.optional(),
  /** Whether throughput got back to the share of `throughputBefore` that `recoveryRule` states before the run ended. */
  recovered: z.boolean(),
  /** From the pause to the first failed request; absent when nothing failed. */
  timeToFirstErrorMs: z.number().nonnegative().optional(),
  /** From the resume to recovery by the rule in `recoveryRule`; absent when it did not recover. */
  recoverySeconds: z.number().nonnegative().optional(),
  /**
   * The rule `recovered`, `recoverySeconds` and `lateFailures` were read by. Absent in older
   * results, whose recovery meant "no failure in any later second, at half the throughput".
   */
  recoveryRule: outageRecoveryRuleSchema.optional(),
  /** Open model (k6) only: iterations dropped before, during and after the pause. */
  droppedIterations: droppedIterationsSchema.optional(),
});

/** What the expiry scenario measured: the store's cleanup of expired sessions under load. */
export const expiryObservationsSchema = z.object({
  kind: z.literal('expiry'),
  /** Sessions prefilled already expired. */
  expiredSessions: count,
  /** How they are removed: `call` — the app calls the store's prune (connect-pg-simple's pruneSessions); `server` — the server's own expiry (TTL index, Redis/memcached expiry, memorystore's timer), watched; `none` — nothing removes them. */
  cleanup: z.enum(['call', 'server', 'none']),
  /** When the cleanup was called or the watch began, in ms since the measured phase started. */
  startedAtMs: z.number().nonnegative(),
  /** How long the prune call took (`call` only). */
  cleanupMs: z.number().nonnegative().optional(),
  /** Sessions the server reports before and after the cleanup window (absent when it cannot count or counting would itself clean up). */
  storedBefore: count.optional(),
  storedAfter: count.optional(),
  /** The server's own size before and after the cleanup window. */
  server: z.object({ before: count, after: count, source: z.string() }).optional(),
  /** The app's heap (after GC) before and after the cleanup window: where an in-process store keeps sessions. */
  appHeap: z.object({ before: count, after: count }),
  /** Median of the per-second p99 latencies before the cleanup, µs. */
  baselineP99Us: micros.optional(),
  /** Worst per-second p99 from the cleanup's start until it ended (at least one second), µs. */
  cleanupP99Us: micros.optional(),
});

/** Scenario-specific observations, one typed shape per scenario kind. */
export const observationsSchema = z.discriminatedUnion('kind', [loadObservationsSchema, raceObservationsSchema, ttlObservationsSchema, outageObservationsSchema, expiryObservationsSchema]);
export type Observations = z.infer<typeof observationsSchema>;
export type LoadObservations = z.infer<typeof loadObservationsSchema>;
export type RaceObservations = z.infer<typeof raceObservationsSchema>;
export type TtlObservations = z.infer<typeof ttlObservationsSchema>;
export type OutageObservations = z.infer<typeof outageObservationsSchema>;
export type ExpiryObservations = z.infer<typeof expiryObservationsSchema>;

/**
 * Sessions loaded into the store in bulk before measuring (`--prefill`), through the store's own
 * client with the adapter's exact encoding, then read back through the app.
 */
export const prefillSchema = z.object({
  /** Sessions written (distinct ids, the run's payload). */
  sessions: count,
  /** How they were written: the store's bulk writer, e.g. "pipelined SET key value EX ttl (node-redis)…". */
  method: z.string(),
  /** Lifetime each session was given from its write, in ms; negative means written already expired. */
  ttlMs: z.number(),
  /** Wall time of the whole prefill, in seconds. */
  seconds: z.number().nonnegative(),
  /** Sessions written per second. */
  ratePerSecond: z.number().nonnegative(),
  /** Prefilled sessions read back through the app with a signed cookie, each answering as its expiry says (live: 200 with its user, expired: 401). */
  verified: count,
  /** The server's own memory/size figure before and after the prefill (Redis used_memory, pg_total_relation_size, …). */
  server: z.object({ before: count, after: count, source: z.string() }).optional(),
  /** Sessions the store reports holding after the prefill, when it can count. */
  storedAfter: count.optional(),
  /** The app's V8 heap (bytes used before and after, and its limit): where an in-process store keeps its sessions. */
  appHeap: z.object({ before: count, after: count, limit: count }),
  /** Growth of the memory that holds sessions (the server's figure when there is one, else the app heap) per prefilled session. */
  bytesPerSession: z.number().optional(),
});
export type Prefill = z.infer<typeof prefillSchema>;

/** Why an entry failed, as data a report can count and switch on. */
export const FAILURE_CAUSES = [
  /** No server could be provisioned, or a URL given does not answer. */
  'provisioning',
  /** The store failed login → read → write → read back → logout → gone. */
  'verification',
  /** The store cannot carry the run's session payload (a limit to know, not a broken store). */
  'payload-limit',
  /** The app under test crashed. */
  'crash',
  /** A step did not finish in its time bound. */
  'timeout',
  /** The store cannot hold what the run asked for on this machine (an in-process store beyond the app's heap limit). */
  'capacity',
  /** Anything else: `reason` says what. */
  'error',
] as const;
export type FailureCause = (typeof FAILURE_CAUSES)[number];

/** Why an entry was not attempted. */
export const SKIP_CAUSES = ['no-server', 'not-applicable'] as const;
export type SkipCause = (typeof SKIP_CAUSES)[number];

/** Fields every entry has, whatever its status. */
export const entryBaseSchema = z.object({
  /** A built-in store id, or `custom:<file name>` for a store loaded from a module (`storeSource` says which file). */
  store: anyStoreIdSchema,
  storeLabel: z.string(),
  /** The module file a custom store came from and its SHA-256; absent for built-in stores. */
  storeSource: storeSourceSchema.optional(),
  scenario: z.string(),
  /** The scenario's kind: which runner produced the entry and which observations it carries. */
  kind: z.enum(SCENARIO_KINDS),
  /** Session payload stored at login, in bytes (JSON, UTF-8). */
  payloadBytes: count.optional(),
  /** Sessions loaded into the store before measuring (`--prefill`, one entry per count); absent when the run prefilled nothing. */
  prefilledSessions: count.optional(),
  /** How the prefill went: time, rate, memory; absent when nothing was prefilled. */
  prefill: prefillSchema.optional(),
  /** App instances behind a round-robin balancer, when more than one. */
  instances: z.number().int().positive().optional(),
  /** Settings variant within a scenario, e.g. "resave=true rolling=false"; absent when there is one. */
  variant: z.string().optional(),
  /** 1-based repetition number. */
  repetition: z.number().int().positive(),
  /**
   * 1-based position in the order the run recorded its entries. Load repetitions run round-robin
   * across stores (repetition 1 of every store, then repetition 2, …), so drift spreads evenly.
   */
  sequence: z.number().int().positive().optional(),
  /** The server that really answered, labelled honestly (e.g. FerretDB is not MongoDB). */
  server: serverInfoSchema.optional(),
  capabilities: storeCapabilitiesSchema.optional(),
  /** The `--store-option` values the store ran with (key → value as given), absent when none. */
  storeOptions: z.record(z.string(), z.string()).optional(),
  /** Where the store kept its sessions on its server (sessionbench's own key prefix, table or collection unless `--namespace library`); absent for stores without a server. */
  namespace: storeNamespaceSchema.optional(),
  load: loadModelSchema,
  /**
   * The store's intrinsic latency: serial get/set/touch/destroy through the app's Store right
   * after verification, one call at a time with no load (e.g. 1,000 of each). Compare stores on this.
   */
  storeOpsIntrinsic: storeOpsSchema.optional(),
});
export type EntryBase = z.infer<typeof entryBaseSchema>;

/** A store × scenario × repetition that ran to the end. */
export const okEntrySchema = entryBaseSchema.extend({
  status: z.literal('ok'),
  /** Absent when the plan asked for no warm-up. */
  warmup: phaseMetricsSchema.optional(),
  measured: phaseMetricsSchema,
  /** How the warm-up ended (closed model): how long it ran and whether throughput settled. */
  warmupControl: warmupControlSchema.optional(),
  /**
   * Store-operation latency under the measured load. It includes event-loop queueing: in a
   * saturated app most of it is the callback waiting for the loop (see `eventLoop`), not the store.
   */
  storeOps: storeOpsSchema.optional(),
  /** Store writes the measured phase caused. */
  storeWrites: storeWritesSchema.optional(),
  /** The app's event-loop delay and utilisation during the measured phase (the first instance behind a balancer). */
  eventLoop: eventLoopSchema.optional(),
  memory: memoryMetricsSchema.optional(),
  /** CPU during the measured phase, in % of one core. */
  cpu: cpuMetricsSchema.optional(),
  /** Sessions the store holds after the run, read through the adapter's inspection. */
  sessionsStored: count.optional(),
  /**
   * Per-second outcomes of the measured phase: the outage runs (read for recovery) and
   * closed-model load phases (throughput and p99 over time). Absent for scripted and open-model load.
   */
  timeline: z.array(timelineSecondSchema).optional(),
  observations: observationsSchema.optional(),
  /** Plain-language caveats a reader must see next to the numbers (never read back by code). */
  notes: z.array(z.string()).optional(),
}).refine((entry) => entry.observations === undefined || entry.observations.kind === entry.kind, {
  message: "observations of another scenario kind than the entry's",
  path: ['observations', 'kind'],
});
export type OkEntry = z.infer<typeof okEntrySchema>;

/** A store × scenario that could not be measured: `cause` for code, `reason` (one sentence) for people. */
export const failedEntrySchema = entryBaseSchema.extend({ status: z.literal('failed'), cause: z.enum(FAILURE_CAUSES), reason: z.string() });
export type FailedEntry = z.infer<typeof failedEntrySchema>;

/** A store × scenario not attempted (e.g. no server available), and why. */
export const skippedEntrySchema = entryBaseSchema.extend({ status: z.literal('skipped'), cause: z.enum(SKIP_CAUSES), reason: z.string() });
export type SkippedEntry = z.infer<typeof skippedEntrySchema>;

/** One store × scenario × repetition, tagged by `status`: every reporter switches on it. */
export const resultEntrySchema = z.discriminatedUnion('status', [okEntrySchema, failedEntrySchema, skippedEntrySchema]);
export type ResultEntry = z.infer<typeof resultEntrySchema>;

const loadAverage = z.tuple([z.number().nonnegative(), z.number().nonnegative(), z.number().nonnegative()]);

/** Machine load around a run, as the kernel reports it. */
export const machineLoadSchema = z.object({
  /** 1, 5 and 15 minute load averages (os.loadavg) before anything started: other work on the machine. */
  loadAverageStart: loadAverage,
  /** The same at the end; includes the run's own processes. */
  loadAverageEnd: loadAverage,
  /** CPU time stolen by the hypervisor during the run, in % of all CPU time (/proc/stat); absent where the kernel does not report it. */
  stealPercent: z.number().min(0).max(100).optional(),
});
export type MachineLoad = z.infer<typeof machineLoadSchema>;

/** The machine and software that produced a run. */
export const environmentSchema = z.object({
  node: z.string(),
  os: z.object({ platform: z.string(), release: z.string(), arch: z.string() }),
  cpu: z.object({ model: z.string(), count }),
  totalMemoryBytes: count,
  gitSha: z.string().optional(),
  sessionbench: z.string(),
  /** npm packages that took part, name → installed version. */
  packages: z.record(z.string(), z.string()),
  /** How busy the machine was: other work on it skews every number. */
  machineLoad: machineLoadSchema.optional(),
});
export type EnvironmentInfo = z.infer<typeof environmentSchema>;

/** The validated plan a run followed. */
export const planSummarySchema = z.object({
  stores: z.array(anyStoreIdSchema),
  scenarios: z.array(z.string()),
  repeat: z.number().int().positive(),
  warmupSeconds: z.number().nonnegative(),
  durationSeconds: z.number().nonnegative(),
  connections: count,
  /** Payload sizes swept, in bytes. */
  payloadBytes: z.array(count),
  /** Stored-session counts swept with `--prefill`; absent when the run prefilled nothing. */
  prefill: z.array(count).optional(),
  driver: z.enum(['autocannon', 'k6']),
  ratePerSecond: z.number().positive().optional(),
  /** Longest warm-up allowed while waiting for throughput to settle, in seconds. */
  warmupCapSeconds: z.number().nonnegative().optional(),
  /** Serial calls of each store operation in the intrinsic probe (0: no probe); a slow store gets fewer (4 s per operation), as its counts show. */
  probeOperations: count.optional(),
});
export type PlanSummary = z.infer<typeof planSummarySchema>;

/** One whole run: the single document every reporter reads. */
export const runResultSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  startedAt: z.string(),
  finishedAt: z.string(),
  /** True when the run was interrupted and holds only what was gathered so far. */
  partial: z.boolean(),
  env: environmentSchema,
  plan: planSummarySchema,
  entries: z.array(resultEntrySchema),
});
export type RunResult = z.infer<typeof runResultSchema>;
