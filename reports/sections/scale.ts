import type { OkEntry, ResultEntry, RunResult } from '../../contract/result.ts';
import { spreadOf } from '../figures/spread.ts';
import type { Spread } from '../figures/spread.ts';
import type { SectionCharts, ChartSpec, LabelledRun, Series } from './chart-spec.ts';
import { seriesOf, tablesPerRun } from './chart-spec.ts';
import { formatBytes, formatCount, formatRate, formatUs } from '../figures/format.ts';
import type { TextTable } from '../figures/text-table.ts';
import type { AnyStoreId } from '../../contract/vocabulary.ts';

/** A throughput this much below the smallest count's, or a p99 / bytes per session this much above it, counts as growing cost. */
export const SCALE_GROWTH = { throughputDrop: 0.2, p99Rise: 0.5, bytesRise: 0.5 } as const;

/** One store × scenario at one stored-session count: medians over its ok repetitions. */
export interface ScalePoint {
  /** Store id. */
  store: AnyStoreId;
  /** Store label as the run wrote it. */
  storeLabel: string;
  /** Scenario id. */
  scenario: string;
  /** Sessions prefilled before measuring. */
  sessions: number;
  /** Median throughput, req/s (load-model entries only). */
  throughput?: number;
  /** Median p99 latency, µs. */
  p99Us?: number;
  /** Median p99 of the store's own `get`, µs, timed inside the app under load (includes event-loop queueing). */
  storeGetP99Us?: number;
  /** Median p50 of the store's `get` measured alone (serial calls after the prefill, no load), µs. */
  storeGetAloneP50Us?: number;
  /** The server's own size after the prefill (or the app heap for an in-process store), bytes. */
  storeBytes?: number;
  /** Where `storeBytes` comes from. */
  storeBytesSource?: string;
  /** Growth of that memory per prefilled session, bytes. */
  bytesPerSession?: number;
  /** Prefill rate, sessions per second. */
  prefillRate?: number;
  /** Logged-in users the load spread over (`--users`); absent: one per connection. */
  users?: number;
  /** How each request picked its user (`--distribution`). */
  distribution?: string;
  /** Median count of different sessions the measured phase read. */
  distinctSessions?: number;
  /** Median share of the server's lookups it answered from memory over the measured phase (0–1), and the counters it comes from. */
  hitRatio?: number;
  hitSource?: string;
  /** What the intrinsic get read: random prefilled sessions, or the sessions the probe had just written. */
  storeGetAloneRead?: 'just-written' | 'random-prefilled';
  /** Ok repetitions behind the medians. */
  repetitions: number;
  /** Lowest and highest throughput over the repetitions. */
  throughputRange?: { min: number; max: number };
  /** Lowest and highest p99 over the repetitions, µs. */
  p99Range?: { min: number; max: number };
}

/** Where a store's cost grows with stored sessions: the first count at which a metric passed its SCALE_GROWTH bound. */
export interface ScaleFinding {
  /** Store id. */
  store: AnyStoreId;
  /** Store label. */
  storeLabel: string;
  /** Scenario id. */
  scenario: string;
  /** Which cost grew. */
  metric: 'throughput' | 'p99' | 'bytes per session';
  /** The smallest count measured and its value. */
  from: { sessions: number; value: number };
  /** The first count past the bound and its value. */
  at: { sessions: number; value: number };
  /** `at.value / from.value`. */
  ratio: number;
}

/** Median and min–max of the values an entry gives (entries without one are left out). */
function spreadOfEntries(entries: readonly OkEntry[], pick: (entry: OkEntry) => number | undefined) {
  return spreadOf(entries.map(pick).filter((value): value is number => value !== undefined));
}

/** One point per store × scenario × prefilled count that has ok entries recording a count. */
export function scalePoints(result: RunResult): ScalePoint[] {
  return scalePointsOf(result.entries);
}

