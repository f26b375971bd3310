/**
 * `npm run gate-check`: the A/B gate as the shipped workflow runs it (.github/workflows/bench.yml:
 * GATE_OPTIONS, GATE_BLOCKS, AB_MODE), measured on this machine. Each measured block runs, in random order,
 * two unchanged runs (A1, A2) and one run per injected change — +2 ms per request, extra CPU work
 * per request worth about 10 % throughput, one extra store round trip per request — each on fresh
 * apps; in duet mode each of A2 and the changes runs side by side with an unchanged run of its own
 * (A1 is A2's partner). Trials then resample the stored blocks: each trial draws GATE_BLOCKS of the measured blocks
 * without replacement and, per drawn block, which unchanged run plays A (and, for A/A, which plays
 * B); the gate's verdict (reports/verdict/ab.ts) is taken on every trial. Prints the false-alarm
 * rate over the A/A trials, the detection rate of each change, the minimum detectable effect per
 * timing metric, and the wall time against the CI budget.
 */
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { Command } from 'commander';
import { killAllAppChildren } from '../app/child.ts';
import { EXIT, UsageError } from '../errors.ts';
import { benchOptions } from '../plan/options.ts';
import type { RawBenchOptions } from '../plan/options.ts';
import { buildPlan, parseCount } from '../plan/plan.ts';
import type { RunPlan } from '../plan/plan.ts';
import { runBench } from '../run/runner.ts';
import { SILENT_OBSERVER } from '../run/context.ts';
import { stopAllServers } from '../../stores/servers/provision.ts';
import type { OkEntry, RunResult } from '../../contract/result.ts';
import { AB_ALPHA, judgeAb } from '../../reports/verdict/ab.ts';
import type { AbBlock, AbVerdict } from '../../reports/verdict/ab.ts';
import { median, minimumDetectableShift, minimumPairs } from '../../reports/figures/paired.ts';
import { splitArguments } from './ab.ts';
import { mulberry32 } from '../../reports/figures/seeded-random.ts';

/** The CI time budget the workflow must fit (its timeout-minutes). */
const BUDGET_MINUTES = 30;

/** The arms of a measured block: two unchanged runs and one per injected change. */
const ARMS = ['a1', 'a2', 'latency', 'cpu', 'storeCall'] as const;
type Arm = (typeof ARMS)[number];
type Change = Exclude<Arm, 'a1' | 'a2'>;

/**
 * A measured block. Sequential: five runs one after another. duet mode: four pairs run at the same
 * time, each an unchanged run beside a2 or a change; `a1` is a2's partner and `partners` the others'.
 */
type Block = Record<Arm, RunResult> & { partners?: Record<Change, RunResult> };

/** What `--out` stores and `--from` reads: the measured blocks and how they were measured. */
interface StoredBlocks {
  options: string;
  cpuUs: number;
  /** Blocks measured in pairs side by side (duet mode). */
  duet?: boolean;
  blocks: Block[];
  blockTimes: number[];
  measuredMs: number;
  loadStart: string;
  loadEnd: string;
}

interface Flags {
  out?: string;
  from?: string;
  blocks: string;
  trialBlocks?: string;
  trials: string;
  seed: string;
  options?: string;
  addedLatency: string;
  addedCpu?: string;
  workflow: string;
  mode?: string;
}

/** How the two sides of a comparison run: side by side (duet) or one after the other. */
const MODES = ['duet', 'sequential'] as const;
type Mode = (typeof MODES)[number];

/** GATE_OPTIONS, GATE_BLOCKS and AB_MODE (duet unless it says sequential, as .ci/ab-checkouts.sh reads it) as the workflow declares them. */
function shippedConfiguration(file: string): { options: string; blocks: number; mode: Mode } {
  const text = readFileSync(file, 'utf8');
  const options = /^\s*GATE_OPTIONS:\s*(.+)$/m.exec(text)?.[1]?.trim().replace(/^'(.*)'$/, '$1');
  const blocks = /^\s*GATE_BLOCKS:\s*'?(\d+)'?\s*$/m.exec(text)?.[1];
  if (!options || !blocks) throw new UsageError(`${file}: no GATE_OPTIONS or GATE_BLOCKS in its env; give --options and the trial size, or fix the workflow`);
  const mode = /^\s*AB_MODE:\s*'?(\w+)'?\s*$/m.exec(text)?.[1] === 'sequential' ? 'sequential' : 'duet';
  return { options, blocks: Number(blocks), mode };
}


