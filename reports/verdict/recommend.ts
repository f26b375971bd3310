import type { FailedEntry, OkEntry, RunResult, SkippedEntry, NoiseRule, Verdict } from '../../contract/result.ts';
import type { LossCause, AnyStoreId, MitigationId, ServerInfo, StoreCapabilities } from '../../contract/vocabulary.ts';
import { LOSS_CAUSES } from '../../contract/vocabulary.ts';
import { noiseRule, resolvablyAhead } from './noise.ts';
import { lossCauseSummary } from '../../scenarios/race/section.ts';
import { SERVER_KIND_DEFINITIONS } from '../../stores/servers/kinds/index.ts';
import type { EntryGroup } from '../figures/aggregate.ts';
import { bytesPerSessionOf, groupEntries, groupSpread, observationTotal, observationsOf } from '../figures/aggregate.ts';
import { spreadOf } from '../figures/spread.ts';
import { formatBytes, formatCount, formatRate, formatUs } from '../figures/format.ts';
import { formatMissRate, SESSION_MISS_TOLERANCE, sessionMissRate } from '../sections/instances.ts';
import type { OutageOutcome } from '../../scenarios/outage/section.ts';
import { formatOutageBrief, outageOutcome } from '../../scenarios/outage/section.ts';
import { restartOutcome, sessionsLost } from '../../scenarios/restart/section.ts';
import { cheapestFix, remedyFindings } from './remedies.ts';
import { atRateSentence, latencyAtRate } from './at-rate.ts';
import { rankedAt, rankingAcrossRtts, rttSweepSentence } from './rtt-sweep.ts';
import type { AtRateVerdict, RttSweepVerdict } from '../../contract/conditions.ts';
import type { RemedyFinding } from './remedies.ts';

/**
 * Whether an entry measures the app under load, the way the throughput and p99 the
 * recommendation quotes are meant: a load scenario under the closed model (autocannon).
 * An outage run (its p99 is made of timeouts), scripted race/ttl requests and open-model runs are not.
 */
export function isLoadEntry(entry: OkEntry): boolean {
  return entry.load.model === 'closed' && entry.kind === 'load';
}

/** What can rule a store out, as data: reports and tests switch on `code`, people read `text`. */
export const OBJECTION_CODES = [
  /** The no-session baseline: a ceiling, not an option. */
  'baseline',
  /** Behind several app instances, requests found no session. */
  'session-misses',
  /** Sessions live inside one app process. */
  'per-process',
  /** Logout cannot revoke a session (a copied cookie stays valid). */
  'not-revocable',
  /** Logout did not always revoke in the probe. */
  'revocation-failed',
  /** Sessions were saved back to the store after logout. */
  'resurrected',
  /** The store itself lost concurrent updates: its touch re-sets the session it loaded (measured in the race scenarios). */
  'touch-rewrites-session',
  /** The store's server lost concurrent updates: its updates to one record are not atomic (probed through its own client). */
  'non-atomic-server-update',
  /** Sessions past their lifetime were still accepted (ttl scenario). */
  'expired-accepted',
  /** Requests kept failing after the store's server came back. */
  'outage-not-recovered',
  /** Sessions valid before its server was killed (SIGKILL) and restarted were gone after it (restart scenario). */
  'sessions-lost-on-restart',
  /** Some of its runs failed. */
  'failed-runs',
  /** Nothing of it was measured. */
  'not-measured',
] as const;
export type ObjectionCode = (typeof OBJECTION_CODES)[number];

/** Each objection in a few words, for a headline or a terminal line. */
const OBJECTION_WORDS: Record<ObjectionCode, string> = {
  baseline: 'no sessions',
  'session-misses': 'misses behind several apps',
  'per-process': 'per-process',
  'not-revocable': 'not revocable',
  'revocation-failed': 'logout did not revoke',
  resurrected: 'resurrected sessions',
  'touch-rewrites-session': 'its touch reverts writes',
  'non-atomic-server-update': 'non-atomic updates',
  'expired-accepted': 'accepts expired sessions',
  'outage-not-recovered': 'no recovery after outage',
  'sessions-lost-on-restart': 'loses sessions on restart',
  'failed-runs': 'failed runs',
  'not-measured': 'not measured',
};

/** An objection in a few words, with its count when it rests on one: "loses every session on restart (30 of 30)". */
export function objectionBrief(objection: Pick<Objection, 'code' | 'count'>): string {
  const { code, count } = objection;
  if (code === 'sessions-lost-on-restart' && count && count.found === count.outOf) return `loses every session on restart (${formatCount(count.found)} of ${formatCount(count.outOf)})`;
  return count ? `${OBJECTION_WORDS[code]} (${formatCount(count.found)} of ${formatCount(count.outOf)})` : OBJECTION_WORDS[code];
}

/** One reason a store is not a candidate. */
export interface Objection {
  /** What kind of objection: code reads this, never the text. */
  code: ObjectionCode;
  /** One sentence for people. */
  text: string;
  /** What was counted, when the objection rests on a count: `found` of `outOf` tries. */
  count?: { found: number; outOf: number };
}

