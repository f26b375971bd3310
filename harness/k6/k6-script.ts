import { createHash } from 'node:crypto';
import { expandMix } from '../load/mix.ts';
import { bucketScript } from './k6-latency-buckets.ts';
import { runnerOutputScript } from './k6-runner-file.ts';
import type { RunnerTest } from './k6-runner-file.ts';
import { DEFAULT_RACE_ROUTES } from '../probes/race-oracle.ts';
import { VERSION } from '../plan/version.ts';
import type { LoadScenario } from '../../scenarios/load/scenario.ts';
import type { RaceScenario } from '../../scenarios/race/scenario.ts';
import { K6_USER_CHOOSER, k6UsersConfig } from './k6-users.ts';
import type { K6Users } from './k6-users.ts';

/** The scenario kinds a k6 script can run: load (a mix) and race (bursts on one session). */
export type K6Scenario = LoadScenario | RaceScenario;

/** The phases a generated script can hold; each is a k6 scenario of that name, so every metric carries `scenario:<phase>`. */
export const K6_PHASES = ['warmup', 'measured'] as const;
export type K6Phase = (typeof K6_PHASES)[number];

/** The k6 scenario of a phase's new users (`--login-rate`), beside the phase's own. */
export const arrivalsScenario = (phase: K6Phase) => `${phase}-arrivals`;

/** Counters the script adds so that a summary alone (e.g. from a distributed run) tells errors apart. */
export const K6_COUNTERS = { logins: 'sb_logins', errors: 'sb_errors', timeouts: 'sb_timeouts', non2xx: 'sb_non2xx' } as const;

/**
 * Every request carries the tag `kind`: `login` for a VU's session set-up (a
 * fresh k6 process logs every VU in again), `work` for the scenario's own
 * requests. Measured figures are taken from `kind:work` only; logins are counted
 * apart (`sb_logins`). In a per-request scenario (churn) the login is the work.
 */
export const K6_KIND = { tag: 'kind', login: 'login', work: 'work' } as const;

/** Trend statistics the script asks k6 to summarise. */
export const K6_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(99)', 'p(99.9)'];

/** Virtual users k6 keeps ready, and the most it may add when responses slow down. */
export interface VuPool {
  preAllocated: number;
  max: number;
}

/** What to generate: one scenario as an open-model k6 script. */
export interface K6ScriptSpec {
  scenario: K6Scenario;
  /** Base URL of the app; `BASE_URL` in k6's environment overrides it. */
  target: string;
  /** Requests per second to start (a race burst of `fanout` requests counts `fanout` times). */
  ratePerSecond: number;
  /** Warm-up before the measured phase, reported apart; 0 for none. */
  warmupSeconds: number;
  /** Measured phase; 0 for a warm-up-only run. */
  durationSeconds: number;
  vus?: VuPool;
  /** Per-request timeout. */
  timeoutSeconds?: number;
  /**
   * Set for a script several k6 runners share (`export k6 --parallelism`): each
   * runner then writes a mergeable results file at its end (see k6-runner-file.ts).
   */
  runners?: { parallelism: number };
  /** `--users`: each iteration speaks for a user picked by the distribution instead of the VU's own. */
  users?: K6Users;
}

const ASSUMED_LATENCY_SECONDS = 0.25;
const SLOW_LATENCY_SECONDS = 1;
const VU_CAP = 1000;

/**
 * Sizes the VU pool for an iteration rate by Little's law: enough VUs pre-allocated for the rate at
 * up to 250 ms per request (k6 drops iterations while it initialises VUs
 * mid-run, so the pool starts generous), and room for responses up to 1 s,
 * capped at 1000 VUs (each VU is one session and a JS runtime).
 */
export function sizeVuPool(iterationsPerSecond: number): VuPool {
  const preAllocated = Math.min(VU_CAP, Math.max(10, Math.ceil(iterationsPerSecond * ASSUMED_LATENCY_SECONDS)));
  return { preAllocated, max: Math.min(VU_CAP, Math.max(preAllocated, Math.ceil(iterationsPerSecond * SLOW_LATENCY_SECONDS))) };
}

