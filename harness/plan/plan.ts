import { existsSync } from 'node:fs';
import ms from 'ms';
import { SCENARIOS } from '../../scenarios/index.ts';
import type { RunLoad } from '../../scenarios/common.ts';
import type { Scenario } from '../../scenarios/index.ts';
import { STORES, isStoreId, storeDefinition } from '../../stores/index.ts';
import { CustomStoreError, customStoreIdOf, looksLikeStorePath } from '../../stores/custom.ts';
import { loadBoxedCustomStore } from '../app/store-box.ts';
import { optionNames } from '../../stores/options.ts';
import { NAMESPACE_CHOICES } from '../../stores/namespace.ts';
import type { NamespaceChoice } from '../../stores/namespace.ts';
import type { RawStoreOptions } from '../../stores/options.ts';
import { LOAD_DRIVERS, STORE_IDS, SERVER_KINDS, MITIGATION_IDS, REQUEST_DISTRIBUTIONS } from '../../contract/vocabulary.ts';
import { BROWSER_COOKIE_LIMIT_BYTES } from '../../stores/limits.ts';
import type { AnyStoreId, CustomStoreId, LoadDriver, RequestDistribution, ServerKind, StoreId, MitigationId } from '../../contract/vocabulary.ts';
import type { SessionSettings } from '../../stores/types.ts';
import { UsageError } from '../errors.ts';
import { CPU_PLACEMENTS } from '../run/cpu-placement.ts';
import type { CpuPlacementChoice } from '../run/cpu-placement.ts';
import { GATE_ALPHA, MIN_REPETITIONS } from '../../reports/verdict/compare.ts';
import { QUICK_RUN, autoRepeat, boundsOf, flagOf, warmupCapSeconds } from './options.ts';
import type { BenchOptionName, RawBenchOptions, RawServerUrlOptions } from './options.ts';
import { requireK6 } from './k6-binary.ts';
import { parseLatencyAt, parseStoreNetwork } from './conditions.ts';
import type { LatencyAtSettings } from './conditions.ts';
import type { StoreNetworkSettings } from '../../stores/servers/network.ts';
import { SERVER_KIND_DEFINITIONS } from '../../stores/servers/kinds/index.ts';
import { parseServerUrl } from '../../stores/servers/url.ts';

/** A validated run: what to run, how long, and where to write. Built only from checked input. */
export interface RunPlan {
  stores: AnyStoreId[];
  /** Custom stores named by path (`--store ./my-store.mjs`): id → the path as given. Load them with `loadPlanStores`. */
  customStores: Partial<Record<CustomStoreId, string>>;
  /** Stores named explicitly (not through `all`): failing to provision one of them fails the run. */
  storesNamed: boolean;
  scenarios: Scenario[];
  /** Repetitions per store and scenario (`--repeat auto` resolved by `autoRepeat` from the stores named). */
  repeat: number;
  /** Set when `--repeat auto` chose `repeat`. */
  repeatAuto?: true;
  /** `--cpu-placement`: whether the app gets CPUs of its own (see harness/run/cpu-placement.ts). */
  cpuPlacement: CpuPlacementChoice;
  /** The CPUs the app processes run on, set by the runner once it has split them (absent: shared). */
  appCpus?: number[];
  /** Why this run shares every CPU whatever `cpuPlacement` says (set by `ab --duet`). */
  sharedCpusBecause?: string;
  /** The shortest warm-up; closed-model warm-ups go on until throughput settles, up to `warmupCapSeconds`. */
  warmupSeconds: number;
  warmupCapSeconds: number;
  /** Serial calls of each store operation in the intrinsic probe after verification (0: no probe). */
  probeOperations: number;
  /** Logins measured for memory per session before a load scenario's first repetition (0: none). */
  memorySessions: number;
  durationSeconds: number;
  connections: number;
  /** Logged-in users the load spreads over (`--users`), and how each request picks one; absent: one user per connection. */
  users?: UserLoad;
  /** App instances behind a request-level round-robin balancer (1: no balancer). */
  instances: number;
  /** Remedies against lost updates to measure, each on its own apps (`--mitigation`, default `none`). */
  mitigations: MitigationId[];
  /** Session payload sizes to sweep, in bytes (one entry per size). */
  payloads: number[];
  /** Sessions to load into the store before measuring, one entry per count (`--prefill`); `[0]` when not asked for. */
  prefill: number[];
  settings: SessionSettings;
  /** `--store-option` values per store, checked against the options each store declares. */
  storeOptions: Partial<Record<AnyStoreId, RawStoreOptions>>;
  /** Explicit server URLs by kind (flags or environment). */
  serverUrls: Partial<Record<ServerKind, string>>;
  /** `--server-option` values per server kind, checked against what each kind declares (servers sessionbench starts only). */
  serverOptions?: Partial<Record<ServerKind, Record<string, string>>>;
  /** `--shared-server`: a server given by URL may hold data that is not sessionbench's. */
  sharedServer: boolean;
  /** `--namespace`: sessionbench's own key prefix/tables/collections (default) or the store libraries' defaults. */
  namespace: NamespaceChoice;
  outDir: string;
  addedLatencyMs: number;
  /** Busy-wait per request in µs (`--added-cpu`, a regression injected on purpose); 0 in real runs. */
  addedCpuUs?: number;
  /** Extra Store get calls per request with a session (`--added-store-calls`); 0 in real runs. */
  addedStoreCalls?: number;
  /** Load generator: autocannon (closed model, `connections`) or k6 (open model, `k6`). */
  driver: LoadDriver;
  /** Present exactly when the driver is k6. */
  k6?: OpenModelSettings;
  /** `--store-rtt`/`--store-jitter`: a Toxiproxy network between the app and each store server; absent: direct. */
  storeNetwork?: StoreNetworkSettings;
  /** `--latency-at`: each load scenario also measured once per store at a stated rate (open model, k6). */
  latencyAt?: LatencyAtSettings;
}