/** What one store showed across the run, and what speaks against choosing it. */
export interface StoreScore {
  /** Store id. */
  store: AnyStoreId;
  /** Store label, for display. */
  storeLabel: string;
  /** The server that answered, when it has one. */
  server?: ServerInfo;
  /** Geometric mean over load scenarios (closed model, not outage; see isLoadEntry) of (its median throughput / the fastest store's), 1 = fastest everywhere. */
  relativeThroughput?: number;
  /** Its median throughput in the first load scenario it was measured in (see isLoadEntry), for quoting, with every repetition's figures (what ties are judged on). */
  headlineThroughput?: {
    scenario: string;
    scenarioKey: string;
    value: number;
    p99Us: number;
    throughputs: number[];
    p99s: number[];
    /** The round (repetition number) of each figure when the repetitions ran round-robin across stores (no prefill). */
    rounds?: number[];
  };
  /**
   * Highest p99 of any repetition of a load scenario under the closed model (see isLoadEntry):
   * outage runs (p99 made of timeouts) and scripted race/ttl requests are left out.
   */
  worstP99Us?: number;
  /** Median over entries that measured it. */
  bytesPerSession?: number;
  /** Concurrent updates to one session that were lost (observation `lostUpdates`), over all race runs. */
  lostUpdates?: number;
  /** The measured mechanisms behind those losses, over all race runs (observation `lossCauses`). */
  lossCauses?: LossCause[];
  /** Sessions saved back to the store after logout (observation `resurrected`). */
  resurrected?: number;
  /** Cookies captured before logout that still authenticated after it. */
  revokedCookieStillValid?: number;
  /** Expired sessions still held by the store (observation `stalePresent`). */
  staleSessions?: number;
  /** Expired sessions the app still accepted (observation `acceptedAfterExpiry`), of those replayed. */
  expiredAccepted?: { found: number; outOf: number };
  /** Capabilities this run measured rather than took from the adapter's declaration. */
  measured: { revocable: boolean };
  /** Worst session-miss rate behind several app instances, and how many instances. */
  sessionMisses?: { rate: number; instances: number };
  /** Worst outage run: one that did not recover, else the slowest recovery. */
  outage?: OutageOutcome;
  /** Its restart runs (server killed and started again): sessions lost of those valid before, in all and per persistence setting (as the server reported it). */
  restart?: { lost: number; outOf: number; byPersistence: Array<{ persistence: string; lost: number; outOf: number }> };
  /** Connection errors, timeouts and non-2xx responses during measured phases (each counted once), outside outages and session misses. */
  failedRequests: number;
  /** Reasons this store is not a candidate; empty for a candidate. */
  objections: Objection[];
  /** Facts a reader must know that do not rule it out. */
  warnings: string[];
  /** The runs' own notes (how it was measured, what it found), each text once, with the scenario labels (variant included) it came from. */
  notes: { text: string; scenarios: string[] }[];
}

/** How the leading candidates were told apart, as data (recorded in results.json as `verdict`). */
export interface Decision {
  /** The noise rule throughput was judged by; absent when no store had two repetitions. */
  throughputRule?: NoiseRule;
  /** The noise rule p99 was judged by, when throughput tied. */
  p99Rule?: NoiseRule;
  /** Candidates the run could not tell apart from the leader on throughput, the leader first. */
  tiedOnThroughput: AnyStoreId[];
  /** What chose the recommended store: clearly fastest, lower p99 among the tied, or nothing (a tie on both; the first is shown). */
  decidedBy: 'throughput' | 'p99' | 'tie' | 'one-candidate' | 'too-few-repetitions' | 'none';
}

/** The answer to "which store should we use?", with its evidence. */
export interface Recommendation {
  /** The best candidate, when any store qualifies. */
  choice?: StoreScore;
  /** How the choice was made among the fastest candidates. */
  decision: Decision;
  /** The cheapest remedy that brought the chosen store's lost updates and resurrections to zero, when the run measured one. */
  remedy?: { mitigation: MitigationId; findings: RemedyFinding[]; tiedWith: MitigationId[] };
  /** One or two sentences a reader can act on. */
  headline: string;
  /** Candidates first (fastest first), then the others. */
  scores: StoreScore[];
  /** Run-wide caveats. */
  caveats: string[];
  /** p50/p99 at a stated rate beside the ranking (`--latency-at`), when the run measured it. */
  atRate?: AtRateVerdict;
  /** The candidates' order at each other round trip of a `--store-rtt` sweep, when the run swept. */
  rttSweep?: RttSweepVerdict;
}

/** Loss causes as a reader names them in a sentence. */
const LOSS_CAUSE_WORDS: Record<LossCause, string> = {
  'stale-full-save': "express-session's whole-session saves",
  'touch-rewrites-session': 'a touch that re-sets the session',
  'non-atomic-server-update': "the server's non-atomic updates",
};

/** A caveat when the server that answered is not the product its kind suggests (e.g. FerretDB for mongo). */
function serverCaveat(server: ServerInfo): string | undefined {
  const expected = SERVER_KIND_DEFINITIONS[server.kind].product;
  if (server.product.toLowerCase() === expected.toLowerCase()) return undefined;
  return `${server.label} answered as the ${server.kind} server: it speaks the protocol but is not ${expected}, so its numbers do not predict ${expected}'s.`;
}

function capabilityWarnings(capabilities: StoreCapabilities | undefined): string[] {
  if (!capabilities) return [];
  const warnings: string[] = [];
  if (capabilities.removesExpired !== true) warnings.push(`Expired sessions: ${capabilities.removesExpired.reason}.`);
  if (capabilities.payloadLimit) warnings.push(`Payload limit ${formatBytes(capabilities.payloadLimit.bytes)}: ${capabilities.payloadLimit.reason}.`);
  if (capabilities.ttlLimit) warnings.push(`Longest session lifetime ${formatCount(capabilities.ttlLimit.seconds)} s: ${capabilities.ttlLimit.reason}.`);
  return warnings;
}

/** What was measured about a store that can rule it out. */
type Evidence = Pick<StoreScore, 'resurrected' | 'revokedCookieStillValid' | 'sessionMisses' | 'outage' | 'expiredAccepted' | 'restart'> & {
  /** Updates lost where the store's own mechanism was measured as a cause, per cause. */
  storeLosses?: Partial<Record<Exclude<LossCause, 'stale-full-save'>, { found: number; outOf: number; scenarios: string[] }>>;
};

