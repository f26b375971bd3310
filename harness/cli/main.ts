import { Command, CommanderError, Option } from 'commander';
import { killAllAppChildren } from '../app/child.ts';
import { EXIT, RunError, SHUTDOWN_BOUND_MS, UsageError } from '../errors.ts';
import { assertWritableDir, runDirectory } from './output-dir.ts';
import { buildPlan } from '../plan/plan.ts';
import type { RawBenchOptions } from '../plan/plan.ts';
import { exportK6Command } from './export-k6.ts';
import type { RawExportK6Options } from './export-k6.ts';
import { createProgress } from './progress.ts';
import { createRedactor, redactDeep } from './redact.ts';
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
import { renderTerminalComparison, renderTerminalTable } from '../../reports/terminal.ts';
import { DEFAULT_SCENARIOS, SCENARIOS } from '../../scenarios/index.ts';
import { stopAllServers } from '../../stores/servers/provision.ts';
import { STORE_IDS } from '../../stores/types.ts';


interface BenchFlags extends RawBenchOptions {
  json?: boolean;
  quiet?: boolean;
  baseline?: string;
  failOn: string;
}

function fail(error: unknown, redact: (text: string) => string = (text) => text): never {
  const text = redact(error instanceof Error ? error.message : String(error));
  process.stderr.write(`sessionbench: ${text}\n`);
  if (error instanceof UsageError || error instanceof ReportInputError) process.exit(EXIT.usage);
  if (!(error instanceof RunError) && error instanceof Error && process.env.SESSIONBENCH_DEBUG) process.stderr.write(`${redact(error.stack ?? '')}\n`);
  process.exit(EXIT.runFailed);
}

function parseFailOn(value: string): number {
  const percent = Number(value.replace(/%$/, ''));
  if (!Number.isFinite(percent) || percent <= 0 || percent > 1000) throw new UsageError(`--fail-on: "${value}" must be a percentage above 0, e.g. 10`);
  return percent;
}

