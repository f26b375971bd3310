import { Command, CommanderError, Option } from 'commander';
import { killAllAppChildren } from '../app/child.ts';
import { EXIT, RunError, SHUTDOWN_BOUND_MS, UsageError } from '../errors.ts';
import { checkOutputPath, runDirectory } from './output-dir.ts';
import { buildPlan, loadPlanStores, parseFailOn } from '../plan/plan.ts';
import type { RawBenchOptions } from '../plan/plan.ts';
import { conformCommand } from './conform.ts';
import { cleanCommand } from './clean.ts';
import type { RawServerUrlOptions } from '../plan/plan.ts';
import type { RawConformOptions } from './conform.ts';
import { exportK6Command } from './export-k6.ts';
import type { RawExportK6Options } from './export-k6.ts';
import type { CliIo } from './io.ts';
import { createProgress } from './progress.ts';
import { redactText, redactUrls } from './redact.ts';
import type { RawK6ImportFlags } from '../load/k6-import.ts';
import { loadRunResultFile, runReportCommand } from './report.ts';
import { writeRunOutputs } from './write-outputs.ts';
import { startBench } from '../run/runner.ts';
import type { RunResult } from '../../reports/result.ts';
import { serveCommand } from './serve.ts';
import type { RawServeOptions } from './serve.ts';
import { VERSION } from '../plan/version.ts';
import { compareRuns } from '../../reports/compare.ts';
import { ReportInputError } from '../../reports/input.ts';
import { renderTerminalComparison, renderTerminalTable, terminalLine } from '../../reports/terminal.ts';
import { DEFAULT_SCENARIOS, SCENARIOS } from '../../scenarios/index.ts';
import { SERVER_KIND_DEFINITIONS } from '../../stores/servers/kinds/index.ts';
import { stopAllServers } from '../../stores/servers/provision.ts';
import { STORE_IDS } from '../../stores/types.ts';

/**
 * After a stop signal, how long the run may stop gracefully before what is left is killed:
 * the rest of SHUTDOWN_BOUND_MS is for killing and writing the partial result.
 */
const GRACEFUL_STOP_MS = SHUTDOWN_BOUND_MS - 2000;

interface BenchFlags extends RawBenchOptions {
  json?: boolean;
  quiet?: boolean;
  baseline?: string;
  failOn: string;
}

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
  const safe = redactUrls(result);
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

/** Commander's accumulator for a repeatable option. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `--<kind>-url` for every server kind, from its definition. */
function withServerUrlOptions(command: Command): Command {
  for (const [kind, definition] of Object.entries(SERVER_KIND_DEFINITIONS)) {
    command.option(`--${kind}-url <url>`, `use this ${definition.noun} (or ${definition.url.envVar}) instead of starting one`);
  }
  return command;
}