/** A run that failed because the store cannot carry the payload of a payload sweep: a limit to know, not a broken store. */
function isPayloadFailure(entry: FailedEntry | SkippedEntry): boolean {
  return entry.status === 'failed' && entry.cause === 'payload-limit';
}

/**
 * Whether every revocable store measured for it brought sessions back after logout:
 * then it is express-session's behaviour (expressjs/session#632), not a reason to pick one store over another.
 */
function resurrectionIsUniversal(scores: readonly Pick<StoreScore, 'resurrected'>[]): boolean {
  const measured = scores.filter((score) => score.resurrected !== undefined);
  return measured.length > 1 && measured.every((score) => (score.resurrected ?? 0) > 0);
}

function objectionsFor(capabilities: StoreCapabilities | undefined, groups: EntryGroup[], ok: OkEntry[], evidence: Evidence): Objection[] {
  if (capabilities?.keepsSessions === false) return [{ code: 'baseline', text: 'No sessions at all: the baseline shows the ceiling, it is not an option.' }];
  const objections: Objection[] = [];
  const misses = evidence.sessionMisses;
  if (misses && misses.rate > SESSION_MISS_TOLERANCE) {
    objections.push({ code: 'session-misses', text: `Not for several app instances: behind ${misses.instances} instances ${formatMissRate(misses.rate)} of requests found no session (answered 401).` });
  }
  if (capabilities?.sharedAcrossInstances === false) {
    objections.push({ code: 'per-process', text: misses ? 'Per-process: sessions vanish on restart.' : 'Per-process: sessions are not shared between app instances and vanish on restart.' });
  }
  const stillValid = evidence.revokedCookieStillValid ? ` (${formatCount(evidence.revokedCookieStillValid)} cookies captured before logout still worked)` : '';
  if (capabilities?.revocable === false) objections.push({ code: 'not-revocable', text: `Cannot revoke a session at logout: a copied cookie stays valid${stillValid}.` });
  else if (stillValid) objections.push({ code: 'revocation-failed', text: `Logout did not always revoke${stillValid}.` });
  if (evidence.resurrected) objections.push({ code: 'resurrected', text: `${formatCount(evidence.resurrected)} sessions were saved back to the store after logout.` });
  for (const [cause, lost] of Object.entries(evidence.storeLosses ?? {}) as Array<[Exclude<LossCause, 'stale-full-save'>, { found: number; outOf: number; scenarios: string[] }]>) {
    if (lost.found === 0) continue;
    objections.push({ code: cause, count: { found: lost.found, outOf: lost.outOf }, text: `Lost ${formatCount(lost.found)} of ${formatCount(lost.outOf)} concurrent updates (${lost.scenarios.join(', ')}) through ${LOSS_CAUSE_WORDS[cause]}: the store's own doing, not express-session's.` });
  }
  if (evidence.expiredAccepted && evidence.expiredAccepted.found > 0) {
    const { found, outOf } = evidence.expiredAccepted;
    objections.push({ code: 'expired-accepted', count: { found, outOf }, text: `Accepted ${formatCount(found)} of ${formatCount(outOf)} sessions after their lifetime ended.` });
  }
  if (evidence.outage && !evidence.outage.recovered) {
    objections.push({ code: 'outage-not-recovered', text: 'Did not recover after its server came back from an outage: its throughput never got back to the share of the pre-outage rate the outage table states, before the run ended.' });
  }
  objections.push(...restartObjections(evidence.restart));
  const notMeasured = groups.flatMap((group) => group.notMeasured).filter((entry) => !isPayloadFailure(entry));
  const failed = notMeasured.filter((entry) => entry.status === 'failed');
  if (failed[0]) objections.push({ code: 'failed-runs', text: `Failed ${failed.length} of ${failed.length + ok.length} runs: ${failed[0].reason}.` });
  else if (ok.length === 0 && notMeasured[0]) objections.push({ code: 'not-measured', text: `Not measured: ${notMeasured[0].reason}.` });
  return objections;
}

/**
 * What the store's restart runs showed (its server killed with SIGKILL and started again), summed over
 * them: sessions valid before, lost after, and the persistence settings its server ran with; undefined when none ran.
 */
export function restartEvidence(ok: readonly OkEntry[]): StoreScore['restart'] {
  const runs = ok.flatMap((entry) => restartOutcome(entry) ?? []);
  if (runs.length === 0) return undefined;
  const byPersistence = new Map<string, { persistence: string; lost: number; outOf: number }>();
  for (const outcome of runs) {
    const one = byPersistence.get(outcome.persistence.summary) ?? { persistence: outcome.persistence.summary, lost: 0, outOf: 0 };
    one.lost += sessionsLost(outcome);
    one.outOf += outcome.validBefore;
    byPersistence.set(one.persistence, one);
  }
  const all = [...byPersistence.values()];
  return { lost: all.reduce((sum, one) => sum + one.lost, 0), outOf: all.reduce((sum, one) => sum + one.outOf, 0), byPersistence: all };
}

/** The objection when sessions were lost to a restart, with the count and the persistence that lost them. */
export function restartObjections(restart: StoreScore['restart']): Objection[] {
  if (!restart || restart.lost === 0) return [];
  const losing = restart.byPersistence.filter((one) => one.lost > 0);
  const found = losing.reduce((sum, one) => sum + one.lost, 0);
  const outOf = losing.reduce((sum, one) => sum + one.outOf, 0);
  const consequence = found === outOf ? ': every user was logged out' : '';
  const kept = restart.byPersistence.filter((one) => one.lost === 0).map((one) => `; with ${one.persistence} it kept all ${formatCount(one.outOf)}`);
  return [{ code: 'sessions-lost-on-restart', count: { found, outOf }, text: `Lost ${formatCount(found)} of ${formatCount(outOf)} sessions when its server was killed and restarted with persistence ${losing.map((one) => one.persistence).join(', ')}${consequence}${kept.join('')}.` }];
}

