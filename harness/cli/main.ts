import { Command, CommanderError } from 'commander';
import { withOptions, withServerUrlOptions } from './declared-options.ts';
import { abCommand } from './ab.ts';
import { killAllAppChildren } from '../app/child.ts';
import { EXIT, RunError, SHUTDOWN_BOUND_MS, UsageError } from '../errors.ts';
import { checkOutputPath, runDirectory } from './output-dir.ts';
import { buildPlan, loadPlanStores, parseFailOn } from '../plan/plan.ts';
import { BENCH_OPTIONS } from '../plan/options.ts';
import type { RawBenchOptions, RawServerUrlOptions } from '../plan/options.ts';
import { requireStorePackages } from '../plan/store-packages.ts';
import { conformCommand } from './conform.ts';
import { cleanCommand } from './clean.ts';
import type { RawConformOptions } from './conform.ts';
import { exportK6Command } from './export-k6.ts';
import type { RawExportK6Options } from './export-k6.ts';
import type { CliIo } from './io.ts';
import { createProgress } from './progress.ts';
import { redactText, redactUrls } from './redact.ts';
import type { RawK6ImportFlags } from '../k6/k6-import.ts';
import { loadRunResultFile, runReportCommand } from './report.ts';
import { writeRunOutputs } from './write-outputs.ts';
import { startBench } from '../run/runner.ts';
import type { RunResult } from '../../contract/result.ts';
import { serveCommand } from './serve.ts';
import type { RawServeOptions } from './serve.ts';
import { VERSION } from '../plan/version.ts';
import { GATE_ALPHA, MIN_REPETITIONS, compareRuns } from '../../reports/verdict/compare.ts';
import { recommendStore, verdictOf } from '../../reports/verdict/recommend.ts';
import { ReportInputError } from '../../contract/read.ts';
import { renderTerminalComparison, renderTerminalTable, terminalLine } from '../../reports/render/terminal.ts';
import { stopAllServers } from '../../stores/servers/provision.ts';
import { STORE_IDS } from '../../contract/vocabulary.ts';

/**
 * After a stop signal, how long the run may stop gracefully before what is left is killed:
 * the rest of SHUTDOWN_BOUND_MS is for killing and writing the partial result.
 */
const GRACEFUL_STOP_MS = SHUTDOWN_BOUND_MS - 2000;

type BenchFlags = RawBenchOptions;

/** One line for stderr: passwords in URLs hidden, control characters and line breaks made visible. */
function errorLine(text: string): string {
  return `sessionbench: ${terminalLine(redactText(text))}\n`;
}

/** The exit code for an error that ended a command, after printing it as one line. */
function failure(error: unknown, io: CliIo): number {
  io.stderr(errorLine(error instanceof Error ? error.message || error.name : String(error)));
  if (error instanceof UsageError || error instanceof ReportInputError) return EXIT.usage;
  if (!(error instanceof RunError) && error instanceof Error && io.env.SESSIONBENCH_DEBUG) io.stderr(`${redactText(error.stack ?? '')}\n`);
  return EXIT.runFailed;
}


async function loadBaseline(file: string): Promise<RunResult> {
  const baseline = await loadRunResultFile(file, `baseline ${file}`);
  if (baseline.partial) throw new UsageError(`--baseline: ${file} is a partial (interrupted) run; compare with a complete run`);
  // Per run, not per measurement: ttl, outage and restart measure once whatever --repeat says, and a
  // failed repetition leaves its measurement unknown (said in a warning) rather than the baseline unusable.
  if (baseline.plan.repeat < MIN_REPETITIONS) {
    throw new UsageError(`--baseline: ${file} was made with ${baseline.plan.repeat} repetition${baseline.plan.repeat === 1 ? '' : 's'}; the gate's exact test needs ${MIN_REPETITIONS} on each side to reach p ≤ ${GATE_ALPHA}, so it could not fail; make the baseline with --repeat ${MIN_REPETITIONS}`);
  }
  return baseline;
}

/** Width of text output when neither COLUMNS nor a terminal says: what most terminals show. */
const DEFAULT_WIDTH = 120;

/** How wide the results may be: COLUMNS when set, else the terminal's width, else DEFAULT_WIDTH. */
function outputWidth(io: CliIo): number {
  const columns = Number(io.env.COLUMNS);
  if (Number.isInteger(columns) && columns > 0) return columns;
  return io.stdoutColumns ?? DEFAULT_WIDTH;
}