/** The command-line program; each action stores its exit code through `done`. */
function createProgram(io: CliIo, done: (code: number) => void): Command {
  const program = new Command('sessionbench')
    .description('Compare Express session stores on real servers: latency, throughput, memory and correctness.')
    .version(VERSION)
    .showSuggestionAfterError(false)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: () => {} });

  const benchCommand = program
    .command('bench', { isDefault: true })
    .description('run the benchmark (the default command)')
    .option('--store <ids>', `stores to run, comma-separated, or "all" (${STORE_IDS.join(', ')}); a path (./my-store.mjs) loads your own`, 'all')
    .option('--scenario <ids>', `scenarios, comma-separated (${Object.keys(SCENARIOS).join(', ')})`, DEFAULT_SCENARIOS.join(','))
    .option('--duration <time>', 'measured time per repetition, whole seconds or ms: e.g. 10s, 2m, 1500ms', '5s')
    .option('--warmup <time>', 'shortest warm-up before measuring (kept apart); it goes on until throughput settles, up to 10× this or 30 s', '1s')
    .option('--probe-ops <n>', 'serial calls of each store operation when measuring the store alone after verification (0: skip)', '1000')
    .option('--connections <n>', 'concurrent connections, one user (session) each', '10')
    .option('--driver <name>', 'load generator: autocannon (closed model, --connections) or k6 (open model, --rate)', 'autocannon')
    .option('--rate <req/s>', 'with --driver k6: requests per second to start, whatever the latency')
    .option('--instances <n>', 'app instances behind a request-level round-robin balancer', '1')
    .option('--repeat <n>', 'measured repetitions per store and scenario', '1')
    .option('--payload <size>', 'session payload stored at login, e.g. 1kb, 10kb', '1kb')
    .option('--max-age <time>', 'session cookie and store TTL', '1h')
    .option('--prefill <counts>', 'load this many sessions into the store before measuring, a list to sweep, e.g. 0,100k,1m')
    .option('--resave', 'express-session resave: true (default false)')
    .option('--rolling', 'express-session rolling: true (default false)')
    .option('--store-option <key=value>', 'an option a store declares, e.g. memorystore.max=10000 or disableTouch=true (repeatable)', collect, []);
  withServerUrlOptions(benchCommand)
    .option('--shared-server', 'use a server given by URL even though it holds data that is not sessionbench\'s (the load competes with it)')
    .option('--namespace <own|library>', "own: sessionbench:* keys and sessionbench_* tables/collections (default); library: the store libraries' default names, as an app uses them")
    .option('--out <dir>', 'directory for results/<timestamp>/', 'results')
    .option('--json', 'print the RunResult JSON to stdout instead of the table')
    .option('--quiet', 'no progress output')
    .option('--baseline <results.json>', 'compare with an earlier complete run; exit 1 on a regression beyond --fail-on')
    .option('--fail-on <percent>', 'regression threshold in percent (outside the repetitions\' noise)', '10')
    .addOption(new Option('--added-latency <ms>', 'add this many ms to every request (to check regression detection)').default('0').hideHelp())
    .action(async (flags: BenchFlags) => done(await bench(flags, io)));

  // bench is the default command: `sessionbench --help` (and `npm run bench -- --help`) shows its options too.
  program
    .usage('[bench options] | <command> [options]')
    .addHelpText('after', () => `\nBench options (the default command):${benchCommand.helpInformation().split(/^Options:$/m)[1] ?? ''}`);

  program
    .command('report')
    .description('re-render report.html and summary.md from results files, without running anything')
    .argument('[results.json...]', 'results files (several are merged into one report)')
    .option('--out <dir>', 'where to write (default: beside the first file)')
    .option('--k6-summary <file...>', 'k6 summary JSON files (k6 run --summary-export) of one script from sessionbench export k6, as repetitions')
    .option('--k6-store <id>', 'with --k6-summary: the store the app served')
    .option('--k6-scenario <id>', 'with --k6-summary: the scenario the script was exported from')
    .option('--k6-rate <r>', 'with --k6-summary: the rate it ran at, req/s (export k6 --rate)')
    .option('--k6-duration <time>', 'with --k6-summary: its measured phase (export k6 --duration)')
    .option('--k6-warmup <time>', 'with --k6-summary: its warm-up (export k6 --warmup); without it the warm-up is left out')
    .action(async (files: string[], flags: { out?: string; k6Summary?: string[] } & RawK6ImportFlags) => done(await report(files, flags, io)));

  program
    .command('serve')
    .description('run the reference app for one store as a standalone server (for k6 or any load tool)')
    .option('--store <id>', `the store (${STORE_IDS.join(', ')})`)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <n>', 'port (0: a free one)', '0')
    .option('--payload <size>', 'session payload stored at login', '1kb')
    .option('--max-age <time>', 'session cookie and store TTL', '1h')
    .option('--server-url <url>', "the store's server (or REDIS_URL, …); otherwise provisioned like bench")
    .option('--store-option <key=value>', 'an option the store declares, e.g. max=10000 (repeatable)', collect, [])
    .option('--shared-server', "use a server given by URL even though it holds data that is not sessionbench's")
    .action(async (flags: RawServeOptions) => done(await serveCommand(flags, io)));

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