/** scalePoints over any entries (e.g. one chart series' groups). */
export function scalePointsOf(entries: readonly ResultEntry[]): ScalePoint[] {
  const groups = new Map<string, OkEntry[]>();
  for (const entry of entries) {
    if (entry.status !== 'ok' || entry.prefilledSessions === undefined) continue;
    const users = entry.load.driver === 'harness' ? null : [entry.load.users ?? null, entry.load.distribution ?? null];
    const key = JSON.stringify([entry.store, entry.scenario, entry.variant ?? null, entry.payloadBytes ?? null, entry.prefilledSessions, users]);
    groups.set(key, [...(groups.get(key) ?? []), entry]);
  }
  return [...groups.values()].map((entries) => {
    const first = entries[0]!;
    const prefill = entries.find((entry) => entry.prefill)?.prefill;
    const load = first.load.model !== 'scripted';
    const throughput = load ? spreadOfEntries(entries, (entry) => entry.measured.throughput) : undefined;
    const p99 = spreadOfEntries(entries, (entry) => entry.measured.latencyUs.p99);
    const range = (spread: Spread | undefined) => (spread ? { min: spread.min, max: spread.max } : undefined);
    const users = first.load.driver === 'harness' ? undefined : first.load.users;
    const distribution = first.load.driver === 'harness' ? undefined : first.load.distribution;
    const hitRatio = spreadOfEntries(entries, (entry) => {
      const cache = entry.measured.serverCache;
      return cache && cache.hits + cache.misses > 0 ? cache.hits / (cache.hits + cache.misses) : undefined;
    })?.median;
    const hitSource = entries.find((entry) => entry.measured.serverCache)?.measured.serverCache?.source;
    const read = entries.find((entry) => entry.storeOpsIntrinsicGets)?.storeOpsIntrinsicGets;
    return {
      ...(users !== undefined ? { users } : {}),
      ...(distribution !== undefined ? { distribution } : {}),
      ...(hitRatio !== undefined ? { hitRatio, hitSource } : {}),
      ...(read ? { storeGetAloneRead: read } : {}),
      distinctSessions: spreadOfEntries(entries, (entry) => entry.measured.distinctSessions)?.median,
      store: first.store,
      storeLabel: first.storeLabel,
      scenario: first.scenario,
      sessions: first.prefilledSessions ?? 0,
      ...(load ? { throughput: throughput?.median } : {}),
      p99Us: p99?.median,
      storeGetP99Us: spreadOfEntries(entries, (entry) => entry.storeOps?.get?.p99)?.median,
      storeGetAloneP50Us: spreadOfEntries(entries, (entry) => entry.storeOpsIntrinsic?.get?.p50)?.median,
      storeBytes: prefill ? (prefill.server?.after ?? prefill.appHeap.after) : undefined,
      storeBytesSource: prefill ? (prefill.server?.source ?? 'app heap (V8, after GC)') : undefined,
      bytesPerSession: prefill?.bytesPerSession,
      prefillRate: prefill?.ratePerSecond,
      repetitions: entries.length,
      ...(load ? { throughputRange: range(throughput) } : {}),
      p99Range: range(p99),
    };
  });
}

/** True when the run swept stored sessions (some entry was prefilled). */
export function sweepsStoredSessions(result: RunResult): boolean {
  return result.entries.some((entry) => (entry.prefilledSessions ?? 0) > 0);
}

/** Repetitions a count needs before a change in throughput or p99 is read as growth rather than noise. */
export const MIN_REPETITIONS = 2;

/**
 * Where each store's cost grows: for throughput and p99, the first count whose median passed its
 * SCALE_GROWTH bound against the smallest count measured AND whose range over repetitions does
 * not overlap that count's (both with at least MIN_REPETITIONS); for bytes per session (one
 * prefill's own figure, not a noisy rate) the bound alone.
 */
