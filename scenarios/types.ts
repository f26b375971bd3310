import { z } from 'zod';

/** The app routes a load scenario can send, as "METHOD /path". */
export const LOAD_ROUTES = ['GET /session', 'POST /session', 'POST /counter', 'POST /items'] as const;
export type LoadRoute = (typeof LOAD_ROUTES)[number];

/** The routes a race burst can send: the two oracles (counter, items) and a read. */
export const RACE_ROUTES = ['POST /counter', 'POST /items', 'GET /session'] as const;
export type RaceRoute = (typeof RACE_ROUTES)[number];

const mixEntry = z.object({
  route: z.enum(LOAD_ROUTES),
  weight: z.number().int().positive(),
});

const identity = {
  id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
  description: z.string().min(1),
};

/** A closed- or open-model load: each virtual user sends the mix on its own session. */
export const loadScenarioSchema = z.object({
  kind: z.literal('load'),
  ...identity,
  /** `per-connection`: each connection logs in once and keeps its cookie; `per-request`: every request creates a new session (churn). */
  sessions: z.enum(['per-connection', 'per-request']),
  mix: z.array(mixEntry).min(1, 'at least one route'),
});

/** Parallel requests on one cookie, the way a browser fires parallel XHRs; checked by oracles. */
export const raceScenarioSchema = z.object({
  kind: z.literal('race'),
  ...identity,
  /** Sessions raced at once. */
  sessions: z.number().int().min(1).max(1000),
  /** Parallel requests per session in one burst. */
  fanout: z.number().int().min(1).max(256),
  /** Bursts per session. */
  rounds: z.number().int().min(1).max(1000),
  /**
   * Routes the requests of a burst cycle through (default: counter, items, read).
   * Reads matter: with resave=true they write back a stale copy of the session.
   */
  routes: z.array(z.enum(RACE_ROUTES)).min(1, 'at least one route').optional(),
});

/** Sessions logged in with a short lifetime, then replayed after it ended: checks that expiry is enforced. */
export const ttlScenarioSchema = z
  .object({
    kind: z.literal('ttl'),
    ...identity,
    /** Sessions logged in before the wait. */
    sessions: z.number().int().min(1).max(1000),
    /** Session and cookie lifetime for this scenario's app, in milliseconds. */
    maxAgeMs: z.number().int().min(1000).max(60_000),
    /** How long to wait after the logins before replaying their cookies, in milliseconds. */
    waitMs: z.number().int().min(1000).max(120_000),
  })
  .refine((s) => s.waitMs > s.maxAgeMs, { message: 'waitMs must exceed maxAgeMs', path: ['waitMs'] });

/** Read-heavy load while the store server is paused (SIGSTOP) for a while, then resumed. */
export const outageScenarioSchema = z.object({
  kind: z.literal('outage'),
  ...identity,
  /** Seconds of normal load before the server is paused. */
  beforeSeconds: z.number().int().min(1).max(600),
  /** Seconds the server stays paused. */
  outageSeconds: z.number().int().min(1).max(600),
  /** Seconds of load after the server is resumed, to see the recovery. */
  afterSeconds: z.number().int().min(1).max(600),
  /** Per-request timeout, so a hung store never hangs the harness. */
  requestTimeoutSeconds: z.number().int().min(1).max(60),
  mix: z.array(mixEntry).min(1, 'at least one route'),
});

/** The scenario kinds: each has its schema, its runner (harness/run/<kind>.ts) and its observations. */
export const SCENARIO_KINDS = ['load', 'race', 'ttl', 'outage'] as const;
export type ScenarioKind = (typeof SCENARIO_KINDS)[number];

/** Every scenario kind, told apart by `kind`. */
export const scenarioSchema = z.discriminatedUnion('kind', [loadScenarioSchema, raceScenarioSchema, ttlScenarioSchema, outageScenarioSchema]);

/** A workload as plain, validated data: it knows no store. */
export type Scenario = z.infer<typeof scenarioSchema>;
/** Closed- or open-model load with a request mix. */
export type LoadScenario = z.infer<typeof loadScenarioSchema>;
/** Parallel requests on one session, checked by oracles. */
export type RaceScenario = z.infer<typeof raceScenarioSchema>;
/** Short-lived sessions replayed after expiry. */
export type TtlScenario = z.infer<typeof ttlScenarioSchema>;
/** Load while the store server is paused. */
export type OutageScenario = z.infer<typeof outageScenarioSchema>;

/** Thrown when scenario data is invalid; `problems` lists every problem at once. */
export class ScenarioError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid scenario: ${problems.join('; ')}`);
  }
}

/** Validates scenario data, reporting every problem at once. */
export function defineScenario(data: unknown): Scenario {
  const parsed = scenarioSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  throw new ScenarioError(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
}