/** `--users` and `--distribution`: the working set of the load. */
export interface UserLoad {
  /** A count, or `prefilled`: each count of a `--prefill` sweep, its prefilled sessions being the users. */
  users: number | 'prefilled';
  distribution: RequestDistribution;
  /** `--login-rate`: new users arriving per second, each taking over a user slot in turn. */
  loginsPerSecond?: number;
}

/** The users a load at `prefill` prefilled sessions spreads over; undefined: one per connection (no `--users`, or `prefilled` with none). */
export function usersAt(load: UserLoad | undefined, prefill: number): { users: number; distribution: RequestDistribution; loginsPerSecond?: number } | undefined {
  if (!load) return undefined;
  const arrivals = load.loginsPerSecond !== undefined ? { loginsPerSecond: load.loginsPerSecond } : {};
  if (load.users !== 'prefilled') return { users: load.users, distribution: load.distribution, ...arrivals };
  return prefill > 0 ? { users: prefill, distribution: load.distribution, ...arrivals } : undefined;
}

/** The open model's settings. */
export interface OpenModelSettings {
  /** The k6 binary, found while validating (so a missing k6 fails before anything runs). */
  binary: string;
  /** Target requests per second. */
  ratePerSecond: number;
}

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };

/**
 * Parses "10s", "1m", "500ms" or a plain number of seconds (".5" too) into seconds, within
 * bounds. With `wholeSeconds` (what the load generator runs exactly), a fraction is refused
 * rather than rounded behind the user's back.
 */
export function parseDuration(flag: string, value: string, bounds: { min: number; max: number; wholeSeconds?: boolean }): number {
  const trimmed = value.trim();
  const millis = /^(\d+(\.\d*)?|\.\d+)$/.test(trimmed) ? Number(trimmed) * 1000 : (ms as (v: string) => number | undefined)(trimmed);
  if (millis === undefined || !Number.isFinite(millis)) {
    throw new UsageError(`${flag}: "${value}" is not a duration; use e.g. 10s, 500ms or 2m`);
  }
  const seconds = millis / 1000;
  if (seconds < bounds.min || seconds > bounds.max) {
    throw new UsageError(`${flag}: ${value} is out of range; use between ${bounds.min}s and ${bounds.max}s`);
  }
  if (bounds.wholeSeconds && !Number.isInteger(seconds)) {
    const nearest = [...new Set([Math.floor(seconds), Math.ceil(seconds)])].filter((whole) => whole >= bounds.min && whole <= bounds.max);
    throw new UsageError(`${flag}: ${value} is ${seconds} s, but load runs in whole seconds; use ${nearest.map((whole) => `${whole}s`).join(' or ')}`);
  }
  return seconds;
}