function payloadWarnings(groups: EntryGroup[]): string[] {
  return groups.flatMap((group) => group.notMeasured.filter(isPayloadFailure).map((entry) => `Cannot carry a session payload of ${formatBytes(entry.payloadBytes!)}: ${entry.reason}.`));
}

/** The worst outage: one that did not recover, else the slowest recovery. */
function worstOutage(ok: OkEntry[]): OutageOutcome | undefined {
  const outcomes = ok.flatMap((entry) => outageOutcome(entry) ?? []);
  const cost = (outcome: OutageOutcome) => (outcome.recovered ? outcome.recoverySeconds ?? 0 : Infinity);
  return outcomes.reduce<OutageOutcome | undefined>((worst, outcome) => (!worst || cost(outcome) > cost(worst) ? outcome : worst), undefined);
}

function worstSessionMisses(ok: OkEntry[]): StoreScore['sessionMisses'] {
  return ok.reduce<StoreScore['sessionMisses']>((worst, entry) => {
    const rate = sessionMissRate(entry);
    return rate !== undefined && (!worst || rate > worst.rate) ? { rate, instances: entry.instances ?? 1 } : worst;
  }, undefined);
}

function geometricMean(values: number[]): number | undefined {
  return values.length === 0 ? undefined : Math.exp(values.reduce((sum, value) => sum + Math.log(value), 0) / values.length);
}

/**
 * Updates lost in race entries whose measured causes include the store's own mechanism (a touch
 * that re-sets the session, non-atomic server updates), per cause: lost of acknowledged, and where.
 */
function storeCausedLosses(groups: readonly EntryGroup[]): Evidence['storeLosses'] {
  const losses: NonNullable<Evidence['storeLosses']> = {};
  for (const group of groups) {
    for (const entry of group.ok) {
      const race = observationsOf(entry, 'race');
      for (const cause of race?.lossCauses ?? []) {
        if (cause === 'stale-full-save') continue;
        const sum = (losses[cause] ??= { found: 0, outOf: 0, scenarios: [] });
        sum.found += race!.lostUpdates;
        sum.outOf += race!.expectedCount;
        const label = entry.variant ? `${entry.scenario} ${entry.variant}` : entry.scenario;
        if (!sum.scenarios.includes(label)) sum.scenarios.push(label);
      }
    }
  }
  return Object.keys(losses).length > 0 ? losses : undefined;
}

/** The loss causes race entries recorded, in LOSS_CAUSES order. */
function lossCausesSeen(entries: readonly OkEntry[]): LossCause[] {
  const seen = new Set(entries.flatMap((entry) => observationsOf(entry, 'race')?.lossCauses ?? []));
  return LOSS_CAUSES.filter((cause) => seen.has(cause));
}

/** Each note text once, with the scenarios it came from; outage notes are left out (the outage section tells an outage run's course). */
function notesOf(groups: readonly EntryGroup[]): StoreScore['notes'] {
  const notes = new Map<string, Set<string>>();
  for (const group of groups) {
    for (const entry of group.ok) {
      if (outageOutcome(entry)) continue;
      for (const text of entry.notes ?? []) notes.set(text, (notes.get(text) ?? new Set()).add(group.scenario));
    }
  }
  return [...notes].map(([text, scenarios]) => ({ text, scenarios: [...scenarios] }));
}

