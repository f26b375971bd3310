import type { MitigationId, AnyStoreId } from '../../contract/vocabulary.ts';
import type { OkEntry, ResultEntry, RunResult } from '../../contract/result.ts';
import { MITIGATION_IDS } from '../../contract/vocabulary.ts';
import type { TextTable } from '../figures/text-table.ts';
import { spreadOf } from '../figures/spread.ts';
import { formatCount, formatUs } from '../figures/format.ts';

/** What one remedy did on one store at one instance count, summed over its race entries (every settings variant). */
export interface RemedyFinding {
  /** Store id. */
  store: AnyStoreId;
  /** Store label, for display. */
  storeLabel: string;
  /** The remedy (`none`: express-session as it is). */
  mitigation: MitigationId;
  /** App instances behind the balancer. */
  instances: number;
  /** Race totals; absent when no race ran. */
  race?: {
    lostUpdates: number;
    increments: number;
    itemsMissing: number;
    items: number;
    resurrected: number;
    logouts: number;
    cookiesValidAfterLogout: number;
    /** Saves refused during the bursts (lost work unless retried) and during the logout probe (resurrections prevented). */
    rejectedInBursts: number;
    rejectedAfterLogout: number;
    retries: number;
    /** Median over race entries of each one's median and worst burst completion (20 parallel requests of one session). */
    burstP50Ms?: number;
    burstMaxMs?: number;
  };
  /** Read-heavy (closed model): medians over repetitions (throughput with its min–max), and the medians against `none` on this store and instance count. */
  readHeavy?: { throughput: number; throughputRange: [number, number]; p99Us: number; throughputVsNone?: number; p99VsNone?: number };
}

const mitigationOf = (entry: ResultEntry): MitigationId => entry.mitigation ?? 'none';
const keyOf = (entry: ResultEntry) => JSON.stringify([entry.store, mitigationOf(entry), entry.instances ?? 1]);
const median = (values: number[]) => spreadOf(values)?.median;

/** One finding per store × mitigation × instances the run measured with a race or read-heavy entry, in the order seen. */
export function remedyFindings(entries: readonly ResultEntry[]): RemedyFinding[] {
  const ok = entries.filter((entry): entry is OkEntry => entry.status === 'ok');
  const keys = [...new Set(ok.filter((entry) => entry.observations?.kind === 'race' || entry.scenario === 'read-heavy').map(keyOf))];
  const readHeavy = (key: string) => {
    const runs = ok.filter((entry) => keyOf(entry) === key && entry.scenario === 'read-heavy' && entry.load.model === 'closed');
    const throughput = spreadOf(runs.map((entry) => entry.measured.throughput));
    const p99Us = median(runs.map((entry) => entry.measured.latencyUs.p99));
    return throughput === undefined || p99Us === undefined ? undefined : { throughput: throughput.median, throughputRange: [throughput.min, throughput.max] as [number, number], p99Us };
  };
  return keys.map((key) => {
    const [store, mitigation, instances] = JSON.parse(key) as [AnyStoreId, MitigationId, number];
    const own = ok.filter((entry) => keyOf(entry) === key);
    const finding: RemedyFinding = { store, storeLabel: own[0]!.storeLabel, mitigation, instances };
    const races = own.flatMap((entry) => (entry.observations?.kind === 'race' && entry.scenario === 'race' ? [entry.observations] : []));
    if (races.length > 0) {
      const sum = (pick: (o: (typeof races)[number]) => number | undefined) => races.reduce((n, o) => n + (pick(o) ?? 0), 0);
      finding.race = {
        lostUpdates: sum((o) => o.lostUpdates),
        increments: sum((o) => o.expectedCount),
        itemsMissing: sum((o) => o.itemsMissing),
        items: sum((o) => o.itemsExpected),
        resurrected: sum((o) => o.resurrected),
        logouts: sum((o) => o.resurrectionProbes),
        cookiesValidAfterLogout: sum((o) => o.revokedCookieStillValid),
        rejectedInBursts: sum((o) => o.mitigationCounts?.bursts.rejectedSaves),
        rejectedAfterLogout: sum((o) => o.mitigationCounts?.logoutProbe.rejectedSaves),
        retries: sum((o) => (o.mitigationCounts ? o.mitigationCounts.bursts.retries + o.mitigationCounts.logoutProbe.retries : 0)),
      };
      const p50 = median(races.flatMap((o) => (o.burstCompletionMs ? [o.burstCompletionMs.p50] : [])));
      const max = median(races.flatMap((o) => (o.burstCompletionMs ? [o.burstCompletionMs.max] : [])));
      if (p50 !== undefined) finding.race.burstP50Ms = p50;
      if (max !== undefined) finding.race.burstMaxMs = max;
    }
    const measured = readHeavy(key);
    if (measured) {
      const none = readHeavy(JSON.stringify([store, 'none', instances]));
      finding.readHeavy = { ...measured, ...(none ? { throughputVsNone: measured.throughput / none.throughput, p99VsNone: measured.p99Us / none.p99Us } : {}) };
    }
    return finding;
  });
}

