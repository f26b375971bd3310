import { Command, CommanderError, Option } from 'commander';
import path from 'node:path';
import { killAllAppChildren } from './app-child.ts';
import { EXIT, RunError, UsageError } from './errors.ts';
import { assertWritableDir, runDirectory, writeFileAtomic } from './output.ts';
import { buildPlan } from './plan.ts';
import type { RawBenchOptions } from './plan.ts';
import { exportK6Command } from './export-k6.ts';
import type { RawExportK6Options } from './export-k6.ts';
import { createProgress } from './progress.ts';
import type { RunResult } from './result.ts';
import { runBench } from './runner.ts';
import { serveCommand } from './serve.ts';
import type { RawServeOptions } from './serve.ts';
import { VERSION } from './version.ts';
import { renderTerminalTable } from '../reports/terminal.ts';
import { SCENARIOS } from '../scenarios/index.ts';
import { stopAllServers } from '../stores/servers/provision.ts';
import { STORE_IDS } from '../stores/types.ts';

const SHUTDOWN_BOUND_MS = 5000;

interface BenchFlags extends RawBenchOptions {
  json?: boolean;
  quiet?: boolean;
}

function fail(error: unknown): never {
  if (error instanceof UsageError) {
    process.stderr.write(`sessionbench: ${error.message}\n`);
    process.exit(EXIT.usage);
  }
  process.stderr.write(`sessionbench: ${error instanceof Error ? error.message : String(error)}\n`);
  if (!(error instanceof RunError) && error instanceof Error && process.env.SESSIONBENCH_DEBUG) process.stderr.write(`${error.stack}\n`);
  process.exit(EXIT.runFailed);
}

async function writeResults(result: RunResult, outDir: string): Promise<string> {
  const dir = runDirectory(outDir, result.startedAt);
  const file = path.join(dir, 'results.json');
  await writeFileAtomic(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

async function bench(flags: BenchFlags): Promise<void> {
  const plan = buildPlan(flags);
  await assertWritableDir('--out', plan.outDir);
  const progress = createProgress({ quiet: Boolean(flags.quiet) });
  const controller = new AbortController();
  const interrupt = () => {
    if (controller.signal.aborted) return;
    progress.log('interrupted: stopping load, apps and servers (results so far are kept, marked partial)');
    controller.abort();
    setTimeout(() => {
      killAllAppChildren();
      void stopAllServers().finally(() => process.exit(EXIT.interrupted));
    }, SHUTDOWN_BOUND_MS).unref();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  const result = await runBench(plan, progress, controller.signal).finally(() => progress.done());
  const file = await writeResults(result, plan.outDir);
  if (flags.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`${renderTerminalTable(result)}\n`);
  progress.log(`results: ${file}`);
  process.exit(result.partial ? EXIT.interrupted : EXIT.ok);
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
    .option('--scenario <ids>', `scenarios, comma-separated (${Object.keys(SCENARIOS).join(', ')})`, 'read-heavy')
    .option('--duration <time>', 'measured time per repetition, e.g. 10s, 2m', '5s')
    .option('--warmup <time>', 'warm-up before measuring, kept apart from the results', '1s')
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
    .addOption(new Option('--added-latency <ms>', 'add this many ms to every request (to check regression detection)').default('0').hideHelp())
    .action((flags: BenchFlags) => bench(flags));

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
