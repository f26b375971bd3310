/**
 * `npm run instrumentation`: what does measuring cost? Loads the bench-mode app (app.ts with
 * store timing and write counting, memory sampling, the event-loop watch and IPC questions
 * around the phase, exactly as a bench run's measured phase asks them) and a plain Express +
 * express-session app (plain-app.ts: MemoryStore, the same routes, settings and payload) with
 * wrk, each as a fresh process, in alternating pairs (bench first, then plain first, …), and
 * prints each pair's throughputs and app CPU per request, the median ratio bench / plain with
 * its range, and the load average. The goal is a median throughput ratio of at least 0.97; below
 * it the command exits 1. On a busy machine throughput follows the CPU share each process happened
 * to get; CPU time per request (from /proc) is the steadier figure, printed beside it.
 */
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Command, CommanderError } from 'commander';
import { killAllAppChildren, startAppChild } from '../app/child.ts';
import { startPlainApp } from '../app/plain-child.ts';
import { EXIT, UsageError, describeError } from '../errors.ts';
import { cpuSecondsOf } from '../load/cpu.ts';
import { observePhase } from '../load/observe-phase.ts';
import { expandMix } from '../load/mix.ts';
import { runWrk, wrkThroughput } from '../load/wrk.ts';
import type { WrkReport, WrkRequest } from '../load/wrk.ts';
import { parseCount, parseDuration, parseSize, sessionSettings } from '../plan/plan.ts';
import type { CliIo } from './io.ts';
import { processIo } from './io.ts';
import { formatBytes } from '../../reports/figures/format.ts';
import { spreadOf } from '../../reports/figures/spread.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import type { LoadScenario } from '../../scenarios/load/scenario.ts';
import type { StoreWrites } from '../../contract/metrics.ts';
import type { SessionSettings } from '../../stores/types.ts';

/** The ratio bench / plain the instrumentation must keep (issue 20: within 3 %). */
export const INSTRUMENTATION_GOAL = 0.97;

/** One side's measured phase. */
interface SideResult {
  requests: number;
  durationUs: number;
  /** CPU seconds the app process used while wrk measured (/proc, 10 ms ticks). */
  cpuSeconds: number;
  /** Bench side only: what its store timing counted (a check that it measured). */
  writes?: StoreWrites;
}

interface Options {
  payloadBytes: number;
  settings: SessionSettings;
  pairs: number;
  seconds: number;
  warmupSeconds: number;
  connections: number;
}

const SCENARIO = SCENARIOS['read-heavy'] as LoadScenario;

/** Logs in one session per connection and builds the read-heavy request sequence over them. */
async function sessionRequests(url: string, sessions: number, signal: AbortSignal): Promise<WrkRequest[]> {
  const cookies: string[] = [];
  for (let i = 0; i < sessions; i++) {
    const response = await fetch(`${url}/login`, { method: 'POST', signal });
    const cookie = response.headers.getSetCookie()[0]?.split(';')[0];
    await response.arrayBuffer();
    if (response.status !== 200 || !cookie) throw new Error(`login on ${url} answered ${response.status} without a session cookie`);
    cookies.push(cookie);
  }
  // Each round sends one route to every session in turn, so every session is read and written alike.
  return expandMix(SCENARIO.mix).flatMap((route) => {
    const [method, path] = route.split(' ') as [WrkRequest['method'], string];
    return cookies.map((cookie) => ({ method, path, cookie }));
  });
}

function checked(report: WrkReport, what: string): WrkReport {
  if (report.errors + report.badStatus > 0) throw new Error(`${what}: ${report.errors} socket errors and ${report.badStatus} error statuses under wrk: no comparison`);
  if (report.requests === 0) throw new Error(`${what}: wrk completed no request`);
  return report;
}

/**
 * Logs in, warms the fresh app up, then measures it with wrk, reading the app's CPU time around
 * the measured run; `observe` wraps the measured run (the bench app's observePhase).
 */
async function measureApp(
  app: { url: string; pid: number },
  what: string,
  options: Options,
  signal: AbortSignal,
  observe: (load: () => Promise<WrkReport>) => Promise<WrkReport> = (load) => load(),
): Promise<SideResult> {
  const requests = await sessionRequests(app.url, options.connections, signal);
  let sent = 0;
  // Each run carries on in the sequence where the last stopped, so short runs reach the writes too.
  const wrk = async (seconds: number) => {
    const report = checked(await runWrk({ url: app.url, connections: options.connections, seconds, requests, firstRequest: sent % requests.length, signal }), what);
    sent += report.requests;
    return report;
  };
  if (options.warmupSeconds > 0) await wrk(options.warmupSeconds);
  let cpuSeconds = 0;
  const report = await observe(async () => {
    const before = cpuSecondsOf(app.pid);
    const measured = await wrk(options.seconds);
    const after = cpuSecondsOf(app.pid);
    if (before === undefined || after === undefined) throw new Error(`${what}: cannot read its CPU time from /proc`);
    cpuSeconds = after - before;
    return measured;
  });
  return { requests: report.requests, durationUs: report.durationUs, cpuSeconds };
}