/** Parses a whole number within bounds. */
export function parseCount(flag: string, value: string, bounds: { min: number; max: number }): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < bounds.min || Number(value) > bounds.max) {
    throw new UsageError(`${flag}: "${value}" must be a whole number from ${bounds.min} to ${bounds.max}`);
  }
  return Number(value);
}

/** Parses "1kb", "512b", "2mb" or a plain number of bytes. */
export function parseSize(flag: string, value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb)?$/i.exec(value.trim());
  const bytes = match ? Math.round(Number(match[1]) * (SIZE_UNITS[(match[2] ?? 'b').toLowerCase()] ?? 1)) : NaN;
  if (!Number.isFinite(bytes) || bytes < 0 || bytes > 8 * 1024 * 1024) {
    throw new UsageError(`${flag}: "${value}" is not a size from 0 to 8mb; use e.g. 1kb, 512b or 100kb`);
  }
  return bytes;
}

function parseList<T extends string>(flag: string, value: string, valid: readonly string[], isValid: (v: string) => v is T): T[] {
  const items = value.split(',').map((item) => item.trim()).filter(Boolean);
  if (items.length === 0) throw new UsageError(`${flag}: give at least one of ${valid.join(', ')}`);
  const unknown = items.filter((item) => !isValid(item));
  if (unknown.length > 0) {
    throw new UsageError(`${flag}: unknown ${unknown.map((u) => `"${u}"`).join(', ')}; valid: ${valid.join(', ')}`);
  }
  return [...new Set(items)] as T[];
}

/**
 * Payload sizes to sweep. When the cookie store is named, a payload that cannot
 * fit a browser cookie even before signing (base64 grows it by 4/3) is bad input.
 */
function parsePayloads(value: string, cookieNamed: boolean): number[] {
  const payloads = [...new Set(value.split(',').map((size) => parseSize('--payload', size)))];
  const tooLarge = payloads.find((bytes) => Math.ceil(bytes / 3) * 4 > BROWSER_COOKIE_LIMIT_BYTES);
  if (cookieNamed && tooLarge !== undefined) {
    throw new UsageError(
      `--payload: ${tooLarge} bytes cannot fit cookie-session's cookie (browsers drop cookies over ${BROWSER_COOKIE_LIMIT_BYTES} bytes); use at most 3kb with --store cookie, or --store all to record it as a failure`,
    );
  }
  return payloads;
}

/** True when the plan loads sessions before measuring (`--prefill` with a count above 0). */
export function prefills(plan: Pick<RunPlan, 'prefill'>): boolean {
  return plan.prefill.some((n) => n > 0);
}

/** The most sessions one prefill may load: 10 M × 1 KB is already ~10 GB in any store. */
export const MAX_PREFILL = 10_000_000;
const COUNT_UNITS: Record<string, number> = { '': 1, k: 1000, m: 1_000_000 };

/** Parses "0,100k,1m" (or plain numbers) into distinct session counts, in order. */
export function parsePrefill(value: string | undefined): number[] {
  if (value === undefined) return [0];
  const items = value.split(',').map((item) => item.trim());
  const counts = items.map((item) => {
    const match = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(item);
    const n = match ? Number(match[1]) * (COUNT_UNITS[match[2]!.toLowerCase()] ?? NaN) : NaN;
    if (!Number.isInteger(n) || n < 0 || n > MAX_PREFILL) {
      throw new UsageError(`--prefill: "${item}" is not a session count from 0 to 10m; use e.g. 0,100k,1m`);
    }
    return n;
  });
  return [...new Set(counts)];
}

/**
 * `all`, or a list of built-in ids and module paths (anything with a `/` or a script extension):
 * a path becomes `custom:<file name>`; it must exist (its contract is checked by `loadPlanStores`).
 */