async function bench(flags: BenchFlags, io: CliIo): Promise<number> {
  const plan = buildPlan(flags, io.env);
  await loadPlanStores(plan);
  if (plan.storesNamed) for (const store of plan.stores) requireStorePackages(store, plan.customStores[store as keyof typeof plan.customStores]);
  const failOnPercent = parseFailOn(flags.failOn);
  await checkOutputPath('--out', plan.outDir, 'directory');
  const baseline = flags.baseline ? await loadBaseline(flags.baseline) : undefined;
  const progress = createProgress({ quiet: Boolean(flags.quiet), write: io.stderr, live: io.stderrIsTTY && !io.env.CI });
  const log = (line: string) => progress.log(terminalLine(redactText(line)));
  const observer = { ...progress, log };
  const controller = new AbortController();
  const run = startBench(plan, observer, controller.signal);
  let killTimer: NodeJS.Timeout | undefined;
  let stopListening = () => {};
  const forced = new Promise<RunResult>((resolve, reject) => {
    stopListening = io.onStopSignal((signal) => {
      if (controller.signal.aborted) return;
      log(`interrupted (${signal}): stopping load, apps and servers (results so far are kept, marked partial)`);
      controller.abort();
      killTimer = setTimeout(() => {
        log(`shutdown took over ${GRACEFUL_STOP_MS / 1000}s: killing what is left`);
        killAllAppChildren();
        Promise.all([stopAllServers(), run.cleanUp()]).then(() => resolve(run.snapshot()), reject);
      }, GRACEFUL_STOP_MS);
    });
  });
  let result: RunResult;
  try {
    result = await Promise.race([run.done, forced]);
  } finally {
    progress.done();
    stopListening();
    clearTimeout(killTimer);
  }
  const redacted = redactUrls(result);
  const safe: RunResult = { ...redacted, verdict: verdictOf(recommendStore(redacted)) };
  const comparison = baseline && !safe.partial ? compareRuns(baseline, safe, { failOnPercent }) : undefined;
  const outputs = await writeRunOutputs(safe, runDirectory(plan.outDir, safe.startedAt), comparison);
  if (flags.json) io.stdout(`${JSON.stringify(safe)}\n`);
  else {
    const width = outputWidth(io);
    io.stdout(`${renderTerminalTable(safe, { width })}\n${comparison ? `\n${renderTerminalComparison(comparison, { width })}\n` : ''}`);
  }
  log(`results: ${outputs.results}`);
  log(`report:  ${outputs.html}`);
  const failed = safe.entries.filter((entry) => entry.status === 'failed' && entry.cause !== 'payload-limit');
  if (failed.length > 0) log(`${failed.length} run${failed.length === 1 ? '' : 's'} failed (see "Not measured"): exit code ${EXIT.runFailed}`);
  if (safe.partial) return EXIT.interrupted;
  if (failed.length > 0) return EXIT.runFailed;
  return comparison && comparison.regressions > 0 ? EXIT.regression : EXIT.ok;
}

async function report(files: string[], flags: { out?: string; k6Summary?: string[] } & RawK6ImportFlags, io: CliIo): Promise<number> {
  const { out, k6Summary, ...k6 } = flags;
  const written = await runReportCommand({ files, outDir: out, k6Summaries: k6Summary, k6 });
  io.stdout(`report:  ${terminalLine(written.htmlPath)}\nsummary: ${terminalLine(written.markdownPath)}\nci:      ${terminalLine(written.ciBiggerIsBetter)}, ${terminalLine(written.ciSmallerIsBetter)}\n`);
  return EXIT.ok;
}