/** The bench app as a bench run measures it: the measured run inside observePhase (store timing, sampling, IPC). */
async function measureBench(options: Options, signal: AbortSignal): Promise<SideResult> {
  const app = await startAppChild({ store: 'memory', settings: options.settings, app: { payloadBytes: options.payloadBytes } });
  try {
    let writes: StoreWrites | undefined;
    const result = await measureApp({ url: app.url, pid: app.pids[0]! }, 'bench app', options, signal, async (load) => {
      const { result: report, observed } = await observePhase(app, { generatorInProcess: false, requestsOf: (r: WrkReport) => r.requests, addsSessions: SCENARIO.sessions === 'per-request' }, load);
      writes = observed.storeWrites;
      return report;
    });
    if (!writes) throw new Error('bench app: its store timing counted nothing');
    return { ...result, writes };
  } finally {
    await app.stop();
  }
}

async function measurePlain(options: Options, signal: AbortSignal): Promise<SideResult> {
  const app = await startPlainApp({ payloadBytes: options.payloadBytes, settings: options.settings });
  try {
    return await measureApp(app, 'plain app', options, signal);
  } finally {
    await app.stop();
  }
}

/** One pair: each app fresh, warmed and measured in turn; odd pairs run the bench app first, even pairs the plain app. */
async function measurePair(pair: number, options: Options, signal: AbortSignal) {
  const benchFirst = pair % 2 === 1;
  if (benchFirst) {
    const bench = await measureBench(options, signal);
    return { benchFirst, bench, plain: await measurePlain(options, signal) };
  }
  const plain = await measurePlain(options, signal);
  return { benchFirst, plain, bench: await measureBench(options, signal) };
}

const perSecond = (value: number) => `${Math.round(value).toLocaleString('en-US')} req/s`;
const percent = (ratio: number) => `${(ratio * 100).toFixed(1)} %`;
const load = () => loadavg().map((value) => value.toFixed(2)).join(' ');
const throughputOf = (totals: SideResult) => totals.requests / (totals.durationUs / 1e6);
const cpuUsPerRequest = (totals: SideResult) => (totals.cpuSeconds * 1e6) / totals.requests;

function writesLine(writes: StoreWrites | undefined): string {
  if (!writes || writes.requests === 0) return '';
  const per = (n: number) => (n / writes.requests).toFixed(2);
  const sampled = writes.bytesSampled ? ` (serialised ${writes.bytesSampled.set + writes.bytesSampled.touch} of ${writes.set + writes.touch} calls)` : '';
  return `; bench counted ${per(writes.set)} set + ${per(writes.touch)} touch, ${formatBytes((writes.setBytes + writes.touchBytes) / writes.requests)}${sampled} / request`;
}