/** Bench options (a string as the workflow has it) parsed into raw options over the declared defaults. */
function rawOptions(options: string, extra: Partial<RawBenchOptions>): RawBenchOptions {
  const program = new Command().allowUnknownOption(false).exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  program.option('--store <ids>').option('--scenario <ids>').option('--connections <n>').option('--duration <time>').option('--warmup <time>').option('--payload <size>').option('--probe-ops <n>');
  try {
    program.parse(splitArguments(options), { from: 'user' });
  } catch (error) {
    throw new UsageError(`--options '${options}': ${(error as Error).message.replace(/^error: /, '')}; gate-check takes --store, --scenario, --connections, --duration, --warmup, --payload, --probe-ops`);
  }
  return benchOptions({ ...(program.opts() as Partial<RawBenchOptions>), repeat: '1', out: 'unused', ...extra });
}

/** Mean latency per request of the closed-model load entries, in µs (1 / throughput × connections). */
function cpuForTenPercent(run: RunResult): number {
  const perStore = run.entries
    .filter((entry): entry is OkEntry => entry.status === 'ok' && entry.kind === 'load' && entry.load.model === 'closed')
    .map((entry) => {
      const connections = entry.load.model === 'closed' ? entry.load.connections : 1;
      // Below saturation a request's time is its latency; saturated, the app's CPU per request. 1/0.9 − 1 of it costs 10 %.
      const latencyUs = (1e6 * connections) / entry.measured.throughput;
      const cpuUs = entry.cpu?.app !== undefined ? (entry.cpu.app / 100) * (1e6 / entry.measured.throughput) : latencyUs;
      return (1 / 0.9 - 1) * Math.min(latencyUs, connections === 1 ? latencyUs : cpuUs);
    });
  return Math.max(1, Math.round(median(perStore)));
}

/** The items in random order (Fisher–Yates with the seeded generator). */
function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

/** The blocks stored in each directory, pooled; refused unless every set was measured with the same options and CPU work. */
async function readStoredBlocks(dirs: readonly string[]): Promise<StoredBlocks> {
  const sets = await Promise.all(
    dirs.map(async (dir) => {
      try {
        return JSON.parse(await readFile(join(dir, 'gate-check.json'), 'utf8')) as StoredBlocks;
      } catch (error) {
        throw new UsageError(`--from ${dir}: no stored blocks there (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); give a directory a gate-check --out wrote`);
      }
    }),
  );
  const [first, ...rest] = sets;
  if (!first) throw new UsageError('--from: no directory given; give one a gate-check --out wrote');
  for (const [index, set] of rest.entries()) {
    if (Boolean(set.duet) !== Boolean(first.duet)) throw new UsageError(`--from ${dirs[index + 1]}: measured ${set.duet ? 'in duet' : 'sequential'}, ${dirs[0]} ${first.duet ? 'in duet' : 'sequential'}; pool only blocks measured alike`);
    if (set.options !== first.options || set.cpuUs !== first.cpuUs) {
      const alike = set.options !== first.options ? `--options '${first.options}'` : `--added-cpu ${first.cpuUs}`;
      throw new UsageError(`--from ${dirs[index + 1]}: measured with '${set.options}' and ${set.cpuUs} µs of CPU work, ${dirs[0]} with '${first.options}' and ${first.cpuUs} µs; pool only blocks measured alike (gate-check ${alike})`);
    }
  }
  return {
    ...first,
    blocks: sets.flatMap((set) => set.blocks),
    blockTimes: sets.flatMap((set) => set.blockTimes),
    measuredMs: sets.reduce((sum, set) => sum + set.measuredMs, 0),
    loadEnd: sets.at(-1)!.loadEnd,
  };
}

const minutes = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;

