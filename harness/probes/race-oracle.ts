import type { AppChild } from '../app/child.ts';
import { loggedInClient } from '../client/http-client.ts';
import type { SessionClient } from '../client/http-client.ts';
import type { RequestRecorder } from '../client/request-recorder.ts';
import { readSessionState } from './session-state.ts';
import type { SessionState } from './session-state.ts';
import type { RaceRoute } from '../../scenarios/common.ts';
import type { RaceScenario } from '../../scenarios/race/scenario.ts';

/** Routes a burst cycles through when the scenario names none. */
export const DEFAULT_RACE_ROUTES: readonly RaceRoute[] = ['POST /counter', 'POST /items', 'GET /session'];

/** What the counter and item oracles found, summed over every session. */
export interface RaceOutcome {
  /** Counter increments the app acknowledged (2xx). */
  expectedCount: number;
  /** Sum of the final counters. */
  observedCount: number;
  lostUpdates: number;
  /** Item appends the app acknowledged (2xx). */
  itemsExpected: number;
  itemsMissing: number;
  /** Sessions whose final state could not be read at all. */
  sessionsMissing: number;
  /** Where the final state was read (the same for every session of one app). */
  source: SessionState['source'];
  /** The raced clients, cookies included, so a caller can re-read their sessions. */
  clients: SessionClient[];
  /** Per session and round: milliseconds until all of the burst's parallel requests had answered. */
  burstMs: number[];
}

interface RacedSession {
  client: SessionClient;
  counted: number;
  items: string[];
}

/** Fires one session's burst; resolves with the milliseconds until its last request answered. */
async function burst(session: RacedSession, index: number, routes: readonly RaceRoute[], fanout: number, round: number, recorder: RequestRecorder): Promise<number> {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: fanout }, async (_, slot) => {
      const position = round * fanout + slot;
      const route = routes[position % routes.length]!;
      const itemId = `s${index}-r${round}-${slot}`;
      const [method, path] = route.split(' ') as ['GET' | 'POST', string];
      const response = await recorder.send(session.client, method, route === 'POST /items' ? `${path}?id=${itemId}` : path);
      if (!response || response.status !== 200) return;
      if (route === 'POST /counter') session.counted += 1;
      if (route === 'POST /items') session.items.push(itemId);
    }),
  );
  return performance.now() - started;
}

function missingItems(acknowledged: string[], observed: string[] | number): number {
  if (typeof observed === 'number') return acknowledged.length - observed;
  const present = new Set(observed);
  return acknowledged.filter((id) => !present.has(id)).length;
}

/**
 * Logs in `sessions` clients, then per round fires `fanout` parallel requests
 * on each one's cookie (all sessions at once), timing them in `recorder`.
 * Finally compares what the app acknowledged with each session's final state.
 */
export async function runRaceOracle(
  app: AppChild,
  scenario: RaceScenario,
  recorder: RequestRecorder,
  signal: AbortSignal,
  onRound?: (done: number) => void,
): Promise<RaceOutcome> {
  const routes = scenario.routes ?? DEFAULT_RACE_ROUTES;
  const sessions: RacedSession[] = await Promise.all(
    Array.from({ length: scenario.sessions }, async () => ({ client: await loggedInClient(app.url, 'race'), counted: 0, items: [] })),
  );
  const burstMs: number[] = [];
  for (let round = 0; round < scenario.rounds && !signal.aborted; round++) {
    burstMs.push(...(await Promise.all(sessions.map((session, index) => burst(session, index, routes, scenario.fanout, round, recorder)))));
    onRound?.(round + 1);
  }
  const outcome: RaceOutcome = {
    expectedCount: 0,
    observedCount: 0,
    lostUpdates: 0,
    itemsExpected: 0,
    itemsMissing: 0,
    sessionsMissing: 0,
    source: app.capabilities.serverSide ? 'store' : 'cookie',
    clients: sessions.map((session) => session.client),
    burstMs,
  };
  for (const session of sessions) {
    const state = await readSessionState(app, session.client);
    outcome.expectedCount += session.counted;
    outcome.itemsExpected += session.items.length;
    if (!state) {
      outcome.sessionsMissing += 1;
      outcome.itemsMissing += session.items.length;
      continue;
    }
    outcome.observedCount += state.counter;
    outcome.itemsMissing += missingItems(session.items, state.items);
  }
  outcome.lostUpdates = outcome.expectedCount - outcome.observedCount;
  return outcome;
}
