import { z } from 'zod';
import { identity } from '../common.ts';
import type { ScenarioKindDefinition } from '../common.ts';

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

/** Short-lived sessions replayed after expiry. */
export type TtlScenario = z.infer<typeof ttlScenarioSchema>;

/** The ttl kind: its schema, built-in scenarios, planned length and load model. */
export const TTL_KIND: ScenarioKindDefinition<TtlScenario> = {
  schema: ttlScenarioSchema,
  builtIns: [
    {
      kind: 'ttl',
      id: 'ttl',
      description: 'sessions with a 2 s lifetime replayed after 4 s: accepted, still returned by the store, or still occupying it',
      sessions: 20,
      maxAgeMs: 2000,
      waitMs: 4000,
    },
  ],
  plannedSeconds: (_timing, scenario) => scenario.waitMs / 1000,
  loadModel: (_load, scenario) => ({ driver: 'harness', model: 'scripted', description: `${scenario.sessions} logins replayed ${scenario.waitMs} ms later` }),
};
