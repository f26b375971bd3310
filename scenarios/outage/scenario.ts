import { z } from 'zod';
import { driverLoadModel, identity, mixEntry } from '../common.ts';
import type { ScenarioKindDefinition } from '../common.ts';

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

/** Load while the store server is paused. */
export type OutageScenario = z.infer<typeof outageScenarioSchema>;

/** The outage kind: its schema, built-in scenarios, planned length and load model. */
export const OUTAGE_KIND: ScenarioKindDefinition<OutageScenario> = {
  schema: outageScenarioSchema,
  builtIns: [
    {
      kind: 'outage',
      id: 'outage',
      description: 'read-heavy load; the store server is paused (SIGSTOP) for 4 s, then resumed: errors, time to first error, recovery',
      beforeSeconds: 3,
      outageSeconds: 4,
      afterSeconds: 8,
      requestTimeoutSeconds: 2,
      mix: [
        { route: 'GET /session', weight: 95 },
        { route: 'POST /session', weight: 5 },
      ],
    },
  ],
  plannedSeconds: (timing, scenario) => Math.max(1, timing.warmupSeconds) + scenario.beforeSeconds + scenario.outageSeconds + scenario.afterSeconds,
  // The outage runs one user per connection (it reads recovery per session): --users does not apply.
  loadModel: (load) => driverLoadModel({ connections: load.connections, ratePerSecond: load.ratePerSecond }),
};