function scoreStores(result: RunResult): StoreScore[] {
  // A store is judged as it is: entries run with a remedy (`--mitigation`) are the remedy's evidence, stated apart (remedySentence).
  const groups = groupEntries(result.entries.filter((entry) => (entry.mitigation ?? 'none') === 'none'));
  // Throughput is compared within one measurement (scenarioKey), over load scenarios only; in a --store-rtt sweep at the
  // first round trip, the others stated apart (rttSweepSentence). Objections come from every round trip: a race lost at 2 ms counts.
  const ranked = rankedAt(result.entries);
  const closed = groups.filter((group) => group.ok.length > 0 && group.ok.every(isLoadEntry) && group.ok.every(ranked));
  const fastest = new Map<string, number>();
  for (const group of closed) {
    const median = groupSpread(group, (entry) => entry.measured.throughput)!.median;
    fastest.set(group.scenarioKey, Math.max(fastest.get(group.scenarioKey) ?? 0, median));
  }
  const stores = [...new Set(groups.map((group) => group.store))];
  return stores.map((store) => {
    const own = groups.filter((group) => group.store === store);
    const ok = own.flatMap((group) => group.ok);
    const ownClosed = closed.filter((group) => group.store === store);
    const ratios = ownClosed.map((group) => groupSpread(group, (entry) => entry.measured.throughput)!.median / (fastest.get(group.scenarioKey) ?? 1));
    const first = ownClosed[0];
    const staleSessions = observationTotal(ok, 'ttl', 'stalePresent');
    const evidence: Evidence = {};
    const resurrected = observationTotal(ok, 'race', 'resurrected');
    if (resurrected !== undefined) evidence.resurrected = resurrected;
    const revokedCookieStillValid = observationTotal(ok, 'race', 'revokedCookieStillValid');
    if (revokedCookieStillValid !== undefined) evidence.revokedCookieStillValid = revokedCookieStillValid;
    const sessionMisses = worstSessionMisses(ok);
    if (sessionMisses) evidence.sessionMisses = sessionMisses;
    const outage = worstOutage(ok);
    if (outage) evidence.outage = outage;
    const restart = restartEvidence(ok);
    if (restart) evidence.restart = restart;
    const storeLosses = storeCausedLosses(own);
    if (storeLosses) evidence.storeLosses = storeLosses;
    const accepted = observationTotal(ok, 'ttl', 'acceptedAfterExpiry');
    if (accepted !== undefined) evidence.expiredAccepted = { found: accepted, outOf: accepted + (observationTotal(ok, 'ttl', 'rejectedAfterExpiry') ?? 0) };
    const server = own.find((group) => group.server)?.server;
    const capabilities = own.find((group) => group.capabilities)?.capabilities;
    const warnings = [
      ...(server ? [serverCaveat(server)] : []),
      ...(capabilities?.keepsSessions === false ? [] : capabilityWarnings(capabilities)),
      ...payloadWarnings(own),
    ].filter((warning): warning is string => warning !== undefined);
    // Failures an outage provokes, and 401s from instances without the session, are reported on their own.
    // `errors` are connection errors only; timeouts are counted apart, so the sum counts each request once.
    const failedRequests = ok
      .filter((entry) => !outageOutcome(entry) && !restartOutcome(entry))
      .reduce((sum, entry) => sum + entry.measured.errors + entry.measured.non2xx + entry.measured.timeouts - (sessionMissRate(entry) === undefined ? 0 : observationsOf(entry, 'load')?.sessionMisses ?? 0), 0);
    if (failedRequests > 0) warnings.push(`${formatCount(failedRequests)} requests failed during measurement: part of its speed is failures.`);
    const saturated = ok.filter((entry) => entry.cpu?.generatorSaturated).length;
    if (saturated > 0) warnings.push(`The load generator's core was full in ${saturated} of ${ok.length} runs: its throughput there is the generator's limit, not the store's.`);
    const { storeLosses: _losses, ...shown } = evidence;
    const score: StoreScore = {
      store,
      storeLabel: own[0]!.storeLabel,
      measured: { revocable: revokedCookieStillValid !== undefined },
      failedRequests,
      objections: objectionsFor(capabilities, own, ok, evidence),
      warnings,
      notes: notesOf(own),
      ...shown,
    };
    if (server) score.server = server;
    const relative = geometricMean(ratios);
    if (relative !== undefined) score.relativeThroughput = relative;
    if (first) {
      score.headlineThroughput = {
        scenario: first.scenario,
        scenarioKey: first.scenarioKey,
        value: groupSpread(first, (entry) => entry.measured.throughput)!.median,
        p99Us: groupSpread(first, (entry) => entry.measured.latencyUs.p99)!.median,
        throughputs: first.ok.map((entry) => entry.measured.throughput),
        p99s: first.ok.map((entry) => entry.measured.latencyUs.p99),
        // After a prefill a store's repetitions run back to back on one app: no round shared with the other stores.
        ...(first.ok.every((entry) => !entry.prefilledSessions) ? { rounds: first.ok.map((entry) => entry.repetition) } : {}),
      };
    }
    const loaded = ok.filter(isLoadEntry).filter(ranked);
    if (loaded.length > 0) score.worstP99Us = Math.max(...loaded.map((entry) => entry.measured.latencyUs.p99));
    const bytes = spreadOf(ok.flatMap((entry) => {
      const perSession = bytesPerSessionOf(entry);
      return perSession === undefined ? [] : [perSession];
    }));
    if (bytes) score.bytesPerSession = bytes.median;
    const lostUpdates = observationTotal(ok, 'race', 'lostUpdates');
    if (lostUpdates !== undefined) score.lostUpdates = lostUpdates;
    const causes = lossCausesSeen(ok);
    if (causes.length > 0) {
      score.lossCauses = causes;
      score.warnings.unshift(...causes.map((cause) => lossCauseSummary(cause, score.storeLabel, server)).filter((text): text is string => text !== undefined));
    }
    if (staleSessions !== undefined) score.staleSessions = staleSessions;
    return score;
  });
}

/** Moves resurrection objections to warnings when every store showed it (see resurrectionIsUniversal). */
function relaxUniversalResurrection(scores: StoreScore[]): StoreScore[] {
  if (!resurrectionIsUniversal(scores)) return scores;
  const universal = (objection: Objection) => objection.code === 'resurrected' || objection.code === 'revocation-failed';
  return scores.map((score) => ({
    ...score,
    objections: score.objections.filter((objection) => !universal(objection)),
    warnings: [...score.objections.filter(universal).map((objection) => objection.text), ...score.warnings],
  }));
}

function rank(a: StoreScore, b: StoreScore): number {
  const candidate = Number(a.objections.length > 0) - Number(b.objections.length > 0);
  if (candidate !== 0) return candidate;
  const speed = (b.relativeThroughput ?? -1) - (a.relativeThroughput ?? -1);
  return speed !== 0 ? speed : (a.worstP99Us ?? Infinity) - (b.worstP99Us ?? Infinity);
}

