import { MITIGATION_IDS, REQUEST_DISTRIBUTIONS, STORE_IDS } from '../../contract/vocabulary.ts';
import { DEFAULT_SCENARIOS, SCENARIOS } from '../../scenarios/index.ts';
import { SERVER_KIND_DEFINITIONS } from '../../stores/servers/kinds/index.ts';
import type { ServerKind } from '../../contract/vocabulary.ts';

/**
 * One bench option, declared once: commander's flag and help are built from it, the plan reads
 * its default and bounds from it, and tests and gate-check start from its default.
 */
export interface OptionDeclaration {
  /** Commander's flag syntax, e.g. "--duration <time>"; a flag without `<…>` is a switch. */
  flags: string;
  /** One line for `--help`. */
  help: string;
  /** The default, as a user would type it; absent when the option has none (it is then optional). */
  default?: string;
  /** Lower and upper bound of a count (whole number) or duration (seconds) option. */
  bounds?: { min: number; max: number; wholeSeconds?: boolean };
  /** The option may be given several times (values collected in a list). */
  repeatable?: boolean;
  /** Kept out of `--help` (a testing aid). */
  hidden?: boolean;
  /** Options it cannot be given with (commander refuses the pair in one line). */
  conflicts?: readonly string[];
}

/** Every option of `bench`, in `--help` order (the server URL flags follow, from the server kinds). */
export const BENCH_OPTIONS = {
  store: { flags: '--store <ids>', help: `stores to run, comma-separated, or "all" (${STORE_IDS.join(', ')}); a path (./my-store.mjs) loads your own`, default: 'all' },
  scenario: { flags: '--scenario <ids>', help: `scenarios, comma-separated (${Object.keys(SCENARIOS).join(', ')})`, default: DEFAULT_SCENARIOS.join(',') },
  duration: { flags: '--duration <time>', help: 'measured time per repetition, whole seconds or ms: e.g. 10s, 2m, 1500ms', default: '2s', bounds: { min: 1, max: 3600, wholeSeconds: true } },
  warmup: { flags: '--warmup <time>', help: 'shortest warm-up before measuring (kept apart); it goes on until throughput settles, up to 5× this or 30 s', default: '1s', bounds: { min: 0, max: 600, wholeSeconds: true } },
  probeOps: { flags: '--probe-ops <n>', help: 'serial calls of each store operation when measuring the store alone after verification (0: skip)', default: '1000', bounds: { min: 0, max: 100_000 } },
  memorySessions: { flags: '--memory-sessions <n>', help: 'logins made (and logged out again) to measure memory per session before a load scenario\'s first repetition (0: skip)', default: '1000', bounds: { min: 0, max: 100_000 } },
  connections: { flags: '--connections <n>', help: 'concurrent connections, one user (session) each', default: '10', bounds: { min: 1, max: 10_000 } },
  users: { flags: '--users <n>', help: 'logged-in users the load spreads over, each request picking one (connections stay the concurrency); with --prefill the prefilled sessions are the users; "prefilled": as many as each --prefill count', bounds: { min: 1, max: 10_000_000 } },
  loginRate: { flags: '--login-rate <n>', help: 'with --users: new users logging in per second while the load runs; each takes over a user slot in turn, so that slot\'s next request logs in, and the session it leaves stays stored, like a user who left (k6: the new users log in as a scenario of their own and are not read again, VUs sharing no state)', bounds: { min: 1, max: 100_000 } },
  distribution: { flags: '--distribution <name>', help: `with --users: how each request picks its user (${REQUEST_DISTRIBUTIONS.join(', ')}; zipfian is YCSB's scrambled Zipfian, constant 0.99)`, default: 'zipfian' },
  driver: { flags: '--driver <name>', help: 'load generator: autocannon (closed model, --connections) or k6 (open model, --rate)', default: 'autocannon' },
  rate: { flags: '--rate <req/s>', help: 'with --driver k6: requests per second to start, whatever the latency', bounds: { min: 1, max: 1_000_000 } },
  instances: { flags: '--instances <n>', help: 'app instances behind a request-level round-robin balancer', default: '1', bounds: { min: 1, max: 16 } },
  mitigation: { flags: '--mitigation <ids>', help: `remedies against lost updates to measure, comma-separated (${MITIGATION_IDS.join(', ')})`, default: 'none' },
  repeat: { flags: '--repeat <n>', help: 'measured repetitions per store and scenario, each on a fresh app, interleaved across stores; auto: 3 with one store or 8 and more, more for 2–7 stores (24 ÷ stores, up to 12), so that a few stores are told apart as finely as the time of a 12-store run allows; at least 5 with --baseline, the fewest its gate can decide with', default: 'auto', bounds: { min: 1, max: 100 } },
  cpuPlacement: { flags: '--cpu-placement <mode>', help: 'split: each app under test on CPUs of its own (half of them), the load generator and servers on the rest (Linux, taskset); shared: every process on every CPU', default: 'split' },
  quick: { flags: '--quick', help: 'the short run: read-heavy only, one 5 s repetition per store (no verdict on speed: nothing says how noisy it was)', conflicts: ['scenario', 'repeat', 'duration'] },
  payload: { flags: '--payload <size>', help: 'session payload stored at login, e.g. 1kb, 10kb', default: '1kb' },
  maxAge: { flags: '--max-age <time>', help: 'session cookie and store TTL', default: '1h', bounds: { min: 1, max: 365 * 24 * 3600 } },
  prefill: { flags: '--prefill <counts>', help: 'load this many sessions into the store before measuring, a list to sweep, e.g. 0,100k,1m' },
  resave: { flags: '--resave', help: 'express-session resave: true (default false)' },
  rolling: { flags: '--rolling', help: 'express-session rolling: true (default false)' },
  storeOption: { flags: '--store-option <key=value>', help: 'an option a store declares, e.g. memorystore.max=10000 or disableTouch=true (repeatable)', repeatable: true },
  storeRtt: { flags: '--store-rtt <time>', help: 'put a network between app and store server: Toxiproxy adds this round trip (whole ms, e.g. 2ms; 0: the proxy alone; 0,2ms: every store at each, ranked at the first)' },
  storeTls: { flags: '--store-tls', help: 'TLS between the app and the Redis and PostgreSQL servers sessionbench starts, with a certificate made for the run (openssl; clients verify it); a server given by URL talks TLS when its URL asks (rediss://…?sslrootcert=ca.pem, postgres://…?sslmode=verify-full&sslrootcert=ca.pem)' },
  storeJitter: { flags: '--store-jitter <time>', help: 'with --store-rtt: each direction varies by up to ± this (whole ms)' },
  latencyAt: { flags: '--latency-at <rate>', help: "also measure each store's p50/p99 at a stated rate with k6 (open model): req/s, or a share of the slowest store's saturated throughput, e.g. 50%" },
  serverOption: { flags: '--server-option <kind.key=value>', help: 'a setting of a server sessionbench starts, e.g. redis.appendonly=yes, redis.appendfsync=always (repeatable)', repeatable: true },
  sharedServer: { flags: '--shared-server', help: "use a server given by URL even though it holds data that is not sessionbench's (the load competes with it)" },
  namespace: { flags: '--namespace <own|library>', help: "own: sessionbench:* keys and sessionbench_* tables/collections; library: the store libraries' default names, as an app uses them", default: 'own' },
  out: { flags: '--out <dir>', help: 'directory for results/<timestamp>/', default: 'results' },
  json: { flags: '--json', help: 'print the RunResult JSON to stdout instead of the table' },
  quiet: { flags: '--quiet', help: 'no progress output' },
  baseline: { flags: '--baseline <results.json>', help: 'compare with an earlier complete run; exit 1 on a regression beyond --fail-on' },
  failOn: { flags: '--fail-on <percent>', help: "regression threshold in percent (outside the repetitions' noise)", default: '10' },
  addedLatency: { flags: '--added-latency <ms>', help: 'add this many ms to every request (to check regression detection)', default: '0', bounds: { min: 0, max: 10_000 }, hidden: true },
  addedCpu: { flags: '--added-cpu <µs>', help: 'busy-wait this many µs in every request (to check regression detection)', default: '0', bounds: { min: 0, max: 1_000_000 }, hidden: true },
  addedStoreCalls: { flags: '--added-store-calls <n>', help: "make this many extra Store get calls in every request with a session (to check regression detection)", default: '0', bounds: { min: 0, max: 100 }, hidden: true },
} as const satisfies Record<string, OptionDeclaration>;

