import { z } from 'zod';
import { driverLoadModel, identity, mixEntry } from '../common.ts';
import type { ScenarioKindDefinition } from '../common.ts';

/** A closed- or open-model load: each virtual user sends the mix on its own session. */
export const loadScenarioSchema = z.object({
  kind: z.literal('load'),
  ...identity,
  /** `per-connection`: each connection logs in once and keeps its cookie; `per-request`: every request creates a new session (churn). */
  sessions: z.enum(['per-connection', 'per-request']),
  mix: z.array(mixEntry).min(1, 'at least one route'),
});

/** Closed- or open-model load with a request mix. */
export type LoadScenario = z.infer<typeof loadScenarioSchema>;

/** The load kind: its schema, built-in scenarios, planned length and load model. */
export const LOAD_KIND: ScenarioKindDefinition<LoadScenario> = {
  schema: loadScenarioSchema,
  builtIns: [
    {
      kind: 'load',
      id: 'read-heavy',
      description: '95% reads, 5% writes, one session per connection',
      sessions: 'per-connection',
      mix: [
        { route: 'GET /session', weight: 95 },
        { route: 'POST /session', weight: 5 },
      ],
    },
    {
      kind: 'load',
      id: 'write-heavy',
      description: '20% reads, 80% writes, one session per connection',
      sessions: 'per-connection',
      mix: [
        { route: 'GET /session', weight: 20 },
        { route: 'POST /session', weight: 80 },
      ],
    },
    {
      kind: 'load',
      id: 'churn',
      description: 'every request logs in without a cookie: session creation cost and memory growth',
      sessions: 'per-request',
      mix: [{ route: 'GET /session', weight: 1 }],
    },
  ],
  plannedSeconds: (timing, _scenario, prefill) =>
    // Each repetition runs on a fresh app with its own warm-up (round-robin across stores);
    // after a prefill they run back to back on one app, warmed up once. The prefill itself is not planned.
    prefill > 0 ? timing.warmupSeconds + timing.repeat * timing.durationSeconds : timing.repeat * (timing.warmupSeconds + timing.durationSeconds),
  loadModel: (load) => driverLoadModel(load),
};