const program = new Command('gate-check')
  .description('measure the A/B gate in the shipped workflow configuration: false alarms over resampled A/A trials, detections of injected changes, minimum detectable effect, wall time')
  .option('--blocks <n>', 'blocks to measure (each: two unchanged runs and one per injected change, random order); trials draw the workflow\'s GATE_BLOCKS of them', '10')
  .option('--trials <n>', 'resampled trials per comparison (A/A and each change)', '100')
  .option('--seed <n>', 'seed of block order and resampling', '1')
  .option('--options <bench options>', 'the gated bench options (default: GATE_OPTIONS of --workflow)')
  .option('--added-latency <ms>', 'injected wait per request', '2')
  .option('--added-cpu <µs>', 'injected busy-wait per request (default: worth about 10 % throughput, from the first unchanged run)')
  .option('--workflow <file>', 'the workflow whose configuration is measured', '.github/workflows/bench.yml')
  .option('--trial-blocks <n>', "blocks per trial (default: the workflow's GATE_BLOCKS)")
  .option('--out <dir>', 'store the measured blocks there (gate-check.json)')
  .option('--mode <mode>', "duet: each comparison a pair of runs side by side, every CPU shared; sequential: one run after another (default: the workflow's AB_MODE)")
  .option('--from <dirs>', 'measure nothing: resample the blocks gate-check stored with --out (several directories, comma-separated, are pooled: same options and injected CPU work)')
  .action(async (flags: Flags) => {
    const started = Date.now();
    const shipped = shippedConfiguration(flags.workflow);
    const options = flags.options ?? shipped.options;
    const trialBlocks = flags.trialBlocks === undefined ? shipped.blocks : parseCount('--trial-blocks', flags.trialBlocks, { min: 1, max: 100 });
    // With --from nothing is measured: the stored blocks are checked against the trial size instead.
    const measuredBlocks = flags.from ? 0 : parseCount('--blocks', flags.blocks, { min: trialBlocks, max: 100 });
    const trials = parseCount('--trials', flags.trials, { min: 1, max: 100_000 });
    const mode = flags.mode ?? shipped.mode;
    if (!(MODES as readonly string[]).includes(mode)) throw new UsageError(`--mode: "${mode}" is not one of ${MODES.join(', ')}`);
    const random = mulberry32(parseCount('--seed', flags.seed, { min: 0, max: 2 ** 31 }));
    const controller = new AbortController();
    process.on('SIGINT', () => controller.abort());
    process.on('SIGTERM', () => controller.abort());
    const load = () => `load average ${loadavg().map((value) => value.toFixed(1)).join(' ')} on ${cpus().length} cores`;
    const trialSize = `trials of ${trialBlocks} blocks${flags.trialBlocks === undefined ? ` (GATE_BLOCKS of ${flags.workflow})` : ''}`;
    console.log(flags.from ? `${trialSize} drawn from the blocks stored in ${flags.from}` : `configuration: ${options} · ${trialSize} drawn from ${measuredBlocks} measured blocks`);
    const loadStart = load();
    console.log(`machine at start: ${loadStart}`);
    let duet = mode === 'duet';
    const plans: Partial<Record<Arm, RunPlan>> = {};
    // Side by side, the two runs of a pair share every CPU (as `ab --duet` does).
    const plan = (extra: Partial<RawBenchOptions>): RunPlan => {
      const built = buildPlan(rawOptions(options, extra), process.env);
      return duet ? { ...built, sharedCpusBecause: 'gate-check --mode duet: two runs side by side on every CPU' } : built;
    };
    plans.a1 = plan({});
    plans.a2 = plans.a1;
    plans.latency = plan({ addedLatency: flags.addedLatency });
    plans.storeCall = plan({ addedStoreCalls: '1' });
    let retried = 0;
    /** One run; a run that failed (e.g. an app not ready in time on a busy machine) is measured again, twice at most, and counted. */
    const measure = async (plan: RunPlan, attempt = 1): Promise<RunResult> => {
      const result = await runBench(plan, SILENT_OBSERVER, controller.signal);
      if (result.partial) throw new Error('interrupted');
      const failed = result.entries.find((entry) => entry.status !== 'ok');
      if (!failed) return result;
      if (attempt > 2) throw new Error(`a run did not measure ${failed.store} in 3 attempts: ${failed.reason}`);
      retried++;
      console.log(`run failed (${failed.store}: ${failed.reason}); measuring it again`);
      return measure(plan, attempt + 1);
    };
    let blocks: Block[] = [];
    /** The unchanged run a change is judged against: its partner side by side, or (sequential) A1, or A2 when `swap`. */
    const unchangedFor = (block: Block, change: Change, swap: boolean): RunResult => (duet ? block.partners![change] : swap ? block.a2 : block.a1);

    let cpuUs = flags.addedCpu === undefined ? undefined : parseCount('--added-cpu', flags.addedCpu, { min: 1, max: 1_000_000 });
    let blockTimes: number[] = [];
    let measuredMs: number;
    if (flags.from) {
      // Trials only, on blocks measured gate-checks stored (--out), pooled.
      const stored = await readStoredBlocks(flags.from.split(',').filter(Boolean));
      ({ blocks, cpuUs, blockTimes, measuredMs } = stored);
      duet = Boolean(stored.duet);
      if (blocks.length < trialBlocks) throw new UsageError(`--from ${flags.from}: ${blocks.length} blocks stored, fewer than trials of ${trialBlocks} draw; measure more (gate-check --out) or give --trial-blocks ${blocks.length}`);
      console.log(`blocks: ${blocks.length} stored in ${flags.from} (measured with ${stored.options}; load average ${stored.loadStart} at start, ${stored.loadEnd} at end)`);
    } else {
      for (let index = 0; index < measuredBlocks; index++) {
        const blockStart = Date.now();
        const order = shuffled(duet ? ARMS.filter((arm) => arm !== 'a1') : ARMS, random);
        const block: Partial<Block> = {};
        if (cpuUs === undefined) {
          const first = await measure(plans.a1);
          if (!duet) block.a1 = first;
          cpuUs = cpuForTenPercent(first);
          console.log(`injected CPU work: ${cpuUs} µs per request (1/0.9 − 1 of the median request time of the first unchanged run${duet ? ', measured alone' : ''})`);
        }
        plans.cpu ??= plan({ addedCpu: String(cpuUs) });
        if (duet) {
          // Each arm beside an unchanged run of its own, started together: whatever slows the machine slows both.
          const partners: Partial<Record<Change, RunResult>> = {};
          for (const arm of order) {
            const [unchanged, other] = await Promise.all([measure(plans.a1), measure(plans[arm]!)]);
            block[arm] = other;
            if (arm === 'a2') block.a1 = unchanged;
            else partners[arm as Change] = unchanged;
          }
          block.partners = partners as Record<Change, RunResult>;
        } else {
          for (const arm of order) if (!block[arm]) block[arm] = await measure(plans[arm]!);
        }
        blocks.push(block as Block);
        blockTimes.push(Date.now() - blockStart);
        console.log(`block ${index + 1}/${measuredBlocks} (${order.join(' ')}): ${minutes(Date.now() - blockStart)}, ${load()}`);
      }
      measuredMs = Date.now() - started;
      if (flags.out) {
        await mkdir(flags.out, { recursive: true });
        const stored: StoredBlocks = { options, cpuUs: cpuUs!, ...(duet ? { duet } : {}), blocks, blockTimes, measuredMs, loadStart, loadEnd: load() };
        await writeFile(join(flags.out, 'gate-check.json'), JSON.stringify(stored));
        console.log(`blocks stored: ${join(flags.out, 'gate-check.json')} (gate-check --from ${flags.out} resamples them again)`);
      }
    }

    /** One trial: GATE_BLOCKS blocks drawn without replacement; which unchanged run plays A drawn per block. */
    const trial = (b: Change | 'aa'): AbVerdict => {
      const indices = shuffled([...blocks.keys()], random).slice(0, trialBlocks);
      const drawn: AbBlock[] = indices.map((i) => {
        const swap = random() < 0.5;
        const block = blocks[i]!;
        if (b !== 'aa') return { first: duet ? 'both' : 'a', a: unchangedFor(block, b, swap), b: block[b] };
        return { first: duet ? 'both' : 'a', a: swap ? block.a2 : block.a1, b: swap ? block.a1 : block.a2 };
      });
      return judgeAb(drawn, { alpha: AB_ALPHA });
    };
    const caughtBy = (verdict: AbVerdict) => [...verdict.timing.filter((m) => m.regression).map((m) => `${m.store} ${m.label}`), ...verdict.counts.filter((m) => m.regression).map((m) => `${m.store} ${m.metric}`)];
    let falseAlarms = 0;
    const alarmReasons = new Map<string, number>();
    for (let t = 0; t < trials; t++) {
      const verdict = trial('aa');
      if (verdict.regressions > 0) {
        falseAlarms++;
        for (const reason of caughtBy(verdict)) alarmReasons.set(reason, (alarmReasons.get(reason) ?? 0) + 1);
      }
    }
    const changes: Array<[Change, string]> = [
      ['latency', `+${flags.addedLatency} ms per request`],
      ['cpu', `+${cpuUs} µs CPU per request`],
      ['storeCall', '+1 store round trip per request'],
    ];
    const detections = changes.map(([change, label]) => {
      let detected = 0;
      const by = new Map<string, number>();
      for (let t = 0; t < trials; t++) {
        const verdict = trial(change);
        if (verdict.regressions > 0) detected++;
        for (const reason of caughtBy(verdict)) by.set(reason, (by.get(reason) ?? 0) + 1);
      }
      return { change, label, detected, by };
    });
    // The measured effect of each change, over every measured block (median of B/A − 1, A = A1).
    const effect = (change: Change) => judgeAb(blocks.map((block) => ({ first: 'a', a: unchangedFor(block, change, false), b: block[change] }))).timing.map((m) => `${m.store} ${m.label} ${m.changePercent >= 0 ? '+' : ''}${m.changePercent.toFixed(1)}%`).join(', ');
    // Minimum detectable effect: from the A1/A2 paired spread over every measured block.
    const all = judgeAb(blocks.map((block) => ({ first: 'a', a: block.a1, b: block.a2 })));
    const perTest = AB_ALPHA / Math.max(1, all.timing.length);
    const needed = minimumPairs(all.timing.length, AB_ALPHA);
    console.log(`machine at end: ${load()}`);
    console.log('');
    console.log(`false alarms: ${falseAlarms} of ${trials} A/A trials (${((100 * falseAlarms) / trials).toFixed(1)} %; goal ≤ 5 %)${alarmReasons.size ? ` — by ${[...alarmReasons].map(([reason, n]) => `${reason} ×${n}`).join(', ')}` : ''}`);
    for (const { change, label, detected, by } of detections) {
      console.log(`detections, ${label}: ${detected} of ${trials} trials (${((100 * detected) / trials).toFixed(1)} %; goal ≥ 90 %) — caught by ${[...by].map(([reason, n]) => `${reason} ×${n}`).join(', ') || 'nothing'}; measured effect over all blocks: ${effect(change)}`);
    }
    const mde = all.timing.map((m) => `${m.store} ${m.label} ±${Math.max(m.minEffectPercent, (Math.exp(minimumDetectableShift(m.logRatioSd, trialBlocks, perTest)) - 1) * 100).toFixed(1)}% (A/A sd of log ratio ${m.logRatioSd.toFixed(3)})`);
    console.log(`minimum detectable effect (${trialBlocks} blocks, 90 % power, alpha ${AB_ALPHA} / ${all.timing.length} metrics, never below the floor; from the A1/A2 paired spread over ${blocks.length} blocks): ${mde.join(' · ')}`);
    console.log(`blocks needed for ${all.timing.length} timing metrics at alpha ${AB_ALPHA} (Holm): ${needed}; these trials use ${trialBlocks}`);
    // One comparison of the workflow: a pair side by side (duet), or two runs one after the other.
    const runsPerBlock = duet ? ARMS.length - 1 : ARMS.length;
    const perComparison = (median(blockTimes) / runsPerBlock) * (duet ? 1 : 2);
    if (retried > 0) console.log(`runs measured again after a failure: ${retried}`);
    console.log(`wall time: this measurement ${minutes(measuredMs)} (${blocks.length} blocks × ${runsPerBlock} ${duet ? 'pairs side by side' : 'runs'}, median block ${minutes(median(blockTimes))}); the workflow's A/B step on this machine: ${trialBlocks} blocks × ${duet ? 'a pair side by side' : '2 runs'} = ${minutes(trialBlocks * perComparison)} of a ${BUDGET_MINUTES} min budget (plus npm ci of the second checkout)`);
    const ok = falseAlarms / trials <= 0.05 && detections.every(({ detected }) => detected / trials >= 0.9);
    process.exitCode = ok ? EXIT.ok : EXIT.regression;
  });

process.on('exit', () => killAllAppChildren());
try {
  await program.parseAsync(process.argv);
} catch (error) {
  killAllAppChildren();
  await stopAllServers().catch(() => {});
  process.stderr.write(`gate-check: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(error instanceof UsageError ? EXIT.usage : EXIT.runFailed);
}