export function scaleFindings(points: readonly ScalePoint[]): ScaleFinding[] {
  const byStore = new Map<string, ScalePoint[]>();
  for (const point of points) byStore.set(`${point.store}/${point.scenario}`, [...(byStore.get(`${point.store}/${point.scenario}`) ?? []), point]);
  const apart = (a: ScalePoint, b: ScalePoint, pick: (p: ScalePoint) => { min: number; max: number } | undefined, higher: boolean) => {
    const [ra, rb] = [pick(a), pick(b)];
    if (!ra || !rb || a.repetitions < MIN_REPETITIONS || b.repetitions < MIN_REPETITIONS) return false;
    return higher ? rb.min > ra.max : rb.max < ra.min;
  };
  const rules: Array<{ metric: ScaleFinding['metric']; pick: (p: ScalePoint) => number | undefined; grew: (ratio: number, base: ScalePoint, at: ScalePoint) => boolean }> = [
    { metric: 'throughput', pick: (p) => p.throughput, grew: (ratio, base, at) => ratio < 1 - SCALE_GROWTH.throughputDrop && apart(base, at, (p) => p.throughputRange, false) },
    { metric: 'p99', pick: (p) => p.p99Us, grew: (ratio, base, at) => ratio > 1 + SCALE_GROWTH.p99Rise && apart(base, at, (p) => p.p99Range, true) },
    { metric: 'bytes per session', pick: (p) => p.bytesPerSession, grew: (ratio) => ratio > 1 + SCALE_GROWTH.bytesRise },
  ];
  return [...byStore.values()].flatMap((series) => {
    const sorted = [...series].sort((a, b) => a.sessions - b.sessions);
    return rules.flatMap(({ metric, pick, grew }) => {
      const measured = sorted.filter((point) => (pick(point) ?? 0) > 0);
      const base = measured[0];
      const at = base && measured.slice(1).find((point) => grew(pick(point)! / pick(base)!, base, point));
      if (!base || !at) return [];
      const from = { sessions: base.sessions, value: pick(base)! };
      const to = { sessions: at.sessions, value: pick(at)! };
      return [{ store: base.store, storeLabel: base.storeLabel, scenario: base.scenario, metric, from, at: to, ratio: to.value / from.value }];
    });
  });
}

