import { z } from 'zod';
import { RACE_ROUTES, identity } from '../common.ts';
import type { ScenarioKindDefinition } from '../common.ts';

/** The express-session settings a race can run under, each on a fresh app: the settings that change what a request writes. */
export const RACE_VARIANT_IDS = ['resave=false', 'resave=true', 'rolling=true'] as const;

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
  /** The express-session settings raced, each on a fresh app (default: all of RACE_VARIANT_IDS). */
  variants: z.array(z.enum(RACE_VARIANT_IDS)).min(1, 'at least one variant').optional(),
});

/** Parallel requests on one session, checked by oracles. */
export type RaceScenario = z.infer<typeof raceScenarioSchema>;

/** The race kind: its schema, built-in scenarios, planned length and load model. */
export const RACE_KIND: ScenarioKindDefinition<RaceScenario> = {
  schema: raceScenarioSchema,
  builtIns: [
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
      kind: 'race',
      id: 'race-one-write',
      description: "the default run's correctness check: race-resave under resave=false only (what apps run), then the logout probe; what a store itself loses, since express-session alone loses nothing here",
      sessions: 10,
      fanout: 20,
      rounds: 5,
      routes: ['POST /counter', ...Array<string>(19).fill('GET /session')],
      variants: ['resave=false'],
    },
  ],
  plannedSeconds: () => undefined,
  loadModel: (_load, scenario) => ({ driver: 'harness', model: 'scripted', description: `${scenario.sessions} sessions × ${scenario.fanout} parallel requests × ${scenario.rounds} rounds` }),
};
