/**
 * `sessionbench ab`: two variants on one machine in one job. The shared bench options are given
 * once; each variant adds its own (`--a '…'`, `--b '…'`): another store file or the same file at a
 * git ref (`--at`), other `--store-option`s, a store module that imports other package versions.
 * Blocks run one fresh-app repetition of A and one of B, in random order within the block; the
 * verdict (reports/verdict/ab.ts) pairs them across blocks.
 */
import { execFile } from 'node:child_process';
import { unlinkSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Command, CommanderError, Option } from 'commander';
import { EXIT, UsageError } from '../errors.ts';
import { AB_OPTIONS, BENCH_OPTIONS, benchOptions, boundsOf } from '../plan/options.ts';
import type { OptionDeclaration, RawBenchOptions } from '../plan/options.ts';
import { buildPlan, loadPlanStores, parseCount } from '../plan/plan.ts';
import type { RunPlan } from '../plan/plan.ts';
import { requireStorePackages } from '../plan/store-packages.ts';
import { runBench } from '../run/runner.ts';
import { SILENT_OBSERVER } from '../run/context.ts';
import type { RunObserver } from '../run/context.ts';
import { looksLikeStorePath } from '../../stores/custom.ts';
import type { RunResult } from '../../contract/result.ts';
import { abTable, blockOrderOf, judgeAb, minimumDetectableEffects, plainTable, timingMetricCount } from '../../reports/verdict/ab.ts';
import type { AbBlock, AbVerdict } from '../../reports/verdict/ab.ts';
import { minimumPairs } from '../../reports/figures/paired.ts';
import { checkOutputPath, runDirectory } from './output-dir.ts';
import { createProgress } from './progress.ts';
import { redactText, redactUrls } from './redact.ts';
import { terminalLine } from '../../reports/render/terminal.ts';
import { withOptions, withServerUrlOptions } from './declared-options.ts';
import { loadRunResultFile } from './report.ts';
import type { CliIo } from './io.ts';
import { mulberry32 } from '../../reports/figures/seeded-random.ts';

const run = promisify(execFile);

/** Bench options that make no sense per variant or in an A/B run. */
const NOT_IN_AB = ['baseline', 'failOn', 'repeat', 'quick', 'out', 'json', 'quiet'] as const;

/** The bench options a variant string may hold, plus `--at`. */
const VARIANT_ONLY = { at: { flags: '--at <git-ref>', help: "this variant's store files as they are at a git ref" } } as const satisfies Record<string, OptionDeclaration>;

type Side = 'a' | 'b';

/** Flags of `ab` as commander hands them over. */
type AbFlags = RawBenchOptions & { a: string; b: string; blocks: string; seed: string; alpha: string; minEffect?: string; from?: string; duet?: boolean };

/** One variant ready to run: its plan (one repetition) and the temp files its run removes. */
interface Variant {
  side: Side;
  given: string;
  plan: RunPlan;
  /** The git ref its store files were taken at, if any. */
  at?: string;
}

/** Splits a variant's options like a shell would: spaces separate, single or double quotes group. */
export function splitArguments(text: string): string[] {
  const args: string[] = [];
  let current = '';
  let quote: string | undefined;
  let started = false;
  for (const char of text) {
    if (quote) {
      if (char === quote) quote = undefined;
      else current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      started = true;
    } else if (/\s/.test(char)) {
      if (started) args.push(current);
      current = '';
      started = false;
    } else {
      current += char;
      started = true;
    }
  }
  if (quote) throw new UsageError(`a variant's options have an unclosed ${quote}; close the quote`);
  if (started) args.push(current);
  return args;
}

/** The options one variant string gives (only those given), parsed against the bench declarations. */
function parseVariant(side: Side, text: string): Partial<RawBenchOptions> & { at?: string } {
  const declarations = Object.entries(BENCH_OPTIONS)
    .filter(([name]) => !(NOT_IN_AB as readonly string[]).includes(name))
    .map(([, declaration]) => declaration as OptionDeclaration);
  const command = withServerUrlOptions(withOptions(new Command(`--${side}`), [...declarations, VARIANT_ONLY.at], false))
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} })
    .allowExcessArguments(false);
  try {
    command.parse(splitArguments(text), { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) throw new UsageError(`--${side} '${text}': ${error.message.replace(/^error: /, '')}; give bench options, e.g. --${side} '--store-option disableTouch=true'`);
    throw error;
  }
  return Object.fromEntries(Object.entries(command.opts()).filter(([, value]) => value !== undefined)) as Partial<RawBenchOptions> & { at?: string };
}

