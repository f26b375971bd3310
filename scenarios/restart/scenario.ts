import { z } from 'zod';
import { identity } from '../common.ts';
import type { ScenarioKindDefinition } from '../common.ts';

/** Users logged in, the store server killed with SIGKILL and started again, then their cookies replayed. */
export const restartScenarioSchema = z.object({
  kind: z.literal('restart'),
  ...identity,
  /** Users logged in before the kill, each with its own session. */
  sessions: z.number().int().min(1).max(10_000),
  /** How long the app is given, once the server answers again, to serve a new login before its cookies are replayed anyway. */
  appRecoveryTimeoutSeconds: z.number().int().min(1).max(120),
});

/** A store server killed and restarted under logged-in users. */
export type RestartScenario = z.infer<typeof restartScenarioSchema>;

/** The restart kind: its schema, built-in scenario, planned length and load model. */
export const RESTART_KIND: ScenarioKindDefinition<RestartScenario> = {
  schema: restartScenarioSchema,
  builtIns: [
    {
      kind: 'restart',
      id: 'restart',
      description: '100 users logged in; the store server is killed (SIGKILL) and started again on the same data: sessions still valid, by the server’s persistence settings',
      sessions: 100,
      appRecoveryTimeoutSeconds: 15,
    },
  ],
  plannedSeconds: () => undefined,
  loadModel: (_load, scenario) => ({ driver: 'harness', model: 'scripted', description: `${scenario.sessions} logins, the server killed (SIGKILL) and restarted, their cookies replayed` }),
};