async function bench(flags: BenchFlags): Promise<void> {
  const plan = buildPlan(flags);
  const redact = createRedactor(Object.values(plan.serverUrls));
  const failOnPercent = parseFailOn(flags.failOn);
  await assertWritableDir('--out', plan.outDir);
  const baseline = flags.baseline ? await loadRunResultFile(flags.baseline, `baseline ${flags.baseline}`) : undefined;
  const progress = createProgress({ quiet: Boolean(flags.quiet) });
  const observer = { ...progress, log: (line: string) => progress.log(redact(line)) };
  const controller = new AbortController();
  const run = startBench(plan, observer, controller.signal);
  let finishing = false;
  const finish = async (result: RunResult): Promise<void> => {
    if (finishing) return;
    finishing = true;
    const safe = redactDeep(result, redact);
    const comparison = baseline && !safe.partial ? compareRuns(baseline, safe, { failOnPercent }) : undefined;
    const outputs = await writeRunOutputs(safe, runDirectory(plan.outDir, safe.startedAt), comparison);
    if (flags.json) process.stdout.write(`${JSON.stringify(safe)}\n`);
    else process.stdout.write(`${renderTerminalTable(safe)}\n${comparison ? `\n${renderTerminalComparison(comparison)}\n` : ''}`);
    observer.log(`results: ${outputs.results}\nreport:  ${outputs.html}`);
    const failed = safe.entries.filter((entry) => entry.status === 'failed' && entry.cause !== 'payload-limit');
    if (failed.length > 0) observer.log(`${failed.length} run${failed.length === 1 ? '' : 's'} failed (see "Not measured"): exit code ${EXIT.runFailed}`);
    process.exit(safe.partial ? EXIT.interrupted : failed.length > 0 ? EXIT.runFailed : comparison && comparison.regressions > 0 ? EXIT.regression : EXIT.ok);
  };
  const interrupt = () => {
    if (controller.signal.aborted) return;
    observer.log('interrupted: stopping load, apps and servers (results so far are kept, marked partial)');
    controller.abort();
    setTimeout(() => {
      observer.log(`shutdown took over ${SHUTDOWN_BOUND_MS / 1000}s: killing what is left`);
      killAllAppChildren();
      void stopAllServers()
        .then(() => finish(run.snapshot()))
        .catch((error: unknown) => fail(error, redact));
    }, SHUTDOWN_BOUND_MS).unref();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  try {
    await finish(await run.done.finally(() => progress.done()));
  } catch (error) {
    fail(error, redact);
  }
}

async function report(files: string[], flags: { out?: string; k6Summary?: string[] } & RawK6ImportFlags): Promise<void> {
  const { out, k6Summary, ...k6 } = flags;
  const written = await runReportCommand({ files, outDir: out, k6Summaries: k6Summary, k6 });
  process.stdout.write(`report:  ${written.htmlPath}\nsummary: ${written.markdownPath}\n`);
}

/** The command-line program. */
function createProgram(): Command {
  const program = new Command('sessionbench')
    .description('Compare Express session stores on real servers: latency, throughput, memory and correctness.')
    .version(VERSION)
    .showSuggestionAfterError(false)
    .exitOverride()
    .configureOutput({ outputError: () => {} });

  program
    .command('bench', { isDefault: true })
    .description('run the benchmark (the default command)')
    .option('--store <ids>', `stores to run, comma-separated, or "all" (${STORE_IDS.join(', ')})`, 'all')
    .option('--scenario <ids>', `scenarios, comma-separated (${Object.keys(SCENARIOS).join(', ')})`, DEFAULT_SCENARIOS.join(','))
    .option('--duration <time>', 'measured time per repetition, e.g. 10s, 2m', '5s')
    .option('--warmup <time>', 'shortest warm-up before measuring (kept apart); it goes on until throughput settles, up to 10× this or 30 s', '1s')
    .option('--probe-ops <n>', 'serial calls of each store operation when measuring the store alone after verification (0: skip)', '1000')
    .option('--connections <n>', 'concurrent connections, one user (session) each', '10')
    .option('--driver <name>', 'load generator: autocannon (closed model, --connections) or k6 (open model, --rate)', 'autocannon')
    .option('--rate <req/s>', 'with --driver k6: requests per second to start, whatever the latency')
    .option('--instances <n>', 'app instances behind a request-level round-robin balancer', '1')
    .option('--repeat <n>', 'measured repetitions per store and scenario', '1')
    .option('--payload <size>', 'session payload stored at login, e.g. 1kb, 10kb', '1kb')
    .option('--max-age <time>', 'session cookie and store TTL', '1h')
    .option('--resave', 'express-session resave: true (default false)')
    .option('--rolling', 'express-session rolling: true (default false)')
    .option('--redis-url <url>', 'use this Redis server (or REDIS_URL) instead of starting one')
    .option('--memcached-url <url>', 'use this memcached server (or MEMCACHED_URL)')
    .option('--postgres-url <url>', 'use this PostgreSQL server (or POSTGRES_URL)')
    .option('--mongo-url <url>', 'use this MongoDB-protocol server (or MONGO_URL)')
    .option('--out <dir>', 'directory for results/<timestamp>/', 'results')
    .option('--json', 'print the RunResult JSON to stdout instead of the table')
    .option('--quiet', 'no progress output')
    .option('--baseline <results.json>', 'compare with an earlier run; exit 1 on a regression beyond --fail-on')
    .option('--fail-on <percent>', 'regression threshold in percent (outside the repetitions\' noise)', '10')
    .addOption(new Option('--added-latency <ms>', 'add this many ms to every request (to check regression detection)').default('0').hideHelp())
    .action((flags: BenchFlags) => bench(flags));

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
    .action((files: string[], flags: { out?: string; k6Summary?: string[] } & RawK6ImportFlags) => report(files, flags));

  program
    .command('serve')
    .description('run the reference app for one store as a standalone server (for k6 or any load tool)')
    .option('--store <id>', `the store (${STORE_IDS.join(', ')})`)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <n>', 'port (0: a free one)', '0')
    .option('--payload <size>', 'session payload stored at login', '1kb')
    .option('--max-age <time>', 'session cookie and store TTL', '1h')
    .option('--server-url <url>', "the store's server (or REDIS_URL, …); otherwise provisioned like bench")
    .action((flags: RawServeOptions) => serveCommand(flags));

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
    .action((flags: RawExportK6Options) => exportK6Command(flags));

  return program;
}

async function main(): Promise<void> {
  process.on('exit', () => killAllAppChildren());
  try {
    await createProgram().parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) process.exit(EXIT.ok);
      fail(new UsageError(`${error.message.replace(/^error: /, '')}; see sessionbench --help`));
    }
    await stopAllServers().catch(() => {});
    fail(error);
  }
}

await main();