function runCaveats(result: RunResult, scores: StoreScore[]): string[] {
  const caveats: string[] = [];
  if (result.partial) caveats.push('This run was interrupted: it holds only what was measured before it stopped.');
  if (resurrectionIsUniversal(scores)) {
    caveats.push('Every server-side store saved sessions back after logout when a slow request was still in flight (expressjs/session#632): express-session writes the session it loaded at the end of that request. Guard logout in the app (e.g. a server-side revocation list); no store prevents it.');
  }
  const racing = scores.filter((score) => score.lostUpdates !== undefined);
  if (racing.length > 0 && racing.every((score) => (score.lostUpdates ?? 0) > 0)) {
    const own = racing.filter((score) => score.lossCauses?.some((cause) => cause !== 'stale-full-save')).map((score) => score.storeLabel);
    const probed = racing.some((score) => score.lossCauses?.includes('stale-full-save')) ? ' (probed: a save of a stale copy replaces newer data)' : '';
    const more = own.length > 0 ? ` ${joinWords(own)} ${own.length === 1 ? 'also loses' : 'each also lose'} writes to a mechanism of its own (see its warnings).` : '';
    caveats.push(`Every store measured lost concurrent updates to one session: express-session saves the whole session a request loaded${probed}, so concurrent saves are last-writer-wins; none serialises writes, so the app must not rely on it.${more}`);
  }
  if (result.entries.some((entry) => entry.load.model === 'open')) {
    caveats.push('Open-model (k6, fixed arrival rate) and closed-model (autocannon, fixed connections) latencies measure different things and are shown apart.');
  }
  const dropped = result.entries.reduce((sum, entry) => sum + (entry.load.driver === 'k6' ? entry.load.droppedIterations ?? 0 : 0), 0);
  if (dropped > 0) caveats.push(`k6 dropped ${formatCount(dropped)} iterations: the load generator could not hold the arrival rate.`);
  return caveats;
}

/** "a", "a and b", "a, b and c". */
function joinWords(words: readonly string[]): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/**
 * What a candidate was checked for and passed, in words. Every candidate is shared (not
 * per-process, and below the session-miss tolerance when run behind several instances),
 * revocable (logout ends the session, probed when the race ran) and verified (no run failed
 * the harness's write-then-read check or otherwise); a measured outage it recovered from.
 */
function checksPassed(choice: StoreScore): string[] {
  return [
    choice.sessionMisses ? `shared across ${choice.sessionMisses.instances} app instances` : 'shared',
    choice.measured.revocable ? 'revocable at logout (probed)' : 'revocable (declared, not probed)',
    'verified',
    ...(choice.outage?.recovered ? ['recovered from a store outage'] : []),
  ];
}

/**
 * The problems measured on a candidate that do not rule it out but a reader must weigh:
 * lost updates, sessions resurrected after logout or kept past their lifetime, and failed
 * requests; those every store showed are said to be so (the caveats explain them).
 */
function materialProblems(choice: StoreScore, scores: readonly StoreScore[]): string[] {
  const everywhere = (pick: (score: StoreScore) => number | undefined) => {
    const measured = scores.filter((score) => pick(score) !== undefined);
    return measured.length > 1 && measured.every((score) => (pick(score) ?? 0) > 0) ? ' (as every store did)' : '';
  };
  const problems: string[] = [];
  if (choice.lostUpdates) {
    const own = choice.lossCauses?.filter((cause) => cause !== 'stale-full-save') ?? [];
    const mechanism = own.length > 0 ? `, partly through ${joinWords(own.map((cause) => LOSS_CAUSE_WORDS[cause]))}` : '';
    problems.push(`lost ${formatCount(choice.lostUpdates)} concurrent updates to one session${everywhere((score) => score.lostUpdates)}${mechanism}`);
  }
  if (choice.resurrected) problems.push(`saved ${formatCount(choice.resurrected)} sessions back after logout${everywhere((score) => score.resurrected)}`);
  if (choice.revokedCookieStillValid) problems.push(`accepted ${formatCount(choice.revokedCookieStillValid)} cookies after logout${everywhere((score) => score.revokedCookieStillValid)}`);
  if (choice.staleSessions) problems.push(`still held ${formatCount(choice.staleSessions)} expired sessions`);
  if (choice.failedRequests > 0) problems.push(`had ${formatCount(choice.failedRequests)} failed requests (errors, timeouts, non-2xx) under load`);
  return problems;
}

/** A figure as a share off another: "12 % slower". */
function percentApart(value: number, reference: number): string {
  return `${Math.round(Math.abs(1 - value / reference) * 100)} %`;
}

/**
 * How far the runner-up is behind, in the figures the decision used: with a noise rule, the fitted levels
 * and the rule's resolution side by side, both as how much faster the choice is ("Redis is 31 % faster …
 * above 24 %"); without one, the medians.
 */
function nextBestGap(choice: StoreScore, runnerUp: StoreScore, rule: NoiseRule | undefined): string {
  const ahead = rule?.levels?.[choice.store];
  const behind = rule?.levels?.[runnerUp.store];
  if (!rule || !ahead || !behind) return `, ${percentApart(runnerUp.headlineThroughput!.value, choice.headlineThroughput!.value)} slower`;
  return `; ${choice.storeLabel} is ${Math.round(Math.expm1(ahead.logLevel - behind.logLevel) * 100)} % faster than it by the fitted levels${rule.design === 'rounds' ? ", each round's offset taken out" : ''} (${resolution(rule)})`;
}

/** "the run resolves differences above 9 % (95 % confidence, 3 repetitions per store)". */
function resolution(rule: NoiseRule): string {
  return `the run resolves throughput differences above ${Math.max(1, Math.round(rule.smallestResolvable * 100))} % (${Math.round(rule.confidence * 100)} % confidence, ${formatCount(rule.repetitions)} repetitions)`;
}

/**
 * Orders the candidates (stores with no objection) and decides among the fastest by the run's own
 * noise: candidates whose throughput the run cannot tell from the leader's are tied, and the tie is
 * decided by p99 (lower is better) when that can be told apart, else it stays a tie.
 */
