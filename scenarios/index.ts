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
    {
      kind: 'race',
      id: 'race',
      description: 'parallel requests on one cookie (like a browser\'s parallel XHRs): lost counter updates and items, and sessions resurrected after logout',
      sessions: 10,
      fanout: 20,
      rounds: 5,
    },
    {
      kind: 'race',
      id: 'race-serial',
      description: 'the race control: the same requests one at a time per session, which must lose nothing',
      sessions: 10,
      fanout: 1,
      rounds: 100,
    },
    {
      kind: 'race',
      id: 'race-resave',
      description: 'one counter write among 19 parallel reads per burst: shows what resave=true (reads write back a stale copy) and a rewriting touch cost',
      sessions: 10,
      fanout: 20,
      rounds: 5,
      routes: ['POST /counter', ...Array<string>(19).fill('GET /session')],
    },
    {
      kind: 'ttl',
      id: 'ttl',
      description: 'sessions with a 2 s lifetime replayed after 4 s: accepted, still returned by the store, or still occupying it',
      sessions: 20,
      maxAgeMs: 2000,
      waitMs: 4000,
    },
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
  ].map((data) => {
    const scenario = defineScenario(data);
    return [scenario.id, scenario];
  }),
);

/** The scenario run when none is named. */
export const DEFAULT_SCENARIOS = ['read-heavy'];