export function parseStores(value: string): { stores: AnyStoreId[]; named: boolean; customStores: RunPlan['customStores'] } {
  if (value.trim() === 'all') return { stores: [...STORE_IDS], named: false, customStores: {} };
  if (value.split(',').some((item) => item.trim() === 'all')) throw new UsageError(`--store: "all" stands alone; give --store all, or a list of ${STORE_IDS.join(', ')}`);
  const items = [...new Set(value.split(',').map((item) => item.trim()).filter(Boolean))];
  if (items.length === 0) throw new UsageError(`--store: give at least one of ${STORE_IDS.join(', ')}, or a path to a store module`);
  const unknown = items.filter((item) => !looksLikeStorePath(item) && !isStoreId(item));
  if (unknown.length > 0) {
    throw new UsageError(`--store: unknown ${unknown.map((u) => `"${u}"`).join(', ')}; valid: ${STORE_IDS.join(', ')}, all, or a path to a store module (./my-store.mjs)`);
  }
  const customStores: RunPlan['customStores'] = {};
  const stores = items.map((item): AnyStoreId => {
    if (!looksLikeStorePath(item)) return item as StoreId;
    const id = customStoreIdOf(item);
    const previous = customStores[id];
    if (previous !== undefined) throw new UsageError(`--store: ${previous} and ${item} would both be "${id}"; rename one of the files`);
    if (!existsSync(item)) throw new UsageError(`--store ${item}: no such file; give the path of a store module, e.g. --store ./my-store.mjs`);
    customStores[id] = item;
    return id;
  });
  return { stores, named: true, customStores };
}

/**
 * Loads and checks every custom store module of the plan, each in a child process (a store box):
 * its code never runs in the harness. The app child loads it again.
 * Call before running anything: a module that does not load or export a valid definition is bad input.
 */
export async function loadPlanStores(plan: Pick<RunPlan, 'customStores'>): Promise<void> {
  for (const path of Object.values(plan.customStores)) {
    try {
      await loadBoxedCustomStore(path!);
    } catch (error) {
      if (error instanceof CustomStoreError) throw new UsageError(error.message);
      throw error;
    }
  }
}

/**
 * `--store-option key=value` goes to every selected store that declares `key`; `store.key=value`
 * to that store only. A key no selected store declares, or a value its schema refuses, is bad input.
 */
export function parseStoreOptions(values: readonly string[] | undefined, selected: readonly AnyStoreId[]): RunPlan['storeOptions'] {
  const options: RunPlan['storeOptions'] = {};
  // Custom stores declare no options.
  const stores = selected.filter(isStoreId);
  const takers = stores.filter((id) => optionNames(STORES[id].options).length > 0);
  const declared = takers.map((id) => `${id}: ${optionNames(STORES[id].options).join(', ')}`).join('; ') || 'none of the selected stores takes options';
  for (const value of values ?? []) {
    const match = /^(?:([a-z0-9-]+)\.)?([A-Za-z][\w-]*)=(.*)$/.exec(value.trim());
    if (!match) throw new UsageError(`--store-option: "${value}" is not key=value or store.key=value; e.g. --store-option memorystore.max=10000`);
    const [, store, key, raw] = match as unknown as [string, string | undefined, string, string];
    if (store !== undefined && !stores.includes(store as StoreId)) {
      throw new UsageError(`--store-option ${value}: "${store}" is not among the selected stores (${stores.join(', ')})`);
    }
    const targets = (store !== undefined ? [store as StoreId] : stores).filter((id) => optionNames(STORES[id].options).includes(key));
    if (targets.length === 0) throw new UsageError(`--store-option ${value}: no selected store takes "${key}"; options: ${declared}`);
    for (const id of targets) options[id] = { ...options[id], [key]: raw };
  }
  for (const [id, raw] of Object.entries(options) as Array<[StoreId, RawStoreOptions]>) {
    const checked = STORES[id].options!.safeParse(raw);
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      const key = String(issue.path[0] ?? '');
      throw new UsageError(`--store-option ${key}=${raw[key] ?? ''}: ${id}: ${issue.message}`);
    }
  }
  return options;
}

/**
 * `--server-option kind.key=value`: a setting of a server sessionbench starts (Redis persistence).
 * A kind that declares no such key, a value it refuses, or a kind given by URL (never configured by
 * sessionbench) is bad input.
 */
