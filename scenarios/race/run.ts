import type { AppChild } from '../../harness/app/child.ts';
import { DEFAULT_RACE_ROUTES, runRaceOracle } from '../../harness/probes/race-oracle.ts';
import { probeMechanisms } from '../../harness/probes/mechanisms.ts';
import { lossCausesOf, lossCauseText } from './section.ts';
import type { LossCause, ServerInfo } from '../../contract/vocabulary.ts';
import type { MitigationCounts, RaceMechanisms } from './observations.ts';
import { createStoreAdapter } from '../../stores/index.ts';
import type { StoreAdapter, SessionSettings } from '../../stores/types.ts';
import type { RaceOutcome } from '../../harness/probes/race-oracle.ts';
import { RequestRecorder } from '../../harness/client/request-recorder.ts';
import { probeResurrection, RESURRECTION_PROBE } from '../../harness/probes/resurrection.ts';
import type { ResurrectionOutcome } from '../../harness/probes/resurrection.ts';
import type { OkEntry } from '../../contract/result.ts';
import type { ScenarioContext, ScenarioRunner } from '../../harness/run/context.ts';
import { skippedEntry } from '../../harness/run/skipped-entry.ts';
import { RACE_VARIANT_IDS } from './scenario.ts';
import type { RaceScenario } from './scenario.ts';

/** The express-session settings a race runs under, one fresh app (and one entry) each. */
export const RACE_VARIANTS: ReadonlyArray<{ variant: (typeof RACE_VARIANT_IDS)[number]; settings: Partial<SessionSettings> }> = [
  { variant: 'resave=false', settings: { resave: false, rolling: false } },
  { variant: 'resave=true', settings: { resave: true, rolling: false } },
  { variant: 'rolling=true', settings: { resave: false, rolling: true } },
];

/** The measured loss mechanisms, or why they are unknown. */
type MechanismProbe = { mechanisms?: RaceMechanisms; failure?: string };

/** Runs the mechanism probes on a fresh adapter of this store in the harness process (its own client, not the app's). */
async function measureMechanisms(context: ScenarioContext<RaceScenario>): Promise<MechanismProbe> {
  let adapter: StoreAdapter | undefined;
  try {
    adapter = await createStoreAdapter(context.store, { settings: context.plan.settings, ...(context.server ? { server: context.server } : {}) });
    const mechanisms = await probeMechanisms(adapter);
    return mechanisms ? { mechanisms } : {};
  } catch (error) {
    return { failure: error instanceof Error ? error.message : String(error) };
  } finally {
    await adapter?.close().catch(() => {});
  }
}

/** Requests of one burst that modify the session (the oracles' POST routes). */
function writesPerBurst(scenario: RaceScenario): number {
  const routes = scenario.routes ?? DEFAULT_RACE_ROUTES;
  return Array.from({ length: scenario.fanout }, (_, slot) => routes[slot % routes.length]!).filter((route) => route.startsWith('POST ')).length;
}

function lossNote(race: RaceOutcome, causes: readonly LossCause[], probe: MechanismProbe, storeLabel: string, server: ServerInfo | undefined): string {
  const lost = `${race.lostUpdates} of ${race.expectedCount} acknowledged counter increments were lost`;
  if (!probe.mechanisms) return `${lost}${probe.failure ? ` (the mechanism probes failed: ${probe.failure})` : ''}: concurrent requests on one session are last-writer-wins`;
  if (causes.length === 0) return `${lost}, and no probed mechanism explains it under these settings`;
  return `${lost}: ${causes.map((cause) => lossCauseText(cause, probe.mechanisms!, storeLabel, server)).join('; and ')}`;
}

function raceNotes(app: AppChild, race: RaceOutcome, probe: ResurrectionOutcome, causes: readonly LossCause[], mechanisms: MechanismProbe, server: ServerInfo | undefined): string[] {
  const notes: string[] = [];
  if (race.source === 'cookie') {
    notes.push('no server-side store: final counters and items were read through GET /session with each client\'s last cookie (the last Set-Cookie to arrive wins, as in a browser); only the number of items is known');
  } else {
    notes.push('final counters and items were read from the store itself, not through the app');
  }
  if (!app.capabilities.serverSide) notes.push('resave and rolling are express-session options; this store has neither, so one variant was measured');
  if (race.lostUpdates > 0) notes.push(lossNote(race, causes, mechanisms, app.label, server));
  if (race.sessionsMissing > 0) notes.push(`${race.sessionsMissing} raced sessions could not be read at the end`);
  if (probe.resurrected) notes.push(`${probe.resurrected} of ${probe.resurrectionProbes} sessions were back in the store after logout: a slow request saved the session it loaded before the logout (expressjs/session#632)`);
  if (!app.capabilities.revocable) notes.push(`logout cannot revoke this store's sessions: ${probe.revokedCookieStillValid} of ${probe.resurrectionProbes} cookies captured before logout still authenticated`);
  if (probe.resurrectedInClient > 0 && race.source === 'cookie') notes.push(`${probe.resurrectedInClient} of ${probe.resurrectionProbes} clients got their session back from the slow response's Set-Cookie, after the logout had cleared it`);
  if (probe.logoutsAcknowledged < probe.resurrectionProbes) notes.push(`${probe.resurrectionProbes - probe.logoutsAcknowledged} logouts did not answer 200`);
  return notes;
}

