import { z } from 'zod';
import { identity, mixEntry } from '../common.ts';
import type { ScenarioKindDefinition } from '../common.ts';

/**
 * Expiry at scale: the store is prefilled (`--prefill N`) with N sessions already expired, then
 * read-heavy load runs; after `beforeSeconds` the store's cleanup starts (a prune the app calls,
 * or the server's own expiry, watched) and the load goes on for `cleanupSeconds`: its time and
 * what it does to latency.
 */
export const expiryScenarioSchema = z.object({
  kind: z.literal('expiry'),
  ...identity,
  /** Seconds of load before the cleanup: the latency it is compared with. */
  beforeSeconds: z.number().int().min(1).max(600),
  /** Seconds of load from the cleanup's start; a server's own expiry is watched this long. */
  cleanupSeconds: z.number().int().min(1).max(3600),
  /** How long ago the prefilled sessions expired, in milliseconds. */
  expiredForMs: z.number().int().min(1000).max(86_400_000),
  /** Per-request timeout, so a cleanup that blocks the store never hangs the harness. */
  requestTimeoutSeconds: z.number().int().min(1).max(60),
  mix: z.array(mixEntry).min(1, 'at least one route'),
});

/** Cleanup of N expired sessions under load. */
export type ExpiryScenario = z.infer<typeof expiryScenarioSchema>;

/** The expiry kind: its schema, built-in scenarios, planned length and load model. */
export const EXPIRY_KIND: ScenarioKindDefinition<ExpiryScenario> = {
  schema: expiryScenarioSchema,
  builtIns: [
    {
      kind: 'expiry',
      id: 'expiry',
      description: 'with --prefill N sessions already expired: how long the store takes to remove them (a prune the app calls, or its own expiry) and what that does to read-heavy latency',
      beforeSeconds: 3,
      cleanupSeconds: 10,
      expiredForMs: 60_000,
      requestTimeoutSeconds: 10,
      mix: [
        { route: 'GET /session', weight: 95 },
        { route: 'POST /session', weight: 5 },
      ],
    },
  ],
  plannedSeconds: (timing, scenario) => Math.max(1, timing.warmupSeconds) + scenario.beforeSeconds + scenario.cleanupSeconds,
  loadModel: (load) =>
    // Cleanup is read second by second on autocannon's timeline, whatever driver the plan names.
    ({ driver: 'autocannon', model: 'closed', connections: load.connections }),
};