/** Iterations per second: one request each, or one burst of `fanout` requests for a race scenario. */
export function iterationRate(spec: Pick<K6ScriptSpec, 'scenario' | 'ratePerSecond'>): number {
  const perIteration = spec.scenario.kind === 'race' ? spec.scenario.fanout : 1;
  return Math.max(1, Math.round(spec.ratePerSecond / perIteration));
}

/** Text for a `//` comment line: line terminators (which would end the comment and start code) and other controls become spaces. */
const commentText = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');

const millis = (seconds: number) => `${Math.round(seconds * 1000)}ms`;

/** The `options` object of the generated script. */
export function k6Options(spec: K6ScriptSpec): Record<string, unknown> {
  const vus = spec.vus ?? sizeVuPool(iterationRate(spec));
  const timeout = spec.timeoutSeconds ?? 10;
  const phases: Array<[K6Phase, number, number]> = [
    ['warmup', spec.warmupSeconds, 0],
    ['measured', spec.durationSeconds, spec.warmupSeconds],
  ];
  const scenarios: Record<string, unknown> = {};
  const thresholds: Record<string, string[]> = {};
  for (const [phase, seconds, start] of phases) {
    if (seconds <= 0) continue;
    scenarios[phase] = {
      executor: 'constant-arrival-rate',
      rate: iterationRate(spec),
      timeUnit: '1s',
      duration: millis(seconds),
      startTime: millis(start),
      preAllocatedVUs: vus.preAllocated,
      maxVUs: vus.max,
      gracefulStop: millis(timeout),
    };
    // These thresholds always pass: they exist only so that k6's summary holds each sub-metric (per phase, work apart from logins).
    const work = `scenario:${phase},${K6_KIND.tag}:${K6_KIND.work}`;
    thresholds[`http_req_duration{${work}}`] = ['max>=0'];
    for (const counter of ['http_reqs', 'iterations', 'dropped_iterations', K6_COUNTERS.logins]) thresholds[`${counter}{scenario:${phase}}`] = ['count>=0'];
    for (const counter of ['http_reqs', K6_COUNTERS.errors, K6_COUNTERS.timeouts, K6_COUNTERS.non2xx]) thresholds[`${counter}{${work}}`] = ['count>=0'];
    const loginsPerSecond = spec.scenario.kind === 'load' ? spec.users?.loginsPerSecond : undefined;
    if (loginsPerSecond) {
      const arrivals = arrivalsScenario(phase);
      const arrivalVus = sizeVuPool(loginsPerSecond);
      scenarios[arrivals] = { ...(scenarios[phase] as object), exec: 'arrive', rate: loginsPerSecond, preAllocatedVUs: arrivalVus.preAllocated, maxVUs: arrivalVus.max };
      for (const counter of ['dropped_iterations', K6_COUNTERS.logins, K6_COUNTERS.errors, K6_COUNTERS.timeouts, K6_COUNTERS.non2xx]) thresholds[`${counter}{scenario:${arrivals}}`] = ['count>=0'];
    }
  }
  return { scenarios, thresholds, noCookiesReset: true, discardResponseBodies: true, summaryTrendStats: K6_TREND_STATS };
}

/** What every runner's file repeats about the test; its id is a hash of the script's settings. */
export function runnerTest(spec: K6ScriptSpec & { runners: { parallelism: number } }): RunnerTest {
  const settings = JSON.stringify([scriptConfig(spec), k6Options(spec), spec.runners.parallelism, VERSION]);
  return {
    id: createHash('sha256').update(settings).digest('hex').slice(0, 12),
    scenario: spec.scenario.id,
    ratePerSecond: spec.ratePerSecond,
    warmupSeconds: spec.warmupSeconds,
    durationSeconds: spec.durationSeconds,
    parallelism: spec.runners.parallelism,
    sessionbench: VERSION,
  };
}