/** Temp files made from git refs in this process, removed at exit whatever happens. */
const tempFiles = new Set<string>();
process.on('exit', () => {
  for (const file of tempFiles) {
    try {
      unlinkSync(file);
    } catch {
      // already gone
    }
  }
});

/**
 * The store file as it is at `ref`, written beside the original (so its imports resolve from the
 * same project) under a name the run removes: `.sessionbench-ab-<ref>-<name>`.
 */
async function storeFileAt(path: string, ref: string): Promise<string> {
  const absolute = resolve(path);
  const directory = dirname(absolute);
  let content: string;
  try {
    content = (await run('git', ['show', `${ref}:./${basename(absolute)}`], { cwd: directory, maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (error) {
    const reason = String((error as { stderr?: string }).stderr ?? (error as Error).message).trim().split('\n')[0];
    throw new UsageError(`--at ${ref}: cannot read ${path} at that ref (${reason}); give a commit, branch or tag where the file exists`);
  }
  const safeRef = ref.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 40);
  const target = join(directory, `.sessionbench-ab-${safeRef}-${basename(absolute)}`);
  await writeFile(target, content, { flag: 'w' });
  tempFiles.add(target);
  return target;
}

/** Removes the temp files made from git refs now (also done at exit). */
function removeTempFiles(): void {
  for (const file of tempFiles) {
    try {
      unlinkSync(file);
    } catch {
      // already gone
    }
    tempFiles.delete(file);
  }
}

/** Builds one variant's plan: shared options, then the variant's own (store options add up). */
async function buildVariant(side: Side, flags: AbFlags, io: CliIo): Promise<Variant> {
  const given = side === 'a' ? flags.a : flags.b;
  const { at, ...own } = parseVariant(side, given);
  const merged: RawBenchOptions = { ...flags, ...own, storeOption: [...(flags.storeOption ?? []), ...(own.storeOption ?? [])], repeat: '1' };
  if (at) {
    const items = merged.store.split(',').map((item) => item.trim());
    if (!items.some(looksLikeStorePath)) throw new UsageError(`--${side} '--at ${at}': no store file to take at that ref; --at applies to --store ./path.mjs`);
    merged.store = (await Promise.all(items.map((item) => (looksLikeStorePath(item) ? storeFileAt(item, at) : item)))).join(',');
  }
  const plan = buildPlan(merged, io.env);
  await loadPlanStores(plan);
  for (const store of plan.stores) requireStorePackages(store, plan.customStores[store as keyof typeof plan.customStores]);
  return { side, given, plan, ...(at ? { at } : {}) };
}

/** Load entries one variant's plan measures per block (each judged on its timing metrics). */
function loadEntriesOf(plan: RunPlan): number {
  const loads = plan.scenarios.filter((scenario) => scenario.kind === 'load').length;
  return plan.stores.length * loads * plan.payloads.length * plan.prefill.length;
}


/** One run made of single-repetition runs, renumbered as its repetitions. */
function asRepetitions(runs: readonly RunResult[]): RunResult {
  const first = runs[0]!;
  return { ...first, finishedAt: runs.at(-1)!.finishedAt, plan: { ...first.plan, repeat: runs.length }, entries: runs.flatMap((result, index) => result.entries.map((entry) => ({ ...entry, repetition: index + 1 }))) };
}

/** B's entries under A's store ids, position by position (a store file at a git ref has another id). */
function alignStores(result: RunResult, from: readonly string[], to: readonly string[]): RunResult {
  const map = new Map(from.map((store, index) => [store, to[index]!]));
  return { ...result, entries: result.entries.map((entry) => ({ ...entry, store: (map.get(entry.store) ?? entry.store) as typeof entry.store })) };
}

/** Checks that the two variants measure the same shape (stores by position, scenarios, sweeps). */
function checkComparable(a: Variant, b: Variant): void {
  const shape = (plan: RunPlan) => JSON.stringify([plan.stores.length, plan.scenarios.map((scenario) => scenario.id), plan.payloads, plan.prefill, plan.driver, plan.connections, plan.instances]);
  if (shape(a.plan) !== shape(b.plan)) {
    throw new UsageError('--a and --b measure different things (stores, scenarios, payloads, prefill, driver, connections or instances differ); give both variants the same shape, differing only in what you compare');
  }
}

/** The minimum detectable effects and the verdict, as lines of text. */
function renderVerdict(verdict: AbVerdict, a: Pick<Variant, 'side' | 'given'>, b: Pick<Variant, 'side' | 'given'>): string {
  const describe = (variant: Pick<Variant, 'side' | 'given'>) => `${variant.side.toUpperCase()}: ${variant.given.trim() || '(shared options only)'}`;
  const mde = minimumDetectableEffects(verdict).map((effect) => `${effect.store} ${effect.scenario} ${effect.label} ±${effect.percent.toFixed(1)}%`);
  return [
    describe(a),
    describe(b),
    '',
    plainTable(abTable(verdict)),
    ...(mde.length ? [`  smallest timing change this run would detect (90% power, from its paired spread): ${mde.join(' · ')}`] : []),
    '',
    verdict.regressions > 0 ? `verdict: B is worse than A (${verdict.regressions} regression${verdict.regressions === 1 ? '' : 's'})` : 'verdict: no regression (B against A)',
  ].join('\n');
}

/** A run of several repetitions as single-repetition runs, repetition n as block n. */
function splitRepetitions(result: RunResult): RunResult[] {
  const repetitions = [...new Set(result.entries.map((entry) => entry.repetition))].sort((x, y) => x - y);
  return repetitions.map((repetition) => ({ ...result, plan: { ...result.plan, repeat: 1 }, entries: result.entries.filter((entry) => entry.repetition === repetition) }));
}

/** The blocks stored in `dir`: a.results.json + b.results.json, or a-<n>.json + b-<n>.json. */
async function storedBlocks(dir: string): Promise<AbBlock[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    throw new UsageError(`--from ${dir}: not a readable directory; give the directory of an ab run or of a-<n>.json and b-<n>.json files`);
  }
  const pair = (a: RunResult, b: RunResult): AbBlock => ({ first: a.startedAt === b.startedAt ? 'both' : a.startedAt < b.startedAt ? 'a' : 'b', a, b: alignStores(b, b.plan.stores, a.plan.stores) });
  if (names.includes('a.results.json') && names.includes('b.results.json')) {
    const a = splitRepetitions(await loadRunResultFile(join(dir, 'a.results.json')));
    const b = splitRepetitions(await loadRunResultFile(join(dir, 'b.results.json')));
    if (a.length !== b.length) throw new UsageError(`--from ${dir}: a.results.json has ${a.length} repetitions and b.results.json ${b.length}; blocks pair one of each`);
    // Each side's repetitions share its run's start time: the order each block ran in is in the run's verdict.json.
    return withRecordedOrders(a.map((run, index) => pair(run, b[index]!)), join(dir, 'verdict.json'));
  }
  const numbered = (side: Side) => new Map(names.flatMap((name) => { const match = new RegExp(`^${side}-(\\d+)\\.json$`).exec(name); return match ? [[Number(match[1]), name] as const] : []; }));
  const a = numbered('a');
  const b = numbered('b');
  const missing = [...a.keys()].filter((n) => !b.has(n)).map((n) => `b-${n}.json`).concat([...b.keys()].filter((n) => !a.has(n)).map((n) => `a-${n}.json`));
  if (a.size === 0) throw new UsageError(`--from ${dir}: no a.results.json + b.results.json nor a-<n>.json + b-<n>.json files there`);
  if (missing.length > 0) throw new UsageError(`--from ${dir}: ${missing.join(', ')} missing; each block needs both variants`);
  const blocks: AbBlock[] = [];
  for (const n of [...a.keys()].sort((x, y) => x - y)) {
    const runA = await loadRunResultFile(join(dir, a.get(n)!));
    const runB = await loadRunResultFile(join(dir, b.get(n)!));
    if (runA.partial || runB.partial) throw new UsageError(`--from ${dir}: block ${n} is a partial (interrupted) run; measure it again`);
    blocks.push(pair(runA, runB));
  }
  // .ci/ab-checkouts.sh records how each block ran (side by side runs start within milliseconds of each other).
  return withRecordedOrders(blocks, join(dir, 'orders.json'));
}

/** The blocks with the order each ran in as `file` records it (`{"orders": ["AB", "BA", "A+B", …]}`), when it does for every block. */
async function withRecordedOrders(blocks: AbBlock[], file: string): Promise<AbBlock[]> {
  const orders = await readFile(file, 'utf8').then((text) => (JSON.parse(text) as { orders?: unknown }).orders, () => undefined);
  if (!Array.isArray(orders) || orders.length !== blocks.length || !orders.every((order) => blockOrderOf(order))) return blocks;
  return blocks.map((block, index) => ({ ...block, first: blockOrderOf(orders[index])! }));
}

/** `ab --from`: judges stored blocks; the same refusal, table and exit codes as a measured run. */
async function judgeStored(dir: string, options: { alpha: number; minEffect: number | undefined; json: boolean }, io: CliIo): Promise<number> {
  const blocks = await storedBlocks(dir);
  const verdict = judgeAb(blocks, { alpha: options.alpha, ...(options.minEffect !== undefined ? { minEffectPercent: options.minEffect } : {}) });
  if (verdict.timing.length > 0 && blocks.length < verdict.minimumPairs) {
    throw new UsageError(`--from ${dir}: ${blocks.length} blocks; ${verdict.timing.length} timing metrics at alpha ${options.alpha} (Holm, exact signed-rank) need at least ${verdict.minimumPairs} to reach significance; measure ${verdict.minimumPairs - blocks.length} more`);
  }
  const record = { variants: { a: { options: `--from ${dir}` }, b: { options: `--from ${dir}` } }, ...verdict, minimumDetectableEffects: minimumDetectableEffects(verdict) };
  await writeFile(join(dir, 'verdict.json'), `${JSON.stringify(record, null, 2)}\n`);
  const side = (name: Side) => ({ side: name, given: `measured in ${dir}` });
  io.stdout(options.json ? `${JSON.stringify(record)}\n` : `${renderVerdict(verdict, side('a'), side('b'))}\n`);
  const failed = blocks.flatMap((block) => [...block.a.entries, ...block.b.entries]).filter((entry) => entry.status === 'failed' && entry.cause !== 'payload-limit');
  if (failed.length > 0) return EXIT.runFailed;
  return verdict.regressions > 0 ? EXIT.regression : EXIT.ok;
}

async function ab(flags: AbFlags, io: CliIo): Promise<number> {
  const blocks = parseCount('--blocks', flags.blocks, boundsOf('repeat'));
  const seed = parseCount('--seed', flags.seed, { min: 0, max: 2 ** 31 });
  const alpha = Number(flags.alpha);
  if (!(alpha > 0 && alpha < 1)) throw new UsageError(`--alpha: "${flags.alpha}" must be a probability between 0 and 1, e.g. 0.05`);
  const minEffect = flags.minEffect === undefined ? undefined : Number(flags.minEffect);
  if (minEffect !== undefined && !(minEffect >= 0 && minEffect < 1000)) throw new UsageError(`--min-effect: "${flags.minEffect}" must be a percentage, e.g. 5`);
  if (flags.from) return judgeStored(flags.from, { alpha, minEffect, json: Boolean(flags.json) }, io);
  try {
    const a = await buildVariant('a', flags, io);
    const b = await buildVariant('b', flags, io);
    checkComparable(a, b);
    if (flags.duet) {
      // Side by side on the app's CPU (one core here), the app started second lost every block's p99 in an A/A test: they share every CPU instead.
      for (const variant of [a, b]) variant.plan = { ...variant.plan, sharedCpusBecause: '--duet: A and B run side by side on every CPU' };
    }
    const metrics = timingMetricCount(loadEntriesOf(a.plan), a.plan.driver !== 'k6');
    const needed = minimumPairs(metrics, alpha);
    if (metrics > 0 && blocks < needed) {
      throw new UsageError(`--blocks ${blocks}: ${metrics} timing metric${metrics === 1 ? '' : 's'} at alpha ${alpha} (Holm, exact signed-rank) need at least ${needed} blocks to reach significance; use --blocks ${needed}`);
    }
    await checkOutputPath('--out', a.plan.outDir, 'directory');
    return await runBlocks(a, b, { blocks, seed, alpha, minEffect, flags, duet: Boolean(flags.duet) }, io);
  } finally {
    removeTempFiles();
  }
}

async function runBlocks(a: Variant, b: Variant, options: { blocks: number; seed: number; alpha: number; minEffect: number | undefined; flags: AbFlags; duet: boolean }, io: CliIo): Promise<number> {
  const progress = createProgress({ quiet: Boolean(options.flags.quiet), write: io.stderr, live: io.stderrIsTTY && !io.env.CI });
  const log = (line: string) => progress.log(terminalLine(redactText(line)));
  const observer = { ...progress, log };
  const controller = new AbortController();
  const stopListening = io.onStopSignal((signal) => {
    if (controller.signal.aborted) return;
    log(`interrupted (${signal}): stopping the block in progress`);
    controller.abort();
  });
  const random = mulberry32(options.seed);
  const done: AbBlock[] = [];
  const startedAt = new Date().toISOString();
  try {
    for (let index = 0; index < options.blocks && !controller.signal.aborted; index++) {
      const first: AbBlock['first'] = options.duet ? 'both' : random() < 0.5 ? 'a' : 'b';
      const results: Partial<Record<Side, RunResult>> = {};
      if (options.duet) {
        // Both variants at once: whatever else the machine runs meanwhile slows both alike.
        log(`block ${index + 1} of ${options.blocks} · variants A and B at the same time`);
        // Two runs' live phases would overwrite each other: keep their log lines, drop the bars.
        const quiet: RunObserver = { ...SILENT_OBSERVER, log };
        [results.a, results.b] = await Promise.all([runBench(a.plan, quiet, controller.signal), runBench(b.plan, quiet, controller.signal)]);
      } else {
        for (const variant of first === 'a' ? [a, b] : [b, a]) {
          log(`block ${index + 1} of ${options.blocks} · variant ${variant.side.toUpperCase()}`);
          results[variant.side] = await runBench(variant.plan, observer, controller.signal);
          if (controller.signal.aborted) break;
        }
      }
      if (results.a && results.b && !results.a.partial && !results.b.partial) done.push({ first, a: redactUrls(results.a), b: redactUrls(alignStores(redactUrls(results.b), b.plan.stores, a.plan.stores)) });
    }
  } finally {
    progress.done();
    stopListening();
  }
  if (done.length === 0) return controller.signal.aborted ? EXIT.interrupted : EXIT.runFailed;
  const verdict = judgeAb(done, { alpha: options.alpha, ...(options.minEffect !== undefined ? { minEffectPercent: options.minEffect } : {}) });
  const directory = `${runDirectory(a.plan.outDir, startedAt)}-ab`;
  await mkdir(directory, { recursive: true });
  const runs = { a: asRepetitions(done.map((block) => block.a)), b: asRepetitions(done.map((block) => block.b)) };
  const record = { variants: { a: { options: a.given, ...(a.at ? { at: a.at } : {}) }, b: { options: b.given, ...(b.at ? { at: b.at } : {}) } }, seed: options.seed, interrupted: controller.signal.aborted, ...verdict, minimumDetectableEffects: minimumDetectableEffects(verdict) };
  await writeFile(join(directory, 'a.results.json'), `${JSON.stringify(runs.a, null, 2)}\n`);
  await writeFile(join(directory, 'b.results.json'), `${JSON.stringify(runs.b, null, 2)}\n`);
  await writeFile(join(directory, 'verdict.json'), `${JSON.stringify(record, null, 2)}\n`);
  if (options.flags.json) io.stdout(`${JSON.stringify(record)}\n`);
  else io.stdout(`${renderVerdict(verdict, a, b)}\n`);
  log(`results: ${directory} (a.results.json, b.results.json, verdict.json)`);
  if (controller.signal.aborted) return EXIT.interrupted;
  const failed = done.flatMap((block) => [...block.a.entries, ...block.b.entries]).filter((entry) => entry.status === 'failed' && entry.cause !== 'payload-limit');
  if (failed.length > 0) {
    log(`${failed.length} entr${failed.length === 1 ? 'y' : 'ies'} failed (${failed[0]!.store}: ${failed[0]!.status === 'failed' ? failed[0]!.reason : ''}): exit code ${EXIT.runFailed}`);
    return EXIT.runFailed;
  }
  return verdict.regressions > 0 ? EXIT.regression : EXIT.ok;
}

/** Registers `ab` on the program: every bench option both variants share, and the A/B options. */
export function abCommand(program: Command, io: CliIo, done: (code: number) => void): void {
  const shared = Object.entries(BENCH_OPTIONS)
    .filter(([name]) => !(['baseline', 'failOn', 'repeat', 'quick'] as readonly string[]).includes(name))
    .map(([, declaration]) => declaration as OptionDeclaration);
  const command = program
    .command('ab')
    .description('compare two variants (A, B) on this machine in one run: interleaved blocks, each a fresh app per variant; exit 1 when B is worse');
  withServerUrlOptions(withOptions(command, [...shared, ...Object.values(AB_OPTIONS)]));
  command.addOption(new Option('--repeat <n>').hideHelp().argParser(() => {
    throw new UsageError('ab: give --blocks, not --repeat (each block is one repetition of A and one of B)');
  }));
  command.action(async (flags: AbFlags) => done(await ab({ ...benchOptions(), ...flags }, io)));
}