/**
 * Options of `sessionbench ab`, besides the bench options both variants share. A variant's own
 * options are bench options in one string (`--b '--store-option disableTouch=true'`), plus `--at`.
 */
export const AB_OPTIONS = {
  a: { flags: '--a <options>', help: "bench options of variant A only, in quotes, e.g. '--store-option disableTouch=true' or '--store ./v8/store.mjs'; '--at <git-ref>' takes the variant's store files at that git ref", default: '' },
  b: { flags: '--b <options>', help: 'bench options of variant B only, as for --a (B is the change judged against A)', default: '' },
  blocks: { flags: '--blocks <n>', help: 'interleaved blocks, each one fresh-app repetition of A and one of B in random order (too few to reach significance: refused)', default: '8', bounds: { min: 1, max: 100 } },
  seed: { flags: '--seed <n>', help: 'seed of the random order within blocks', default: '1', bounds: { min: 0, max: 2 ** 31 } },
  alpha: { flags: '--alpha <p>', help: 'family-wise significance level of the timing tests (Holm over every timing metric judged)', default: '0.05' },
  minEffect: { flags: '--min-effect <percent>', help: 'smallest timing change that counts as better or worse (default: 5% throughput, 10% p99)' },
  duet: { flags: '--duet', help: 'run A and B at the same time in each block (each on its own apps and servers): load from anything else on the machine hits both alike; they share the cores' },
  from: { flags: '--from <dir>', help: 'judge blocks measured already instead of running: a.results.json and b.results.json (repetition n of each is block n), or a-<n>.json and b-<n>.json (e.g. two checkouts run alternately)' },
} as const satisfies Record<string, OptionDeclaration>;