function scriptConfig(spec: K6ScriptSpec): Record<string, unknown> {
  const { scenario } = spec;
  return {
    target: spec.target,
    timeout: millis(spec.timeoutSeconds ?? 10),
    sessions: scenario.kind === 'race' ? 'per-connection' : scenario.sessions,
    mix: scenario.kind === 'load' ? expandMix(scenario.mix) : [],
    fanout: scenario.kind === 'race' ? scenario.fanout : 0,
    burst: scenario.kind === 'race' ? (scenario.routes ?? DEFAULT_RACE_ROUTES) : [],
    ...(spec.users && scenario.kind === 'load' ? { users: k6UsersConfig(spec.users) } : {}),
  };
}

const BODY = `
const BASE_URL = (__ENV.BASE_URL || CONFIG.target).replace(/\\/+$/, '');
const logins = new Counter('${K6_COUNTERS.logins}');
const errors = new Counter('${K6_COUNTERS.errors}');
const timeouts = new Counter('${K6_COUNTERS.timeouts}');
const non2xx = new Counter('${K6_COUNTERS.non2xx}');
const LOGIN = { ${K6_KIND.tag}: '${K6_KIND.login}' };
const WORK = { ${K6_KIND.tag}: '${K6_KIND.work}' };

let loggedIn = false;
let step = 0;
let sent = 0;

// Errors, timeouts and non-2xx responses are counted with the request's kind, so that logins stay apart.
function record(res, kind) {
  /*OBSERVE*/if (res.status === 0) (res.error_code === 1050 ? timeouts : errors).add(1, kind);
  else if (res.status < 200 || res.status >= 300) non2xx.add(1, kind);
  return res;
}

function request(route, kind, params) {
  const [method, path] = route.split(' ');
  const query = path === '/items' ? \`?id=v\${exec.vu.idInTest}-\${sent}\` : '';
  sent++;
  const tags = Object.assign({ route, name: BASE_URL + path }, kind);
  return { method, url: BASE_URL + path + query, params: Object.assign({ timeout: CONFIG.timeout, tags }, params) };
}

function send(route, kind, params) {
  const r = request(route, kind, params);
  return record(http.request(r.method, r.url, null, r.params), kind);
}

function login(kind, params) {
  logins.add(1);
  return send('POST /login', kind, params).status === 200;
}

// --users: each iteration picks its user. Prefilled users carry a cookie signed like the app's;
// any other user logs in (kind:login) the first time this VU picks it, into a jar of its own.
const nextUser = CONFIG.users ? makeUserChooser(CONFIG.users, Math.random) : null;
const userJars = {};
const prefilledJar = CONFIG.users && CONFIG.users.prefilled ? new http.CookieJar() : null;

function userParams(index) {
  const prefilled = CONFIG.users.prefilled;
  if (prefilled && index < prefilled.count) {
    const id = prefilled.idPrefix + (prefilled.from + index);
    const signature = crypto.hmac('sha256', prefilled.secret, id, 'base64').replace(/=+$/, '');
    prefilledJar.set(BASE_URL, prefilled.cookieName, encodeURIComponent('s:' + id + '.' + signature));
    return { jar: prefilledJar };
  }
  if (!userJars[index]) {
    const jar = new http.CookieJar();
    if (!login(LOGIN, { jar })) return null;
    userJars[index] = jar;
  }
  return { jar: userJars[index] };
}

// --login-rate: a new user logs in (kind:login) and leaves; its session stays stored.
export function arrive() {
  login(LOGIN, { jar: new http.CookieJar() });
}

export default function () {
  if (nextUser && CONFIG.sessions !== 'per-request') {
    const params = userParams(nextUser());
    if (params) send(CONFIG.mix[step++ % CONFIG.mix.length], WORK, params);
    return;
  }
  if (CONFIG.sessions === 'per-request') {
    login(WORK, { jar: new http.CookieJar() });
    return;
  }
  // A VU's first iteration logs in (kind:login), then sends its request as every other iteration does:
  // one work request (or burst) per iteration, whether or not the VU is new to this k6 process.
  if (!loggedIn) loggedIn = login(LOGIN);
  if (CONFIG.fanout > 0) {
    const burst = Array.from({ length: CONFIG.fanout }, (_, i) => request(CONFIG.burst[i % CONFIG.burst.length], WORK));
    http.batch(burst).forEach((res) => record(res, WORK));
    return;
  }
  send(CONFIG.mix[step++ % CONFIG.mix.length], WORK);
}
`;