export function parseServerOptions(values: readonly string[] | undefined, urls: RunPlan['serverUrls']): NonNullable<RunPlan['serverOptions']> {
  const options: NonNullable<RunPlan['serverOptions']> = {};
  const declared = Object.entries(SERVER_KIND_DEFINITIONS)
    .filter(([, definition]) => definition.options)
    .map(([kind, definition]) => `${kind}: ${Object.keys(definition.options!.shape).join(', ')}`)
    .join('; ');
  for (const value of values ?? []) {
    const match = /^([a-z]+)\.([A-Za-z][\w-]*)=(.*)$/.exec(value.trim());
    if (!match) throw new UsageError(`--server-option: "${value}" is not kind.key=value; e.g. --server-option redis.appendonly=yes`);
    const [, kind, key, raw] = match as unknown as [string, string, string, string];
    const definition = (SERVER_KIND_DEFINITIONS as Record<string, (typeof SERVER_KIND_DEFINITIONS)[ServerKind] | undefined>)[kind];
    if (!definition?.options || !(key in definition.options.shape)) throw new UsageError(`--server-option ${value}: no server kind takes "${kind}.${key}"; options: ${declared}`);
    if (urls[kind as ServerKind] !== undefined) {
      throw new UsageError(`--server-option ${value}: the ${kind} server is given by URL (--${kind}-url or ${definition.url.envVar}); sessionbench configures only servers it starts — set it on that server, or drop the URL`);
    }
    options[kind as ServerKind] = { ...options[kind as ServerKind], [key]: raw };
  }
  for (const [kind, raw] of Object.entries(options) as Array<[ServerKind, Record<string, string>]>) {
    const checked = SERVER_KIND_DEFINITIONS[kind].options!.safeParse(raw);
    if (!checked.success) throw new UsageError(`--server-option ${kind}.${checked.error.issues[0]!.message}`);
  }
  return options;
}

/** The kinds `--store-tls` turns TLS on for: Redis and PostgreSQL, when sessionbench starts them (a URL says for itself). */
const TLS_KINDS = ['redis', 'postgres'] as const satisfies readonly ServerKind[];

/** `--store-tls` as server options of the servers sessionbench starts. */
function tlsServerOptions(storeTls: boolean | undefined, urls: RunPlan['serverUrls']): string[] {
  return storeTls ? TLS_KINDS.filter((kind) => urls[kind] === undefined).map((kind) => `${kind}.tls=yes`) : [];
}

function parseScenarios(value: string): Scenario[] {
  const ids = Object.keys(SCENARIOS);
  const isScenario = (v: string): v is string => v in SCENARIOS;
  return parseList('--scenario', value, ids, isScenario).map((id) => SCENARIOS[id]!);
}

function parseUrl(kind: ServerKind, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  try {
    return parseServerUrl(kind, value);
  } catch (error) {
    const reason = (error as Error).message.replace(new RegExp(`^${kind}: `), '');
    throw new UsageError(`--${kind}-url: ${reason}; use e.g. ${SERVER_KIND_DEFINITIONS[kind].url.example}`);
  }
}

/** Explicit server URLs: each kind's `--<kind>-url` flag, else its environment variable. */
export function parseServerUrls(raw: RawServerUrlOptions, env: NodeJS.ProcessEnv): RunPlan['serverUrls'] {
  const urls: RunPlan['serverUrls'] = {};
  for (const kind of SERVER_KINDS) {
    const url = parseUrl(kind, raw[`${kind}Url`] ?? env[SERVER_KIND_DEFINITIONS[kind].url.envVar]);
    if (url !== undefined) urls[kind] = url;
  }
  return urls;
}

function parseDriver(raw: RawBenchOptions, env: NodeJS.ProcessEnv): Pick<RunPlan, 'driver' | 'k6'> {
  const driver = raw.driver;
  if (!(LOAD_DRIVERS as readonly string[]).includes(driver)) throw new UsageError(`--driver: unknown "${driver}"; valid: ${LOAD_DRIVERS.join(', ')}`);
  if (driver === 'autocannon') {
    if (raw.rate !== undefined) throw new UsageError('--rate: applies to --driver k6 (open model); autocannon runs a closed model, sized by --connections');
    return { driver };
  }
  if (raw.rate === undefined) throw new UsageError('--driver k6: give the target rate with --rate <req/s>, e.g. --rate 500');
  const ratePerSecond = countOption('rate', raw.rate);
  return { driver: 'k6', k6: { binary: requireK6(env), ratePerSecond } };
}