function countsBetween(before: MitigationCounts, after: MitigationCounts): MitigationCounts {
  return { rejectedSaves: after.rejectedSaves - before.rejectedSaves, retries: after.retries - before.retries };
}

/** Median, 99th percentile (nearest rank) and maximum of the bursts' completion times, in ms to 0.1. */
function completionOf(burstMs: readonly number[]): { p50: number; p99: number; max: number } {
  const sorted = [...burstMs].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return { p50: round(rank(0.5)), p99: round(rank(0.99)), max: round(sorted.at(-1)!) };
}

interface RaceRun {
  app: AppChild;
  repetition: number;
  variant: string | undefined;
  resave: boolean;
  mechanisms: MechanismProbe;
}

async function raceOnce(context: ScenarioContext<RaceScenario>, run: RaceRun): Promise<OkEntry> {
  const { app, mechanisms } = run;
  const recorder = new RequestRecorder();
  const { store, scenario, observer } = context;
  const ticker = observer.phase({ store, scenario: scenario.id, repetition: run.repetition, phase: 'bursts', ...(run.variant ? { detail: run.variant } : {}), steps: scenario.rounds });
  const counted = context.plan.mitigations.some((id) => id !== 'none');
  const { race, probe, counts } = await (async () => {
    const before = counted ? await app.ask('mitigationCounts') : undefined;
    const race = await runRaceOracle(app, scenario, recorder, context.signal, (done) => ticker.advance(done));
    const afterBursts = counted ? await app.ask('mitigationCounts') : undefined;
    const probe = await probeResurrection(app, RESURRECTION_PROBE);
    const afterProbe = counted ? await app.ask('mitigationCounts') : undefined;
    const counts = before && afterBursts && afterProbe ? { bursts: countsBetween(before, afterBursts), logoutProbe: countsBetween(afterBursts, afterProbe) } : undefined;
    return { race, probe, counts };
  })().finally(() => ticker.end());
  const crashed = app.crashed();
  if (crashed) throw new Error(crashed);
  const { source: _source, clients: _clients, burstMs, ...raceNumbers } = race;
  const base = context.entryBase(app, run.repetition, run.variant);
  const shape = { fanout: context.scenario.fanout, writesPerBurst: writesPerBurst(context.scenario), resave: run.resave };
  const causes = mechanisms.mechanisms ? lossCausesOf(mechanisms.mechanisms, shape, race.lostUpdates + race.itemsMissing) : [];
  return {
    ...base,
    status: 'ok',
    measured: recorder.metrics(),
    sessionsStored: (await app.ask('count')) ?? undefined,
    observations: {
      kind: 'race',
      sessions: context.scenario.sessions,
      fanout: context.scenario.fanout,
      rounds: context.scenario.rounds,
      ...raceNumbers,
      ...probe,
      ...(burstMs.length > 0 ? { burstCompletionMs: completionOf(burstMs) } : {}),
      ...(counts ? { mitigationCounts: counts } : {}),
      ...(mechanisms.mechanisms ? { mechanisms: mechanisms.mechanisms, lossCauses: causes } : {}),
    },
    notes: [...raceNotes(app, race, probe, causes, mechanisms, base.server), ...(counts ? mitigationNotes(counts) : [])],
  };
}

/** What the remedy did, in words; the counts themselves are in `observations.mitigationCounts`. */
function mitigationNotes({ bursts, logoutProbe }: { bursts: MitigationCounts; logoutProbe: MitigationCounts }): string[] {
  const notes: string[] = [];
  if (bursts.retries > 0) notes.push(`${bursts.retries} stale saves during the bursts were merged into the stored session and written again`);
  if (bursts.rejectedSaves > 0) notes.push(`${bursts.rejectedSaves} saves during the bursts were refused: their changes are lost unless the app retries them`);
  if (logoutProbe.rejectedSaves > 0) notes.push(`${logoutProbe.rejectedSaves} saves of sessions already logged out were refused (no resurrection)`);
  return notes;
}

/**
 * The race scenario: for each express-session setting that matters (resave,
 * rolling) a fresh app, `sessions` × `fanout` parallel requests per round
 * checked by the counter and item oracles, then the logout resurrection probe.
 * One entry per variant and repetition; `measured` holds the race requests' own latency.
 */
export const runRaceScenario: ScenarioRunner<RaceScenario> = async (context) => {
  if (context.store === 'none') return context.emit(skippedEntry(context, 'no sessions to race: the baseline keeps no session state'));
  const mechanisms = await measureMechanisms(context);
  const chosen = context.scenario.variants ?? RACE_VARIANT_IDS;
  for (const { variant, settings } of RACE_VARIANTS.filter((one) => chosen.includes(one.variant))) {
    if (context.signal.aborted) break;
    const app = await context.startApp(settings);
    const settingsApply = app.capabilities.serverSide;
    const resave = settings.resave ?? context.plan.settings.resave;
    for (let repetition = 0; repetition < context.plan.repeat && !context.signal.aborted; repetition++) {
      context.emit(await raceOnce(context, { app, repetition, variant: settingsApply ? variant : undefined, resave, mechanisms }));
    }
    if (!settingsApply) break;
  }
};