const formatSessions = (n: number): string => (n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}M` : n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : formatCount(n));

/** One sentence per finding, e.g. "PostgreSQL: p99 grows ×2.1 from 0 to 1M stored sessions (1.2 ms → 2.5 ms)". */
export function describeFinding(finding: ScaleFinding): string {
  const format = finding.metric === 'throughput' ? formatRate : finding.metric === 'p99' ? formatUs : formatBytes;
  const verb = finding.metric === 'throughput' ? 'falls to' : 'grows';
  return `${finding.storeLabel} · ${finding.scenario}: ${finding.metric} ${verb} ×${finding.ratio.toFixed(2)} from ${formatSessions(finding.from.sessions)} to ${formatSessions(finding.at.sessions)} stored sessions (${format(finding.from.value)} → ${format(finding.at.value)})`;
}

/** The scale sweep as a table: one row per store × scenario × stored-session count. */
export function scaleTable(result: RunResult): TextTable {
  const measured = scalePoints(result);
  const points = [...measured].sort((a, b) => a.store.localeCompare(b.store) || a.scenario.localeCompare(b.scenario) || a.sessions - b.sessions);
  const cell = (value: number | undefined, format: (v: number) => string) => (value === undefined ? '—' : format(value));
  const findings = scaleFindings(measured).map(describeFinding);
  const single = points.some((p) => p.repetitions < MIN_REPETITIONS);
  return {
    columns: [
      { title: 'Store', numeric: false },
      { title: 'Scenario', numeric: false },
      { title: 'Stored sessions', numeric: true },
      { title: 'Users', numeric: true },
      { title: 'Distinct sessions read', numeric: true },
      { title: 'Server hit ratio', numeric: true },
      { title: 'Throughput', numeric: true },
      { title: 'p99', numeric: true },
      { title: 'Store get alone p50', numeric: true },
      { title: 'Store get p99 under load', numeric: true },
      { title: 'Store size after prefill', numeric: true },
      { title: 'Bytes / session', numeric: true },
      { title: 'Prefill rate', numeric: true },
    ],
    rows: points.map((p) => [
      p.storeLabel,
      p.scenario,
      formatCount(p.sessions),
      p.users === undefined ? 'one per connection' : `${formatCount(p.users)} (${p.distribution ?? 'zipfian'})`,
      cell(p.distinctSessions, formatCount),
      cell(p.hitRatio, (ratio) => `${(ratio * 100).toFixed(1)} %`),
      cell(p.throughput, formatRate),
      cell(p.p99Us, formatUs),
      cell(p.storeGetAloneP50Us, (us) => `${formatUs(us)}${p.storeGetAloneRead ? ` (${GET_ALONE_READ[p.storeGetAloneRead]})` : ''}`),
      cell(p.storeGetP99Us, formatUs),
      p.storeBytes === undefined ? '—' : `${formatBytes(p.storeBytes)} (${p.storeBytesSource})`,
      cell(p.bytesPerSession, formatBytes),
      cell(p.prefillRate, (rate) => `${formatCount(Math.round(rate))}/s`),
    ]),
    notes: scaleNotes(findings, single, points.every((p) => p.repetitions < MIN_REPETITIONS)),
  };
}

/** What the intrinsic get read, as the table says it. */
const GET_ALONE_READ = { 'just-written': 'sessions just written', 'random-prefilled': 'random stored sessions' } as const;

/**
 * The notes under the table. Throughput and p99 growth is judged only where counts ran
 * MIN_REPETITIONS times or more: where every count ran once it "was not judged" — never "did not grow".
 */
export function scaleNotes(findings: readonly string[], someSingle: boolean, allSingle: boolean): string[] {
  const rule = `throughput down ${SCALE_GROWTH.throughputDrop * 100} % or p99 up ${SCALE_GROWTH.p99Rise * 100} % beyond the spread of ${MIN_REPETITIONS}+ repetitions, bytes per session up ${SCALE_GROWTH.bytesRise * 100} %`;
  const notJudged = `Growth in throughput and p99 was not judged for counts that ran once: one repetition cannot tell a change from this machine's noise (use --repeat ${MIN_REPETITIONS} or more).`;
  if (findings.length > 0) return [`Where the cost grows (${rule}, against the smallest count): ${findings.join('; ')}.`, ...(someSingle ? [notJudged] : [])];
  if (allSingle) return [`Growth in throughput and p99 was not judged: every count ran once, and one repetition cannot tell a change from this machine's noise (use --repeat ${MIN_REPETITIONS} or more). No bytes per session grew by ${SCALE_GROWTH.bytesRise * 100} %.`];
  return [someSingle ? `Where it was judged, no store's cost grew by the rule (${rule}).` : `No store's cost grew by the rule (${rule}).`, ...(someSingle ? [notJudged] : [])];
}

function scaleChart(id: string, title: string, caption: string, series: readonly Series[], unit: ChartSpec['y']['unit'], yTitle: string, pick: (p: ScalePoint) => number | undefined, points: (series: Series) => ScalePoint[], logarithmic = false): ChartSpec {
  return {
    id,
    title,
    caption: `${caption} Stored sessions on a log axis; 0 is drawn at 1.`,
    type: 'line',
    x: { title: 'stored sessions (prefilled)', linear: true, logarithmic: true },
    y: { title: yTitle, unit, ...(logarithmic ? { logarithmic } : {}) },
    datasets: series.map((one) => ({
      label: one.label,
      color: one.color,
      data: points(one)
        .filter((p) => pick(p) !== undefined)
        .sort((a, b) => a.sessions - b.sessions)
        .map((p) => ({ x: Math.max(1, p.sessions), y: pick(p)! })),
    })).filter((dataset) => dataset.data.length > 0),
  };
}