function header(spec: K6ScriptSpec): string {
  const { scenario } = spec;
  const race =
    scenario.kind === 'race'
      ? ` A race iteration is one http.batch burst of ${scenario.fanout} requests on the VU's session (${(scenario.routes ?? DEFAULT_RACE_ROUTES).join(', ')}); oracles are not checked here.`
      : '';
  return [
    `// k6 script generated by sessionbench ${VERSION} from scenario ${commentText(JSON.stringify(scenario.id))}: ${commentText(scenario.description)}.`,
    `// Open model: constant-arrival-rate at ${spec.ratePerSecond} req/s; warm-up ${spec.warmupSeconds}s (scenario "warmup"), then measured ${spec.durationSeconds}s (scenario "measured").${race}`,
    spec.users && spec.scenario.kind === 'load'
      ? `// Users: each iteration speaks for one of ${spec.users.users} users picked ${spec.users.distribution === 'zipfian' ? "by YCSB's scrambled Zipfian (0.99)" : spec.users.distribution === 'latest' ? "by YCSB's skewed-latest" : 'uniformly'}${spec.users.prefilled ? `; the first ${spec.users.prefilled.count} are prefilled sessions` : '; a VU logs a user in the first time it picks it (VUs share no state: a user picked by two VUs has two sessions)'}.${spec.users.loginsPerSecond ? `\n// New users: ${spec.users.loginsPerSecond} a second log in (scenarios "<phase>-arrivals", function arrive); VUs share no state, so their sessions stay stored and are not read again.` : ''}`
      : '// Each VU is one user: it logs in on its first iteration and keeps its session cookie (noCookiesReset).',
    `// Logins are tagged ${K6_KIND.tag}:${K6_KIND.login} and the scenario's requests ${K6_KIND.tag}:${K6_KIND.work}; measured figures are those of ${K6_KIND.tag}:${K6_KIND.work}.`,
    '// The thresholds never fail: they make k6 report each phase (and its work requests apart from logins) in its summary.',
    `// Run: k6 run --summary-export summary.json script.js   (BASE_URL=http://host:port overrides ${commentText(JSON.stringify(spec.target))})`,
    ...(spec.runners
      ? [
          `// Runners: ${spec.runners.parallelism} k6 processes share the rate by --execution-segment (the k6 operator's parallelism does this); at its end each writes`,
          '// sessionbench-<test>-<SB_RUN_ID>-<segment>.json into SB_RESULTS_DIR: counts and a latency histogram that sessionbench report merges exactly.',
          '// Give every run (repetition) its own SB_RUN_ID; runners of one run share it.',
        ]
      : []),
  ].join('\n');
}

/** Generates a standalone k6 script (k6 run, the k6 operator, k6 cloud) for one scenario in the open model. */
export function generateK6Script(spec: K6ScriptSpec): string {
  const runners = spec.runners;
  const config = runners ? { ...scriptConfig(spec), runner: runnerTest({ ...spec, runners }) } : scriptConfig(spec);
  return [
    header(spec),
    "import http from 'k6/http';",
    "import exec from 'k6/execution';",
    "import { Counter } from 'k6/metrics';",
    ...(config['users'] ? ["import crypto from 'k6/crypto';", K6_USER_CHOOSER] : []),
    '',
    `const CONFIG = ${JSON.stringify(config)};`,
    '',
    `export const options = ${JSON.stringify(k6Options(spec), null, 2)};`,
    // Only a runners' script counts latency into buckets: the harness's own script stays as it was.
    BODY.replace('/*OBSERVE*/', runners ? 'observeLatency(res, kind);\n  ' : ''),
    ...(runners ? [bucketScript(), runnerOutputScript()] : []),
  ].join('\n');
}
