import { defineScenario } from './types.ts';
import type { Scenario } from './types.ts';

/** Every built-in scenario, validated at load time. */
export const SCENARIOS: Record<string, Scenario> = Object.fromEntries(
  [
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
  ].map((data) => {
    const scenario = defineScenario(data);
    return [scenario.id, scenario];
  }),
);

/** The scenario run when none is named. */
export const DEFAULT_SCENARIOS = ['read-heavy'];