/** The load generator settings scenario kinds read to name their load model (scenarios/<kind>/scenario.ts). */
export function runLoadOf(plan: Pick<RunPlan, 'connections' | 'k6'> & { users?: UserLoad }, prefill = 0): RunLoad {
  const users = usersAt(plan.users, prefill);
  return { connections: plan.connections, ...(plan.k6 ? { ratePerSecond: plan.k6.ratePerSecond } : {}), ...(users ?? {}) };
}

/** `--users`, `--distribution` and `--login-rate`; undefined without `--users`. */
export function parseUsers(raw: Pick<RawBenchOptions, 'users' | 'distribution' | 'prefill'> & Partial<Pick<RawBenchOptions, 'loginRate'>>): UserLoad | undefined {
  const distribution = raw.distribution ?? 'zipfian';
  if (!(REQUEST_DISTRIBUTIONS as readonly string[]).includes(distribution)) {
    throw new UsageError(`--distribution: unknown "${distribution}"; valid: ${REQUEST_DISTRIBUTIONS.join(', ')}`);
  }
  if (raw.loginRate !== undefined && raw.users === undefined) throw new UsageError('--login-rate: new users take over user slots; give the working set with --users too, e.g. --users 10000 --login-rate 50');
  if (raw.users === undefined) return undefined;
  const arrivals = raw.loginRate !== undefined ? { loginsPerSecond: countOption('loginRate', raw.loginRate) } : {};
  if (raw.users.trim() === 'prefilled') {
    if (raw.prefill === undefined) throw new UsageError('--users prefilled: the users are the prefilled sessions; give --prefill too, e.g. --prefill 10k,1m --users prefilled');
    return { users: 'prefilled', distribution: distribution as RequestDistribution, ...arrivals };
  }
  return { users: countOption('users', raw.users), distribution: distribution as RequestDistribution, ...arrivals };
}

/** express-session settings, the same for every store; only what a caller overrides differs from the defaults. */
export function sessionSettings(overrides: Partial<SessionSettings> = {}): SessionSettings {
  return { secret: 'sessionbench-secret', resave: false, saveUninitialized: false, rolling: false, maxAgeMs: 3_600_000, ...overrides };
}

/** A count option, within its declared bounds. */
function countOption(name: BenchOptionName, value: string): number {
  return parseCount(flagOf(name), value, boundsOf(name));
}

/**
 * `--repeat`: a count within its bounds, or `auto` (see `autoRepeat`), which the plan records.
 * Compared with a baseline, a run needs the repetitions its gate's exact test can decide with:
 * `auto` gives them, a smaller count is refused (the gate would pass whatever changed).
 */
function parseRepeat(value: string, stores: number, gated: boolean): Pick<RunPlan, 'repeat' | 'repeatAuto'> {
  if (value.trim() === 'auto') return { repeat: gated ? Math.max(MIN_REPETITIONS, autoRepeat(stores)) : autoRepeat(stores), repeatAuto: true };
  let repeat: number;
  try {
    repeat = countOption('repeat', value);
  } catch (error) {
    throw error instanceof UsageError ? new UsageError(`${error.message}, or auto`) : error;
  }
  if (gated && repeat < MIN_REPETITIONS) {
    throw new UsageError(`--repeat ${repeat} with --baseline: the gate's exact test needs ${MIN_REPETITIONS} repetitions on each side to reach p ≤ ${GATE_ALPHA}, so it could not fail; use --repeat ${MIN_REPETITIONS} (or sessionbench ab: A/B in one job)`);
  }
  return { repeat };
}

/** A duration option in seconds, within its declared bounds. */
function durationOption(name: BenchOptionName, value: string): number {
  return parseDuration(flagOf(name), value, boundsOf(name));
}

