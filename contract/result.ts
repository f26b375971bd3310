import { z } from 'zod';
import { SCENARIO_KINDS, observationsSchema } from './kinds.ts';
import type { ScenarioKind } from './kinds.ts';
import { cpuMetricsSchema, eventLoopSchema, loadModelSchema, memoryMetricsSchema, phaseMetricsSchema, prefillSchema, sessionMemorySchema, storeOpsSchema, storeWritesSchema, timelineSecondSchema, warmupControlSchema, count } from './metrics.ts';
import { atRateVerdictSchema, rateChoiceSchema, rttSweepVerdictSchema, storeNetworkSchema } from './conditions.ts';
import { FAILURE_CAUSES, LOAD_DRIVERS, MITIGATION_IDS, SKIP_CAUSES, storeNamespaceSchema, anyStoreIdSchema, serverInfoSchema, storeCapabilitiesSchema, storeSourceSchema } from './vocabulary.ts';

/**
 * The results contract: the one document the harness writes and every reporter reads.
 * Declared once, as zod schemas; every TypeScript type is inferred from them. Measurements live in
 * metrics.ts, names in vocabulary.ts, each scenario kind's observations in scenarios/<kind>/observations.ts
 * (listed in kinds.ts). Bumped whenever a field changes meaning or is removed (migrate-v1.ts reads older files).
 */
export const SCHEMA_VERSION = 2;

/** Fields every entry has, whatever its status. */
export const entryBaseSchema = z.object({
  /** A built-in store id, or `custom:<file name>` for a store loaded from a module (`storeSource` says which file). */
  store: anyStoreIdSchema,
  storeLabel: z.string(),
  /** The module file a custom store came from and its SHA-256; absent for built-in stores. */
  storeSource: storeSourceSchema.optional(),
  scenario: z.string(),
  /** The scenario's kind: which runner produced the entry and which observations it carries. */
  kind: z.enum(SCENARIO_KINDS as [ScenarioKind, ...ScenarioKind[]]),
  /** Session payload stored at login, in bytes (JSON, UTF-8). */
  payloadBytes: count.optional(),
  /** Sessions loaded into the store before measuring (`--prefill`, one entry per count); absent when the run prefilled nothing. */
  prefilledSessions: count.optional(),
  /** How the prefill went: time, rate, memory; absent when nothing was prefilled. */
  prefill: prefillSchema.optional(),
  /** App instances behind a round-robin balancer, when more than one. */
  instances: z.number().int().positive().optional(),
  /** Where the store kept its sessions on its server (sessionbench's own key prefix, table or collection unless `--namespace library`); absent for stores without a server. */
  namespace: storeNamespaceSchema.optional(),
  /** The remedy against lost updates the app ran with (`--mitigation`); absent when the run asked for none. */
  mitigation: z.enum(MITIGATION_IDS).optional(),
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
  /** The express-session settings the entry's app ran with (`--resave`, `--rolling`, `--max-age`, or a race variant's); absent in older results. */
  settings: z.object({ resave: z.boolean(), rolling: z.boolean(), saveUninitialized: z.boolean(), maxAgeMs: count }).optional(),
  load: loadModelSchema,
  /**
   * The store's intrinsic latency: serial get/set/touch/destroy through the app's Store right
   * after verification, one call at a time with no load (e.g. 1,000 of each). Compare stores on this.
   */
  storeOpsIntrinsic: storeOpsSchema.optional(),
  /** The network between the app and its store server (`--store-rtt`); absent when they talked directly. */
  storeNetwork: storeNetworkSchema.optional(),
  /**
   * The round trip `--store-rtt` put in front of every store server while this entry ran, in ms: on every
   * entry of such a run, also those of stores without a server (which it does not slow). A sweep
   * (`--store-rtt 0,2ms`) measures every store at each value, so each round trip is a comparison of its own.
   */
  storeRttMs: z.number().nonnegative().optional(),
  /** An entry measured at a stated request rate (`--latency-at`, open model): how that rate was chosen. */
  atRate: rateChoiceSchema.optional(),
  /**
   * What the intrinsic `get` read: the sessions the probe had just written (a hot set), or random
   * sessions of the prefill (a lookup at the store's size); absent in results written before it was recorded.
   */
  storeOpsIntrinsicGets: z.enum(['just-written', 'random-prefilled']).optional(),
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
  /** Memory per session measured by logins before the first repetition (load scenarios of the default run). */
  sessionMemory: sessionMemorySchema.optional(),
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
  /**
   * Where the processes ran (`--cpu-placement`): `split` — every app under test on `appCpus` (pinned and read back
   * from the kernel), the harness with its load generator and every server it started as a local process on
   * `harnessCpus` (a container Docker started is not placed); `shared` —
   * every process on every CPU, and why. Absent in results before it was recorded: shared.
   */
  cpuPlacement: z
    .discriminatedUnion('mode', [
      z.object({ mode: z.literal('split'), appCpus: z.array(z.number().int().nonnegative()).min(1), harnessCpus: z.array(z.number().int().nonnegative()).min(1) }),
      z.object({ mode: z.literal('shared'), reason: z.string() }),
    ])
    .optional(),
});
export type EnvironmentInfo = z.infer<typeof environmentSchema>;

