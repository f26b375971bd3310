import type { AppChild } from '../app/child.ts';
import { runRaceOracle } from '../probes/race-oracle.ts';
import type { RaceOutcome } from '../probes/race-oracle.ts';
import { RequestRecorder } from '../client/request-recorder.ts';
import { probeResurrection, RESURRECTION_PROBE } from '../probes/resurrection.ts';
import type { ResurrectionOutcome } from '../probes/resurrection.ts';
import type { OkEntry } from '../../reports/result.ts';
import type { ScenarioContext, ScenarioRunner } from './context.ts';
import { skippedEntry } from './skipped-entry.ts';
import type { RaceScenario } from '../../scenarios/types.ts';
import type { SessionSettings } from '../../stores/types.ts';

/** The express-session settings a race runs under, one fresh app (and one entry) each. */
export const RACE_VARIANTS: ReadonlyArray<{ variant: string; settings: Partial<SessionSettings> }> = [
  { variant: 'resave=false', settings: { resave: false, rolling: false } },
  { variant: 'resave=true', settings: { resave: true, rolling: false } },
  { variant: 'rolling=true', settings: { resave: false, rolling: true } },
];

function raceNotes(app: AppChild, race: RaceOutcome, probe: ResurrectionOutcome): string[] {
  const notes: string[] = [];
  if (race.source === 'cookie') {
    notes.push('no server-side store: final counters and items were read through GET /session with each client\'s last cookie (the last Set-Cookie to arrive wins, as in a browser); only the number of items is known');
  } else {
    notes.push('final counters and items were read from the store itself, not through the app');
  }
  if (!app.capabilities.serverSide) notes.push('resave and rolling are express-session options; this store has neither, so one variant was measured');
  if (race.lostUpdates > 0) notes.push(`${race.lostUpdates} of ${race.expectedCount} acknowledged counter increments were lost: each request that saves writes back the whole session it loaded, so the last to finish wins`);
  if (race.sessionsMissing > 0) notes.push(`${race.sessionsMissing} raced sessions could not be read at the end`);
  if (probe.resurrected) notes.push(`${probe.resurrected} of ${probe.resurrectionProbes} sessions were back in the store after logout: a slow request saved the session it loaded before the logout (expressjs/session#632)`);
  if (!app.capabilities.revocable) notes.push(`logout cannot revoke this store's sessions: ${probe.revokedCookieStillValid} of ${probe.resurrectionProbes} cookies captured before logout still authenticated`);
  if (probe.resurrectedInClient > 0 && race.source === 'cookie') notes.push(`${probe.resurrectedInClient} of ${probe.resurrectionProbes} clients got their session back from the slow response's Set-Cookie, after the logout had cleared it`);
  if (probe.logoutsAcknowledged < probe.resurrectionProbes) notes.push(`${probe.resurrectionProbes - probe.logoutsAcknowledged} logouts did not answer 200`);
  return notes;
}

async function raceOnce(context: ScenarioContext<RaceScenario>, app: AppChild, repetition: number, variant: string | undefined): Promise<OkEntry> {
  const recorder = new RequestRecorder();
  const { store, scenario, observer } = context;
  const ticker = observer.phase({ store, scenario: scenario.id, repetition, phase: 'bursts', detail: variant, steps: scenario.rounds });
  const { race, probe } = await (async () => {
    const race = await runRaceOracle(app, scenario, recorder, context.signal, (done) => ticker.advance(done));
    return { race, probe: await probeResurrection(app, RESURRECTION_PROBE) };
  })().finally(() => ticker.end());
  const crashed = app.crashed();
  if (crashed) throw new Error(crashed);
  const { source: _source, clients: _clients, ...raceNumbers } = race;
  return {
    ...context.entryBase(app, repetition, variant),
    status: 'ok',
    measured: recorder.metrics(),
    sessionsStored: (await app.ask('count')) ?? undefined,
    observations: { kind: 'race', sessions: context.scenario.sessions, fanout: context.scenario.fanout, rounds: context.scenario.rounds, ...raceNumbers, ...probe },
    notes: raceNotes(app, race, probe),
  };
}

/**
 * The race scenario: for each express-session setting that matters (resave,
 * rolling) a fresh app, `sessions` × `fanout` parallel requests per round
 * checked by the counter and item oracles, then the logout resurrection probe.
 * One entry per variant and repetition; `measured` holds the race requests' own latency.
 */
export const runRaceScenario: ScenarioRunner<RaceScenario> = async (context) => {
  if (context.store === 'none') return context.emit(skippedEntry(context, 'no sessions to race: the baseline keeps no session state'));
  for (const { variant, settings } of RACE_VARIANTS) {
    if (context.signal.aborted) break;
    const app = await context.startApp(settings);
    const settingsApply = app.capabilities.serverSide;
    for (let repetition = 0; repetition < context.plan.repeat && !context.signal.aborted; repetition++) {
      context.emit(await raceOnce(context, app, repetition, settingsApply ? variant : undefined));
    }
    if (!settingsApply) break;
  }
};