/** True when the remedy's race lost nothing and brought no session back, and no save was refused during the bursts. */
export function fixesRace(finding: RemedyFinding): boolean {
  const race = finding.race;
  return race !== undefined && race.lostUpdates === 0 && race.itemsMissing === 0 && race.resurrected === 0 && race.cookiesValidAfterLogout === 0 && race.rejectedInBursts === 0;
}

/** True when `a`'s read-heavy throughput is above `b`'s beyond the repetitions' spread at every instance count both measured. */
function fasterBeyondSpread(a: readonly RemedyFinding[], b: readonly RemedyFinding[]): boolean {
  const pairs = a.flatMap((fa) => b.filter((fb) => fb.instances === fa.instances && fa.readHeavy && fb.readHeavy).map((fb) => [fa.readHeavy!, fb.readHeavy!] as const));
  return pairs.length > 0 && pairs.every(([ra, rb]) => ra.throughputRange[0] > rb.throughputRange[1]);
}

/**
 * The cheapest remedy that fixed the race on `store` at every instance count it was raced at, and
 * whether its read-heavy throughput was told apart from the others that did. Remedies are taken in
 * MITIGATION_IDS order (fewest moving parts first); a later one wins only when its throughput is above
 * the earlier's beyond the repetitions' min–max at every instance count: otherwise they are tied.
 */
export function cheapestFix(findings: readonly RemedyFinding[], store: AnyStoreId): { mitigation: MitigationId; findings: RemedyFinding[]; tiedWith: MitigationId[] } | undefined {
  const own = findings.filter((finding) => finding.store === store && finding.mitigation !== 'none' && finding.race);
  const candidates = MITIGATION_IDS.map((mitigation) => own.filter((finding) => finding.mitigation === mitigation)).filter((group) => group.length > 0 && group.every(fixesRace));
  const best = candidates.reduce<RemedyFinding[] | undefined>((chosen, group) => (!chosen || fasterBeyondSpread(group, chosen) ? group : chosen), undefined);
  if (!best) return undefined;
  const tiedWith = candidates.filter((group) => group !== best && !fasterBeyondSpread(best, group)).map((group) => group[0]!.mitigation);
  return { mitigation: best[0]!.mitigation, findings: best, tiedWith };
}

const percent = (ratio: number | undefined) => (ratio === undefined ? '–' : `${Math.round(ratio * 100)}%`);
const ms = (value: number | undefined) => (value === undefined ? '–' : `${Math.round(value)} ms`);

/**
 * Every store × mitigation × instances of a run that measured a remedy (empty otherwise): the
 * race's counts of N and what was refused or retried, the 20 parallel requests' completion,
 * and read-heavy throughput and p99 against no remedy.
 */
export function remediesTable(result: Pick<RunResult, 'entries'>): TextTable {
  const measured = result.entries.some((entry) => entry.mitigation !== undefined && entry.mitigation !== 'none');
  const findings = measured ? remedyFindings(result.entries) : [];
  const rows = findings.map((f) => {
    const r = f.race;
    return [
      f.storeLabel,
      f.mitigation,
      String(f.instances),
      r ? `${formatCount(r.lostUpdates)} of ${formatCount(r.increments)}` : '–',
      r ? `${formatCount(r.itemsMissing)} of ${formatCount(r.items)}` : '–',
      r ? `${formatCount(r.resurrected)} of ${formatCount(r.logouts)} · ${formatCount(r.cookiesValidAfterLogout)}` : '–',
      r ? `${formatCount(r.rejectedInBursts)} / ${formatCount(r.rejectedAfterLogout)} / ${formatCount(r.retries)}` : '–',
      r ? `${ms(r.burstP50Ms)} (max ${ms(r.burstMaxMs)})` : '–',
      f.readHeavy ? `${percent(f.readHeavy.throughputVsNone)} · p99 ${formatUs(f.readHeavy.p99Us)} (${percent(f.readHeavy.p99VsNone)})` : '–',
    ];
  });
  const titles = ['Store', 'Mitigation', 'Instances', 'Lost updates', 'Lost appends', 'Resurrected · old cookie still valid', 'Refused in bursts / after logout / retries', '20 parallel requests done: median (worst)', 'Read-heavy throughput vs none · p99 (vs none)'];
  return {
    columns: titles.map((title) => ({ title, numeric: false })),
    rows,
    notes: rows.length === 0 ? [] : ['Race counts are summed over the resave=false, resave=true and rolling=true runs; an update counts as lost unless it is in the final session. Completion: the median over those runs of each run\'s median and worst burst (10 sessions burst at once).'],
  };
}
