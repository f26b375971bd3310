import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import { z } from 'zod';
import { REQUEST_DISTRIBUTIONS } from './vocabulary.ts';

/** Measurements every scenario kind may carry: latency, phases, load model, store operations, memory, CPU, prefill. */

/** A whole, non-negative count. */
export const count = z.number().int().nonnegative();
/** Microseconds. */
export const micros = z.number().nonnegative();

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

/** Set-Cookie headers the load driver received in a phase: what every response costs the wire and the browser. */
export const setCookieSchema = z.object({
  /** Responses that carried at least one Set-Cookie header. */
  responses: count,
  /** Set-Cookie header lines received. */
  headers: count,
  /** Their bytes on the wire: "Set-Cookie: " + value + CRLF, UTF-8. */
  bytes: count,
});
export type SetCookieCounts = z.infer<typeof setCookieSchema>;
/**
 * A store server's own hit figures over one phase, as deltas of its counters: PostgreSQL buffer
 * hits/reads of the session table, Redis keyspace hits/misses, memcached get hits/misses,
 * MariaDB InnoDB buffer-pool requests served from memory / read from disk.
 */
export const serverCacheSchema = z.object({
  hits: count,
  misses: count,
  /** Items the server evicted during the phase, where it counts them. */
  evictions: count.optional(),
  /** The counters, e.g. "pg_statio_user_tables heap_blks_hit/heap_blks_read of the session table". */
  source: z.string(),
});
export type ServerCache = z.infer<typeof serverCacheSchema>;

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
  /** Set-Cookie headers received (closed model, autocannon); absent where the driver does not count them. */
  setCookie: setCookieSchema.optional(),
  /** Different sessions the store returned to the app during the phase (counted in the app, around Store.get); absent when not counted. */
  distinctSessions: count.optional(),
  /** The store server's own hit figures over the phase (deltas); absent when the server gives none. */
  serverCache: serverCacheSchema.optional(),
});
export type PhaseMetrics = z.infer<typeof phaseMetricsSchema>;

/** Which load model produced a result: closed- and open-model latency are never compared as the same thing. */
export const loadModelSchema = z.discriminatedUnion('driver', [
  z.object({
    driver: z.literal('autocannon'),
    model: z.literal('closed'),
    connections: count,
    /** Logged-in users the load spread over (`--users`); absent: one per connection. */
    users: count.optional(),
    /** How each request picked its user (`--distribution`); absent without `--users`. */
    distribution: z.enum(REQUEST_DISTRIBUTIONS).optional(),
    /** New users arriving per second (`--login-rate`), each taking over a user slot in turn; absent: none arrive. */
    loginsPerSecond: z.number().positive().optional(),
  }),
  z.object({
    driver: z.literal('k6'),
    model: z.literal('open'),
    ratePerSecond: z.number().positive(),
    /** Logged-in users the load spread over (`--users`); absent: one per VU. */
    users: count.optional(),
    /** How each request picked its user (`--distribution`); absent without `--users`. */
    distribution: z.enum(REQUEST_DISTRIBUTIONS).optional(),
    /** New users logging in per second (`--login-rate`), a k6 scenario of their own beside each phase; VUs share no state, so their sessions stay stored and the load keeps reading the `users` working set. */
    loginsPerSecond: z.number().positive().optional(),
    droppedIterations: count.optional(),
    /** k6 runners (processes, machines) that together ran this one test at `ratePerSecond`; absent for one. */
    runners: count.optional(),
    /** Each runner's k6 execution segment (e.g. "0:1/2"), in segment order; absent for one whole run. */
    segments: z.array(z.string()).optional(),
  }),
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
  /** Reads: `get` calls, and the JSON bytes of the sessions they returned (a miss returns none); absent in older results. */
  get: count.optional(),
  getBytes: count.optional(),
  /**
   * Calls whose session was serialised to count its bytes, per operation: one in every few
   * (store-timing.ts), off the rest of the measured path. `setBytes` and `touchBytes` are then
   * estimates: the bytes of those calls × calls / sampled calls. Absent: every call was counted.
   */
  bytesSampled: z.object({ set: count, touch: count, get: count.optional() }).optional(),
  /**
   * Commands the store's server served during the phase, as the server counts them (e.g. Redis INFO commandstats):
   * what reached the server, where a Store call may return without asking it (disableTouch). Any other client of the
   * server is counted too. Absent where the store cannot tell.
   */
  serverCalls: z.object({ source: z.string(), calls: z.record(z.string(), count) }).optional(),
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
  /**
   * Growth of the memory that holds sessions (the server's when there is one, else the app heap) per session added;
   * absent when the phase added fewer than 1,000 (a table grows by whole pages: too few sessions read as 0 B or thousands).
   */
  bytesPerSession: z.number().optional(),
  /** Growth of the app's heap (after garbage collection) per session added, whatever the store; absent below 1,000 sessions added, as above. */
  appHeapBytesPerSession: z.number().optional(),
});
export type MemoryMetrics = z.infer<typeof memoryMetricsSchema>;

/**
 * Memory per session measured on its own, before a load scenario's first repetition: `sessions`
 * logins through the app, the memory that holds sessions read (after garbage collection) before
 * and after, then every one of them logged out again. It is how the default run knows memory per
 * session without a churn scenario.
 */
export const sessionMemorySchema = z.object({
  /** Logins made (each one a new session). */
  logins: count,
  /** Sessions the store held more afterwards, when it can count; otherwise the logins. */
  sessionsAdded: count,
  /** Where the figure was read: the server's own figure (e.g. "INFO memory used_memory"), or "app heap after GC". */
  source: z.string(),
  before: z.number(),
  after: z.number(),
  /** (after − before) / sessionsAdded, never below 0. */
  bytesPerSession: z.number().nonnegative(),
});
export type SessionMemory = z.infer<typeof sessionMemorySchema>;

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