function decide(candidates: StoreScore[]): { ordered: StoreScore[]; decision: Decision } {
  const byThroughput = [...candidates].sort((a, b) => (b.relativeThroughput ?? -1) - (a.relativeThroughput ?? -1) || (a.worstP99Us ?? Infinity) - (b.worstP99Us ?? Infinity));
  const leader = byThroughput[0];
  if (!leader?.headlineThroughput) return { ordered: byThroughput, decision: { tiedOnThroughput: [], decidedBy: 'none' } };
  const comparable = byThroughput.filter((score) => score.headlineThroughput?.scenarioKey === leader.headlineThroughput!.scenarioKey);
  const sample = (score: StoreScore, pick: 'throughputs' | 'p99s') => {
    const { rounds } = score.headlineThroughput!;
    return { key: score.store, values: score.headlineThroughput![pick], ...(rounds ? { rounds } : {}) };
  };
  const throughputRule = noiseRule('throughput', comparable.map((score) => sample(score, 'throughputs')));
  if (comparable.length === 1) return { ordered: byThroughput, decision: { ...(throughputRule ? { throughputRule } : {}), tiedOnThroughput: [leader.store], decidedBy: 'one-candidate' } };
  if (!throughputRule) return { ordered: byThroughput, decision: { tiedOnThroughput: [], decidedBy: 'too-few-repetitions' } };
  const tied = comparable.filter((score) => !resolvablyAhead(throughputRule, leader.store, score.store));
  if (tied.length === 1) return { ordered: byThroughput, decision: { throughputRule, tiedOnThroughput: [leader.store], decidedBy: 'throughput' } };
  const p99Rule = noiseRule('p99', tied.map((score) => sample(score, 'p99s')));
  const byP99 = [...tied].sort((a, b) => a.headlineThroughput!.p99Us - b.headlineThroughput!.p99Us);
  const best = byP99[0]!;
  const clearlyLower = p99Rule !== undefined && byP99.slice(1).every((score) => resolvablyAhead(p99Rule, score.store, best.store));
  const ordered = [...byP99, ...byThroughput.filter((score) => !tied.includes(score))];
  return { ordered, decision: { throughputRule, ...(p99Rule ? { p99Rule } : {}), tiedOnThroughput: byP99.map((score) => score.store), decidedBy: clearlyLower ? 'p99' : 'tie' } };
}

function headlineFor(choice: StoreScore | undefined, scores: StoreScore[], decision: Decision): string {
  if (!choice) {
    const measured = scores.filter((score) => score.relativeThroughput !== undefined);
    return measured.length === 0
      ? 'No store was measured in this run.'
      : 'No store measured in this run can be recommended: each has an objection below.';
  }
  const where = choice.server ? ` on ${choice.server.label}` : '';
  const evidence = [
    choice.headlineThroughput && `${formatRate(choice.headlineThroughput.value)} on ${choice.headlineThroughput.scenario} with p99 ${formatUs(choice.headlineThroughput.p99Us)}`,
    choice.bytesPerSession !== undefined && `${formatBytes(choice.bytesPerSession)} per session`,
    choice.resurrected === 0 && 'no session resurrected after logout',
    choice.sessionMisses && `${formatMissRate(choice.sessionMisses.rate)} session misses behind ${choice.sessionMisses.instances} app instances`,
    choice.outage && `store outage: ${formatOutageBrief(choice.outage)}`,
  ].filter((part): part is string => typeof part === 'string');
  const problems = materialProblems(choice, scores);
  const but = problems.length === 0 ? '' : ` It ${joinWords(problems)}: see below.`;
  const labels = (ids: readonly AnyStoreId[]) => joinWords(ids.map((id) => scores.find((score) => score.store === id)!.storeLabel));
  const checks = joinWords(checksPassed(choice));
  switch (decision.decidedBy) {
    case 'too-few-repetitions': {
      const runnerUp = scores.find((score) => score !== choice && score.objections.length === 0);
      const apart = runnerUp?.headlineThroughput && choice.headlineThroughput ? ` (next: ${runnerUp.storeLabel}, ${percentApart(runnerUp.headlineThroughput.value, choice.headlineThroughput.value)} apart)` : '';
      return `No verdict on speed: with one repetition per store this run cannot tell noise from a difference. ${choice.storeLabel}${where} came out fastest of the stores that are ${checks}${apart}; run with --repeat 3 or more (the default run does) to decide.${but}`;
    }
    case 'tie':
      return `${labels(decision.tiedOnThroughput)} are tied on throughput and on p99 (within noise: ${resolution(decision.throughputRule!)}), and each is ${checks}: choose among them on other grounds (what you already operate, persistence, cost). ${choice.storeLabel}${where}: ${evidence.join('; ')}.${but}`;
    case 'p99': {
      const others = decision.tiedOnThroughput.filter((id) => id !== choice.store);
      return `Use ${choice.storeLabel}${where}: tied on throughput with ${labels(others)} (within noise: ${resolution(decision.throughputRule!)}), it has the lower p99, and it is ${checks} (${evidence.join('; ')}).${but}`;
    }
    case 'one-candidate':
      return `Use ${choice.storeLabel}${where}: the only store measured that is ${checks} (${evidence.join('; ')}).${but}`;
    default: {
      const runnerUp = scores.find((score) => score !== choice && score.objections.length === 0);
      const versus =
        runnerUp?.headlineThroughput && choice.headlineThroughput
          ? ` Next best: ${runnerUp.storeLabel}${nextBestGap(choice, runnerUp, decision.throughputRule)}.`
          : '';
      return `Use ${choice.storeLabel}${where}: the fastest store that is ${checks} (${evidence.join('; ')}).${but}${versus}`;
    }
  }
}