/** A chart against the users the load spread over (`--users`), one line per store and distribution; undefined without such points. */
function usersChart(id: string, title: string, caption: string, series: readonly Series[], unit: ChartSpec['y']['unit'], yTitle: string, pick: (p: ScalePoint) => number | undefined, points: (series: Series) => ScalePoint[], logarithmic = false): ChartSpec {
  return {
    id,
    title,
    caption: `${caption} Users on a log axis; each point is one --prefill count read by as many users (--users prefilled) or the --users given.`,
    type: 'line',
    x: { title: 'users (logged-in sessions the load spread over)', linear: true, logarithmic: true },
    y: { title: yTitle, unit, ...(logarithmic ? { logarithmic } : {}) },
    datasets: series.flatMap((one) => {
      const withUsers = points(one).filter((p) => p.users !== undefined && pick(p) !== undefined);
      const distributions = [...new Set(withUsers.map((p) => p.distribution ?? 'zipfian'))];
      return distributions.map((distribution) => ({
        label: distributions.length > 1 || distribution !== 'zipfian' ? `${one.label} · ${distribution}` : one.label,
        color: one.color,
        data: withUsers.filter((p) => (p.distribution ?? 'zipfian') === distribution).sort((a, b) => a.users! - b.users!).map((p) => ({ x: p.users!, y: pick(p)! })),
      }));
    }).filter((dataset) => dataset.data.length > 0),
  };
}

/** Cost against stored sessions, per store: throughput, p99, store-operation latency and bytes per session, with the table and where cost grows. */
export function scaleCharts(runs: readonly LabelledRun[]): SectionCharts | undefined {
  if (!runs.some((run) => sweepsStoredSessions(run.result))) return undefined;
  const series = seriesOf(runs, (group) => group.ok.some((entry) => entry.prefilledSessions !== undefined));
  const pointsOf = (one: Series) => scalePointsOf(one.groups.flatMap((group) => group.ok));
  return {
    intro: 'Each count of --prefill is its own entry: the store is loaded with that many live sessions of the run\'s payload (through its own client, read back through the app) before the measured phase, and emptied of them afterwards.',
    charts: [
      scaleChart('scale-throughput', 'Throughput against stored sessions', 'Median throughput over repetitions.', series, 'rps', 'req/s', (p) => p.throughput, pointsOf),
      scaleChart('scale-p99', 'p99 latency against stored sessions', 'Median p99 over repetitions, log scale.', series, 'us', 'p99', (p) => p.p99Us, pointsOf, true),
      scaleChart('scale-store-get', 'Store get alone against stored sessions', "p50 of the store's get measured alone: serial calls through the Store after the prefill, no load (--probe-ops), each reading a random stored session (results before this was recorded: the sessions the probe had just written; the table says which), log scale.", series, 'us', 'get p50 alone', (p) => p.storeGetAloneP50Us, pointsOf, true),
      ...(runs.some((run) => scalePoints(run.result).some((p) => p.users !== undefined))
        ? [
            usersChart('users-throughput', 'Throughput against users', 'Median throughput over repetitions; connections (the concurrency) stay the same.', series, 'rps', 'req/s', (p) => p.throughput, pointsOf),
            usersChart('users-p99', 'p99 latency against users', 'Median p99 over repetitions, log scale.', series, 'us', 'p99', (p) => p.p99Us, pointsOf, true),
            usersChart('users-hit-ratio', "The server's hit ratio against users", "Share of the server's own lookups over the measured phase answered from memory (PostgreSQL: shared-buffer hits of the session table; MariaDB: InnoDB buffer-pool requests not read from disk; Redis and memcached: keys found). In-process stores have none.", series, 'percent', 'hit ratio %', (p) => (p.hitRatio === undefined ? undefined : p.hitRatio * 100), pointsOf),
            usersChart('users-distinct', 'Distinct sessions read against users', 'Different sessions the store returned to the app during the measured phase (median), log scale.', series, 'count', 'distinct sessions', (p) => p.distinctSessions, pointsOf, true),
          ]
        : []),
      scaleChart('scale-bytes', 'Bytes per stored session', "Growth of the server's own memory or table size (app heap for in-process stores) over the prefill, per session.", series, 'bytes', 'bytes / session', (p) => p.bytesPerSession, pointsOf),
    ],
    tables: tablesPerRun(runs, scaleTable),
  };
}