export type BenchOptionName = keyof typeof BENCH_OPTIONS;

/** `--<kind>-url` for every server kind, as commander names them (redisUrl, postgresUrl, …). */
export type RawServerUrlOptions = Partial<Record<`${ServerKind}Url`, string>>;

/** The help line of `--<kind>-url`, from the server kind's definition. */
export function serverUrlOptions(): Array<{ flags: string; help: string }> {
  return Object.entries(SERVER_KIND_DEFINITIONS).map(([kind, definition]) => ({
    flags: `--${kind}-url <url>`,
    help: `use this ${definition.noun} (or ${definition.url.envVar}) instead of starting one`,
  }));
}

type Declared = typeof BENCH_OPTIONS;
type ValueOf<D extends OptionDeclaration> = D extends { repeatable: true } ? string[] : D['flags'] extends `${string}<${string}` ? string : boolean;
type Raw = { -readonly [K in keyof Declared as Declared[K] extends { default: string } ? K : never]: ValueOf<Declared[K]> } & {
  -readonly [K in keyof Declared as Declared[K] extends { default: string } ? never : K]?: ValueOf<Declared[K]>;
};

/** Raw option values as the CLI parser hands them over (strings until validated by the plan). */
export type RawBenchOptions = Raw & RawServerUrlOptions;

/**
 * The warm-up cap, as --warmup's help says: five times --warmup, at most 30 s, never below --warmup itself.
 * The measured phase continues the warm-up's load without a pause, so what is left to settle is the app
 * and the store's connections. In the default runs measured, most warm-ups settled within 4–5 s; those
 * that did not were SQL stores still climbing a few % a second (their entries and the report's warning
 * say so), a cost traded for a default run of 12 stores in about 6 minutes instead of 8.
 */
export function warmupCapSeconds(warmupSeconds: number): number {
  return warmupSeconds === 0 ? 0 : Math.max(warmupSeconds, Math.min(5 * warmupSeconds, 30));
}

/**
 * `--repeat auto`: the repetitions a run of `stores` stores gets. Three are the fewest that say how
 * noisy a store is, and what 8 or more stores get (the 12-store default run: 36 load repetitions);
 * 2–7 stores get ⌈24 ÷ stores⌉ rounds, up to 12 — still less time than the 12-store run — which is
 * what tells two close stores apart.
 * It depends on the plan alone, never on figures measured, so stopping early cannot bias the verdict.
 */
export function autoRepeat(stores: number): number {
  // One store has nothing to be told apart from: three say how noisy it is.
  if (stores <= 1) return AUTO_REPEAT.min;
  return Math.min(AUTO_REPEAT.max, Math.max(AUTO_REPEAT.min, Math.ceil(AUTO_REPEAT.total / stores)));
}

/** The figures of `autoRepeat`. */
export const AUTO_REPEAT = { min: 3, max: 12, total: 24 } as const;

/** What `--quick` stands for: the short run of earlier versions. */
export const QUICK_RUN = { scenario: 'read-heavy', repeat: '1', duration: '5s' } as const;

/** Every option at its declared default: what `sessionbench` alone runs with. */
export function defaultBenchOptions(): RawBenchOptions {
  const defaults: Record<string, string | string[]> = {};
  for (const [name, option] of Object.entries(BENCH_OPTIONS) as Array<[string, OptionDeclaration]>) {
    if (option.default !== undefined) defaults[name] = option.default;
    else if (option.repeatable) defaults[name] = [];
  }
  return defaults as unknown as RawBenchOptions;
}

/** The declared defaults with some options changed, as a test, gate-check or a script would pass them. */
export function benchOptions(overrides: Partial<RawBenchOptions> = {}): RawBenchOptions {
  return { ...defaultBenchOptions(), ...overrides };
}

/** The declared bounds of a count or duration option. */
export function boundsOf(name: BenchOptionName): { min: number; max: number; wholeSeconds?: boolean } {
  const bounds = (BENCH_OPTIONS[name] as OptionDeclaration).bounds;
  if (!bounds) throw new Error(`${name} declares no bounds`);
  return bounds;
}

/** The flag as a user types it, e.g. "--probe-ops". */
export function flagOf(name: BenchOptionName): string {
  return BENCH_OPTIONS[name].flags.split(' ')[0]!;
}