/** Ranks the stores of one run and states which to use, why, and what to watch out for. */
export function recommendStore(result: RunResult): Recommendation {
  const scores = relaxUniversalResurrection(scoreStores(result));
  const { ordered, decision } = decide(scores.filter((score) => score.objections.length === 0 && score.relativeThroughput !== undefined));
  const rest = scores.filter((score) => !ordered.includes(score)).sort(rank);
  const all = [...ordered, ...rest];
  const choice = ordered[0] ?? all.find((score) => score.objections.length === 0);
  const findings = remedyFindings(result.entries.filter(rankedAt(result.entries)));
  const remedy = choice ? cheapestFix(findings, choice.store) : undefined;
  const tried = choice ? [...new Set(findings.filter((f) => f.store === choice.store && f.mitigation !== 'none' && f.race).map((f) => f.mitigation))] : [];
  const atRate = latencyAtRate(result, ordered.map((score) => score.store), choice?.headlineThroughput?.scenario);
  const rttSweep = rankingAcrossRtts(result, (choice ?? all[0])?.headlineThroughput?.scenarioKey);
  const labelOf = (id: AnyStoreId) => all.find((score) => score.store === id)?.storeLabel ?? id;
  const headline = [
    headlineFor(choice, all, decision),
    choice ? fasterButRuledOut(choice, all) : undefined,
    choice ? remedySentence(choice, remedy, tried) : undefined,
    atRate ? atRateSentence(atRate, labelOf) : undefined,
    rttSweep ? rttSweepSentence(rttSweep, labelOf) : undefined,
  ]
    .filter(Boolean)
    .join(' ');
  return { ...(choice ? { choice } : {}), ...(remedy ? { remedy } : {}), decision, headline, scores: all, caveats: runCaveats(result, all), ...(atRate ? { atRate } : {}), ...(rttSweep ? { rttSweep } : {}) };
}
/**
 * The stores faster than the choice that an objection rules out, with why in a few words: "Faster but ruled
 * out: memcached (loses every session on restart (30 of 30))." Undefined when none was faster.
 */
function fasterButRuledOut(choice: StoreScore, scores: readonly StoreScore[]): string | undefined {
  const faster = scores.filter(
    (score) => score.objections.length > 0 && !score.objections.some((one) => one.code === 'baseline') && (score.relativeThroughput ?? -1) > (choice.relativeThroughput ?? Infinity),
  );
  if (faster.length === 0) return undefined;
  // A label carries its own parentheses ("MemoryStore (express-session)"): the reason follows a dash, not more of them.
  const why = (score: StoreScore) => `${score.storeLabel} — ${[...new Set(score.objections.map(objectionBrief))].join(', ')}`;
  return `Faster but ruled out: ${faster.map(why).join('; ')}.`;
}

/**
 * The shared problem said once, with the cheapest measured remedy on the chosen store and its cost
 * (read-heavy throughput and p99 against no remedy, the 20 parallel requests' completion), or that none fixed it.
 */
function remedySentence(choice: StoreScore, remedy: ReturnType<typeof cheapestFix>, tried: readonly MitigationId[]): string | undefined {
  if (tried.length === 0) return undefined;
  if (!remedy) return `None of the remedies measured on it (${tried.join(', ')}) brought its lost updates and resurrected logouts to zero at every instance count raced.`;
  const sum = (pick: (f: RemedyFinding) => number) => remedy.findings.reduce((n, f) => n + pick(f), 0);
  const instances = remedy.findings.map((f) => f.instances).sort((a, b) => a - b);
  const cost = remedy.findings
    .filter((f) => f.readHeavy?.throughputVsNone !== undefined)
    .map((f) => `${Math.round(f.readHeavy!.throughputVsNone! * 100)}% of its read-heavy throughput with p99 ${formatUs(f.readHeavy!.p99Us)} at ${f.instances} instance${f.instances > 1 ? 's' : ''}`);
  const completion = remedy.findings.filter((f) => f.race?.burstP50Ms !== undefined).map((f) => `${Math.round(f.race!.burstP50Ms!)} ms`);
  return (
    `Lost updates and logouts undone are express-session's whole-session save, not the store's: with the ${remedy.mitigation} remedy (--mitigation ${remedy.mitigation}) it lost ${formatCount(sum((f) => f.race!.lostUpdates))} of ${formatCount(sum((f) => f.race!.increments))} increments ` +
    `and brought back ${formatCount(sum((f) => f.race!.resurrected))} of ${formatCount(sum((f) => f.race!.logouts))} logged-out sessions at ${joinWords(instances.map(String))} instance${instances.length > 1 || instances[0]! > 1 ? 's' : ''} ` +
    `(${formatCount(sum((f) => f.race!.rejectedInBursts + f.race!.rejectedAfterLogout))} saves refused, ${formatCount(sum((f) => f.race!.retries))} retried)` +
    `${cost.length > 0 ? `, at ${joinWords(cost)}` : ''}${completion.length > 0 ? `; 20 parallel requests of one session took ${joinWords(completion)} (median)` : ''}.` +
    (remedy.tiedWith.length > 0 ? ` ${joinWords(remedy.tiedWith)} also brought both to zero, at a read-heavy throughput this run cannot tell apart; ${remedy.mitigation} has the fewest moving parts.` : '')
  );
}

/** The recommendation as data for results.json: the headline, the rule and figures it used, each store's objections as codes and counts. */
export function verdictOf(recommendation: Recommendation): Verdict {
  const { decision } = recommendation;
  return {
    headline: recommendation.headline,
    ...(recommendation.choice ? { choice: recommendation.choice.store } : {}),
    decidedBy: decision.decidedBy,
    tiedOnThroughput: decision.tiedOnThroughput,
    ...(decision.throughputRule ? { throughputRule: decision.throughputRule } : {}),
    ...(decision.p99Rule ? { p99Rule: decision.p99Rule } : {}),
    objections: Object.fromEntries(recommendation.scores.map((score) => [score.store, score.objections.map(({ code, count }) => ({ code, ...(count ? { found: count.found, outOf: count.outOf } : {}) }))])),
    ...(recommendation.atRate ? { atRate: recommendation.atRate } : {}),
    ...(recommendation.rttSweep ? { rttSweep: recommendation.rttSweep } : {}),
  };
}