/** The command-line program; each action stores its exit code through `done`. */
function createProgram(io: CliIo, done: (code: number) => void): Command {
  const program = new Command('sessionbench')
    .description('Compare Express session stores on real servers: latency, throughput, memory and correctness.')
    .version(VERSION)
    .showSuggestionAfterError(false)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: () => {} });

  const { out, json, quiet, baseline, failOn, addedLatency, addedCpu, addedStoreCalls, sharedServer, namespace, ...runOptions } = BENCH_OPTIONS;
  const benchCommand = withOptions(
    withServerUrlOptions(withOptions(program.command('bench', { isDefault: true }).description('run the benchmark (the default command)'), Object.values(runOptions))),
    [sharedServer, namespace, out, json, quiet, baseline, failOn, addedLatency, addedCpu, addedStoreCalls],
  ).action(async (flags: BenchFlags) => done(await bench(flags, io)));

  // bench is the default command: `sessionbench --help` (and `npm run bench -- --help`) shows its options too.
  program
    .usage('[bench options] | <command> [options]')
    .addHelpText('after', () => `\nBench options (the default command):${benchCommand.helpInformation().split(/^Options:$/m)[1] ?? ''}`);

  program
    .command('report')
    .description('re-render report.html and summary.md from results files, without running anything')
    .argument('[results.json...]', 'results files (several are merged into one report)')
    .option('--out <dir>', 'where to write (default: beside the first file)')
    .option('--k6-summary <file...>', 'k6 summary JSON files (k6 run --summary-export) of one script from sessionbench export k6, as repetitions; or the runner files of export k6 --parallelism, merged per run')
    .option('--k6-store <id>', 'with --k6-summary: the store the app served')
    .option('--k6-scenario <id>', 'with --k6-summary: the scenario the script was exported from')
    .option('--k6-rate <r>', 'with --k6-summary: the rate it ran at, req/s (export k6 --rate)')
    .option('--k6-duration <time>', 'with --k6-summary: its measured phase (export k6 --duration)')
    .option('--k6-warmup <time>', 'with --k6-summary: its warm-up (export k6 --warmup); without it the warm-up is left out')
    .action(async (files: string[], flags: { out?: string; k6Summary?: string[] } & RawK6ImportFlags) => done(await report(files, flags, io)));

  abCommand(program, io, done);

  const serve = program
    .command('serve')
    .description('run the reference app for one store as a standalone server (for k6 or any load tool)')
    .option('--store <id>', `the store (${STORE_IDS.join(', ')})`)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <n>', 'port (0: a free one)', '0')
    .option('--server-url <url>', "the store's server (or REDIS_URL, …); otherwise provisioned like bench")
    .option('--shared-server', "use a server given by URL even though it holds data that is not sessionbench's");
  withOptions(serve, [BENCH_OPTIONS.payload, BENCH_OPTIONS.maxAge, BENCH_OPTIONS.storeOption]).action(async (flags: RawServeOptions) => done(await serveCommand(flags, io)));

  withServerUrlOptions(
    program
      .command('conform')
      .description("check a store against express-session's Store API: get/set/touch/destroy, TTL, races (exit 1 on a failure)")
      .option('--store <id|path>', `a built-in store (${STORE_IDS.join(', ')}) or a path to your store module (./my-store.mjs)`),
  )
    .option('--shared-server', "use a server given by URL even though it holds data that is not sessionbench's")
    .action(async (flags: RawConformOptions) => done(await conformCommand(flags, io)));

  withServerUrlOptions(
    program
      .command('clean')
      .description("remove what sessionbench wrote (keys sessionbench:*, its tables/collections sessionbench_session, …, sessionbench_probe_<pid>_<id>) from servers given by URL, e.g. after a killed run"),
  ).action(async (flags: RawServerUrlOptions) => done(await cleanCommand(flags, io)));

  program
    .command('export')
    .description('export a scenario for another tool')
    .command('k6')
    .description("write a standalone k6 script (k6 run, the k6 operator's TestRun, k6 cloud)")
    .option('--scenario <id>', 'scenario to export (load or race)')
    .option('--target <url>', "the app's base URL (BASE_URL in k6's environment overrides it)")
    .option('--rate <req/s>', 'requests per second to start (open model)')
    .option('--duration <time>', 'measured phase', '30s')
    .option('--warmup <time>', 'warm-up phase, reported apart (k6 scenario "warmup")', '5s')
    .option('--out <file>', 'write the script here instead of stdout')
    .option(BENCH_OPTIONS.users.flags, 'logged-in users the load spreads over, each iteration picking one (a VU logs a user in the first time it picks it)')
    .option(BENCH_OPTIONS.distribution.flags, BENCH_OPTIONS.distribution.help, BENCH_OPTIONS.distribution.default)
    .option(BENCH_OPTIONS.loginRate.flags, BENCH_OPTIONS.loginRate.help)
    .option('--parallelism <n>', 'runners sharing the rate: also writes a k6-operator TestRun beside --out, and each runner writes a results file report merges')
    .action(async (flags: RawExportK6Options) => {
      await exportK6Command(flags, io);
      done(EXIT.ok);
    });

  return program;
}

/**
 * The whole CLI as a function: runs the command in `argv` (arguments only, without node and
 * the script) against `io` and resolves with the exit code. Never exits the process: the bin does.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
  try {
    await createProgram(io, (exitCode) => (code = exitCode)).parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return EXIT.ok;
      return failure(new UsageError(`${error.message.replace(/^error: /, '')}; see sessionbench --help`), io);
    }
    await stopAllServers().catch(() => {});
    return failure(error, io);
  }
}