async function run(options: Options, io: CliIo, signal: AbortSignal): Promise<number> {
  const say = (line: string) => io.stdout(`${line}\n`);
  const setting = `${formatBytes(options.payloadBytes)} payload${options.settings.rolling ? ', --rolling' : ''}${options.settings.resave ? ', --resave' : ''}`;
  say(`instrumentation: bench-mode app (memory store) vs plain Express + express-session (MemoryStore), ${setting}`);
  say(`read-heavy mix under wrk -t1 -c${options.connections}, one session per connection; each app a fresh process, ${options.warmupSeconds}s warm-up + ${options.seconds}s measured (the bench app's inside the bench's phase observation); ${options.pairs} pairs, the first side alternating`);
  const loadStart = loadavg();
  say(`load average at start: ${load()} (${cpus().length} cores)`);
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  const bench: number[] = [];
  const plain: number[] = [];
  for (let pair = 1; pair <= options.pairs; pair++) {
    signal.throwIfAborted();
    const result = await measurePair(pair, options, signal);
    const ratio = throughputOf(result.bench) / throughputOf(result.plain);
    const cpuRatio = cpuUsPerRequest(result.plain) / cpuUsPerRequest(result.bench);
    ratios.push(ratio);
    cpuRatios.push(cpuRatio);
    bench.push(throughputOf(result.bench));
    plain.push(throughputOf(result.plain));
    say(
      `pair ${pair} (${result.benchFirst ? 'bench first' : 'plain first'}): bench ${perSecond(throughputOf(result.bench))}, ${Math.round(cpuUsPerRequest(result.bench))} µs CPU/request · ` +
        `plain ${perSecond(throughputOf(result.plain))}, ${Math.round(cpuUsPerRequest(result.plain))} µs CPU/request · ratio ${ratio.toFixed(3)} (CPU ${cpuRatio.toFixed(3)})${writesLine(result.bench.writes)} · load ${load()}`,
    );
  }
  const r = spreadOf(ratios)!;
  const c = spreadOf(cpuRatios)!;
  say(`median throughput: bench ${perSecond(spreadOf(bench)!.median)}, plain ${perSecond(spreadOf(plain)!.median)}`);
  say(`ratio bench / plain (throughput): median ${r.median.toFixed(3)} (${percent(r.median)} of the plain app), range ${r.min.toFixed(3)}–${r.max.toFixed(3)} over ${r.n} pairs`);
  say(`ratio plain / bench (app CPU per request): median ${c.median.toFixed(3)}, range ${c.min.toFixed(3)}–${c.max.toFixed(3)}`);
  say(`load average ${loadStart.map((v) => v.toFixed(2)).join(' ')} at start, ${load()} at end, ${cpus().length} cores`);
  if (loadStart[0]! >= cpus().length / 2) say(`the machine was busy (1-min load ${loadStart[0]!.toFixed(2)} on ${cpus().length} cores): throughputs spread widely; the CPU-per-request ratio is the steadier figure`);
  const within = r.median >= INSTRUMENTATION_GOAL;
  say(`throughput ratio ${within ? 'within' : 'NOT within'} the goal of ${percent(INSTRUMENTATION_GOAL)}`);
  return within ? EXIT.ok : EXIT.regression;
}

async function wrkAvailable(): Promise<boolean> {
  try {
    await promisify(execFile)('wrk', ['--version']);
    return true;
  } catch (error) {
    // wrk --version prints its usage and exits 1; only a missing binary is ENOENT.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

interface Flags {
  payload: string;
  rolling?: boolean;
  resave?: boolean;
  pairs: string;
  duration: string;
  warmup: string;
  connections: string;
}

function parseOptions(flags: Flags): Options {
  return {
    payloadBytes: parseSize('--payload', flags.payload),
    settings: sessionSettings({ rolling: flags.rolling ?? false, resave: flags.resave ?? false }),
    pairs: parseCount('--pairs', flags.pairs, { min: 1, max: 50 }),
    seconds: parseDuration('--duration', flags.duration, { min: 1, max: 600, wholeSeconds: true }),
    warmupSeconds: parseDuration('--warmup', flags.warmup, { min: 0, max: 600, wholeSeconds: true }),
    connections: parseCount('--connections', flags.connections, { min: 1, max: 1000 }),
  };
}

/** The command: parses `argv`, measures, prints; resolves with the exit code (0 within the goal, 1 not, 2 bad input, 3 failed, 130 interrupted). */
export async function instrumentationMain(argv: readonly string[], io: CliIo): Promise<number> {
  let flags: Flags | undefined;
  const program = new Command('instrumentation')
    .description('the bench-mode app against a plain Express + express-session app under wrk, in alternating fresh-process pairs: the ratio of their throughputs')
    .option('--payload <size>', 'session payload', '1kb')
    .option('--rolling', 'express-session rolling: true (on both apps)')
    .option('--resave', 'express-session resave: true (on both apps)')
    .option('--pairs <n>', 'alternating pairs (bench first, then plain first, …)', '5')
    .option('--duration <time>', 'measured time per side', '5s')
    .option('--warmup <time>', 'warm-up per side, on the fresh process, before it is measured', '2s')
    .option('--connections <n>', 'wrk connections, one session each', '10')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: (text) => io.stderr(text) })
    .action((parsed: Flags) => void (flags = parsed));
  let options: Options;
  try {
    program.parse(argv, { from: 'user' });
    if (!flags) return EXIT.ok;
    options = parseOptions(flags);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
  if (!(await wrkAvailable())) {
    io.stderr('wrk: not found; install it (apt-get install -y wrk, or .ci/ensure.sh) and run again\n');
    return EXIT.runFailed;
  }
  const controller = new AbortController();
  const stopListening = io.onStopSignal(() => controller.abort());
  try {
    return await run(options, io, controller.signal);
  } catch (error) {
    if (controller.signal.aborted) {
      io.stderr('interrupted: no ratio\n');
      return EXIT.interrupted;
    }
    io.stderr(`instrumentation run failed: ${describeError(error)}\n`);
    return EXIT.runFailed;
  } finally {
    stopListening();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.on('exit', () => killAllAppChildren());
  process.exit(await instrumentationMain(process.argv.slice(2), processIo()));
}