/** The validated plan a run followed. */
export const planSummarySchema = z.object({
  stores: z.array(anyStoreIdSchema),
  scenarios: z.array(z.string()),
  repeat: z.number().int().positive(),
  /** True when `--repeat auto` chose `repeat` from the number of stores (see autoRepeat in harness/plan/options.ts). */
  repeatAuto: z.literal(true).optional(),
  warmupSeconds: z.number().nonnegative(),
  durationSeconds: z.number().nonnegative(),
  connections: count,
  /** Payload sizes swept, in bytes. */
  payloadBytes: z.array(count),
  /** Stored-session counts swept with `--prefill`; absent when the run prefilled nothing. */
  prefill: z.array(count).optional(),
  driver: z.enum(LOAD_DRIVERS),
  ratePerSecond: z.number().positive().optional(),
  /** Longest warm-up allowed while waiting for throughput to settle, in seconds. */
  warmupCapSeconds: z.number().nonnegative().optional(),
  /** Serial calls of each store operation in the intrinsic probe (0: no probe); a slow store gets fewer (4 s per operation), as its counts show. */
  probeOperations: count.optional(),
  /** Logins made to measure memory per session before each load scenario's first repetition (0: none). */
  memorySessions: count.optional(),
});
export type PlanSummary = z.infer<typeof planSummarySchema>;

/** A repetition the noise rule left out: far off what the other repetitions predict for it (a slow spell of the machine, most often). */
export const noiseOutlierSchema = z.object({
  store: z.string(),
  /** Its round (repetition number), in a round-robin design. */
  round: count.optional(),
  /** The figure it measured. */
  value: z.number(),
  /** How far off what the other repetitions predict for it (the fit of its store and round without it), relative: −0.3 = 30 % below. */
  offExpected: z.number(),
});
export type NoiseOutlier = z.infer<typeof noiseOutlierSchema>;

/** How a verdict told two stores' figures apart by the run's own noise (reports/verdict/noise.ts). */
export const noiseRuleSchema = z.object({
  /** What is compared: each store's repetitions of one measurement. */
  metric: z.enum(['throughput', 'p99']),
  /** Two-sided confidence at which a difference counts as real. */
  confidence: z.number().positive().max(1),
  /** Repetitions pooled into the noise estimate (all stores, outliers left out), and their degrees of freedom. */
  repetitions: count,
  degreesOfFreedom: count,
  /** Pooled standard deviation of the log figure between repetitions of one store (≈ the coefficient of variation). */
  pooledLogSd: z.number().nonnegative(),
  /** The smallest relative difference the run could resolve between two stores, e.g. 0.08 = 8 %. */
  smallestResolvable: z.number().nonnegative(),
  /**
   * How the noise was estimated: `rounds` — every store had the same rounds (repetition 1 of every store, then 2, …)
   * and (stores − 1) × (rounds − 1) was at least 4 (three stores in three rounds, two in five), so each round's shared
   * offset (the machine faster or slower while it ran) is taken out first (a two-way additive model of the log figure,
   * (stores − 1) × (rounds − 1) degrees of freedom);
   * `pooled` — the within-store scatter pooled. Absent in older results: pooled.
   */
  design: z.enum(['rounds', 'pooled']).optional(),
  /**
   * Each store's fitted level: its mean log figure with each round's offset taken out (exp of it is a geometric
   * mean), and the repetitions it rests on. Two stores are told apart by these. Absent in older results.
   */
  levels: z
    .record(
      z.string(),
      z.object({
        logLevel: z.number(),
        repetitions: count,
        /** Where a repetition was left out of a round-robin table: the count that gives the level's true scatter against a complete store's. */
        effectiveRepetitions: z.number().positive().optional(),
      }),
    )
    .optional(),
  /**
   * The outlier test the rule applied (absent: none): a repetition whose externally studentized residual passes
   * Student's t at `alpha` (Bonferroni over the run's repetitions) and that is more than `minOff` off what the
   * others predict is left out — one at a time, refitting after each; a store keeps two thirds of its repetitions,
   * and none goes when over a quarter would. With two stores round by round, a round goes whole (both recorded).
   */
  outlierTest: z.object({ alpha: z.number().positive().max(1), minOff: z.number().nonnegative() }).optional(),
  /** The repetitions that test left out. */
  outliers: z.array(noiseOutlierSchema).optional(),
});

/** The recommendation as the run's reports state it, with the rule and the figures it used. */
export const verdictSchema = z.object({
  headline: z.string(),
  /** The recommended store, when one qualified. */
  choice: anyStoreIdSchema.optional(),
  /** What chose it among the fastest candidates. */
  decidedBy: z.enum(['throughput', 'p99', 'tie', 'one-candidate', 'too-few-repetitions', 'none']),
  /** Candidates the run could not tell apart from the leader on throughput, the leader first. */
  tiedOnThroughput: z.array(anyStoreIdSchema),
  throughputRule: noiseRuleSchema.optional(),
  p99Rule: noiseRuleSchema.optional(),
  /** Each store's objections, as codes with their counts. */
  objections: z.record(z.string(), z.array(z.object({ code: z.string(), found: count.optional(), outOf: count.optional() }))),
  /** Latency at a stated rate beside the saturated ranking (`--latency-at`); absent when the run measured none. */
  atRate: atRateVerdictSchema.optional(),
  /** The ranking at each other round trip of a `--store-rtt` sweep; absent without a sweep. */
  rttSweep: rttSweepVerdictSchema.optional(),
});
export type Verdict = z.infer<typeof verdictSchema>;
export type NoiseRule = z.infer<typeof noiseRuleSchema>;

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
  /** The verdict the reports state, recorded so that CI and scripts read it as data; absent in older files. */
  verdict: verdictSchema.optional(),
});
export type RunResult = z.infer<typeof runResultSchema>;