/** Checks every option and builds the plan; throws UsageError naming the first problem. */
export function buildPlan(given: RawBenchOptions, env: NodeJS.ProcessEnv = process.env): RunPlan {
  if (given.quick && given.baseline !== undefined) {
    throw new UsageError(`--quick with --baseline: one repetition a side cannot fail the gate (its exact test needs ${MIN_REPETITIONS}); drop --quick and give --repeat ${MIN_REPETITIONS}`);
  }
  const raw = given.quick ? { ...given, ...QUICK_RUN } : given;
  const { stores, named, customStores } = parseStores(raw.store);
  const serverUrls = parseServerUrls(raw, env);
  const warmupSeconds = durationOption('warmup', raw.warmup);
  return {
    stores,
    customStores,
    storesNamed: named,
    scenarios: parseScenarios(raw.scenario),
    ...parseRepeat(raw.repeat, stores.length, raw.baseline !== undefined),
    cpuPlacement: parseCpuPlacement(raw.cpuPlacement),
    warmupSeconds,
    warmupCapSeconds: warmupCapSeconds(warmupSeconds),
    probeOperations: countOption('probeOps', raw.probeOps),
    memorySessions: countOption('memorySessions', raw.memorySessions),
    durationSeconds: durationOption('duration', raw.duration),
    connections: countOption('connections', raw.connections),
    ...(parseUsers(raw) ? { users: parseUsers(raw) } : {}),
    instances: countOption('instances', raw.instances),
    mitigations: parseList(flagOf('mitigation'), raw.mitigation, MITIGATION_IDS, (v): v is MitigationId => (MITIGATION_IDS as readonly string[]).includes(v)),
    payloads: parsePayloads(raw.payload, named && stores.includes('cookie')),
    prefill: parsePrefill(raw.prefill),
    settings: sessionSettings({
      resave: raw.resave ?? false,
      rolling: raw.rolling ?? false,
      maxAgeMs: durationOption('maxAge', raw.maxAge) * 1000,
    }),
    storeOptions: parseStoreOptions(raw.storeOption, stores),
    serverUrls,
    ...(raw.serverOption?.length || raw.storeTls ? { serverOptions: parseServerOptions([...(raw.serverOption ?? []), ...tlsServerOptions(raw.storeTls, serverUrls)], serverUrls) } : {}),
    sharedServer: raw.sharedServer ?? false,
    namespace: parseNamespace(raw.namespace),
    outDir: raw.out,
    addedLatencyMs: countOption('addedLatency', raw.addedLatency),
    addedCpuUs: countOption('addedCpu', raw.addedCpu ?? '0'),
    addedStoreCalls: countOption('addedStoreCalls', raw.addedStoreCalls ?? '0'),
    ...parseDriver(raw, env),
    ...optional('storeNetwork', parseStoreNetwork(raw, env)),
    ...optional('latencyAt', parseLatencyAt(raw, env)),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** `--cpu-placement split|shared` (split when absent). */
function parseCpuPlacement(value: string | undefined): CpuPlacementChoice {
  if (value === undefined) return 'split';
  if (!(CPU_PLACEMENTS as readonly string[]).includes(value)) {
    throw new UsageError(`--cpu-placement: "${value}" is not one of ${CPU_PLACEMENTS.join(', ')}; split gives the app CPUs of its own (the default)`);
  }
  return value as CpuPlacementChoice;
}

/** `--namespace own|library` (own when absent). */
export function parseNamespace(value: string | undefined): NamespaceChoice {
  if (value === undefined) return 'own';
  if (!(NAMESPACE_CHOICES as readonly string[]).includes(value)) {
    throw new UsageError(`--namespace: "${value}" is not one of ${NAMESPACE_CHOICES.join(', ')}; "own" keeps sessionbench's sessions apart from an app's (the default)`);
  }
  return value as NamespaceChoice;
}

/** The server kinds the plan's stores need (custom stores loaded by `loadPlanStores`). */
export function serverKindsOf(plan: RunPlan): ServerKind[] {
  return [...new Set(plan.stores.map((id) => storeDefinition(id).server).filter((kind): kind is ServerKind => kind !== undefined))];
}

/** `--fail-on`: the regression threshold in percent ("10" or "10%"), above 0 and at most 1000. */
export function parseFailOn(value: string): number {
  const percent = Number(value.replace(/%$/, ''));
  if (!Number.isFinite(percent) || percent <= 0 || percent > 1000) throw new UsageError(`--fail-on: "${value}" must be a percentage above 0, e.g. 10`);
  return percent;
}
