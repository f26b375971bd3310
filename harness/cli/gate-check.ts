/**
 * `npm run gate-check`: does the regression gate cry wolf, and does it catch a real slowdown?
 * On the memory store (read-heavy), alternates unchanged runs and runs with
 * `--added-latency` (a delay in every request), then compares each unchanged run with
 * the one before it (any regression is a false alarm) and each slowed run with the
 * unchanged run just before it (a regression is a detection). Prints both counts.
 *
 * One connection by default: the question is whether the gate sees a 2 ms slowdown, and
 * below saturation it is all there. At 10 connections the memory app is saturated (event
 * loop busy > 90 %) and a request waiting 2 ms frees the loop for the others, so the same
 * slowdown moves throughput by about a quarter, not fourfold, and per-repetition noise on
 * a 2-core machine hides part of it (measured: see README, "Regression gate").
 */
import { SILENT_OBSERVER } from '../run/context.ts';
import { cpus, loadavg } from 'node:os';
import { Command } from 'commander';
import { killAllAppChildren } from '../app/child.ts';
import { EXIT, UsageError } from '../errors.ts';
import { buildPlan, parseCount, parseFailOn } from '../plan/plan.ts';
import { benchOptions } from '../plan/options.ts';
import type { RawBenchOptions } from '../plan/options.ts';
import { runBench } from '../run/runner.ts';
import { compareRuns } from '../../reports/verdict/compare.ts';
import type { Comparison } from '../../reports/verdict/compare.ts';
import type { RunResult } from '../../contract/result.ts';

interface GateCheckFlags {
  runs: string;
  repeat: string;
  duration: string;
  warmup: string;
  connections: string;
  addedLatency: string;
  failOn: string;
  interleave: boolean;
}

/** One run made of single-repetition runs, renumbered as its repetitions. */
function asRepetitions(runs: readonly RunResult[]): RunResult {
  const first = runs[0]!;
  return { ...first, plan: { ...first.plan, repeat: runs.length }, entries: runs.flatMap((run, index) => run.entries.map((entry) => ({ ...entry, repetition: index + 1 }))) };
}

function describe(comparison: Comparison): string {
  return comparison.metrics
    .filter((metric) => metric.model === 'closed')
    .map((metric) => `${metric.metric} ${Math.round(metric.baseline.median)}→${Math.round(metric.current.median)} ${metric.changePercent >= 0 ? '+' : ''}${metric.changePercent.toFixed(1)}% p=${metric.repetitionTest?.pValue.toFixed(3) ?? '—'} ${metric.regression ? 'REGRESSION' : metric.verdict}`)
    .join(' · ');
}

const program = new Command('gate-check')
  .description('count false alarms (unchanged vs unchanged) and detections (unchanged vs --added-latency) of the regression gate on the memory store')
  .option('--runs <n>', 'comparisons of each kind', '10')
  .option('--repeat <n>', 'repetitions per run', '5')
  .option('--duration <time>', 'measured time per repetition', '2s')
  .option('--warmup <time>', 'warm-up per repetition', '1s')
  .option('--connections <n>', 'concurrent connections (1: below saturation, where an added wait shows in full)', '1')
  .option('--added-latency <ms>', 'delay added to every request of the slowed runs', '2')
  .option('--fail-on <percent>', 'regression threshold in percent', '10')
  .option('--no-interleave', 'run whole runs one after another instead of alternating single repetitions of baseline, unchanged and slowed runs (A1 B1 S1 A2 B2 S2 …, so machine drift hits all three alike)')
  .action(async (flags: GateCheckFlags) => {
    const runs = parseCount('--runs', flags.runs, { min: 1, max: 100 });
    const failOnPercent = parseFailOn(flags.failOn);
    const raw = (addedLatency: string): RawBenchOptions =>
      benchOptions({ store: 'memory', scenario: 'read-heavy', duration: flags.duration, warmup: flags.warmup, connections: flags.connections, repeat: flags.repeat, out: 'unused', addedLatency });
    const unchangedPlan = buildPlan(raw('0'), {});
    const slowedPlan = buildPlan(raw(flags.addedLatency), {});
    const controller = new AbortController();
    process.on('SIGINT', () => controller.abort());
    process.on('SIGTERM', () => controller.abort());
    const measure = async (plan: typeof unchangedPlan): Promise<RunResult> => {
      const result = await runBench(plan, SILENT_OBSERVER, controller.signal);
      if (result.partial) throw new Error('interrupted');
      const failed = result.entries.find((entry) => entry.status === 'failed' || entry.status === 'skipped');
      if (failed) throw new Error(`a run did not measure: ${failed.reason}`);
      return result;
    };
    const load = () => `load average ${loadavg().map((value) => value.toFixed(1)).join(' ')} on ${cpus().length} cores`;
    console.log(`machine: ${load()}`);
    console.log(`memory · read-heavy · ${flags.connections} connection${flags.connections === '1' ? '' : 's'} · ${flags.repeat} × ${flags.duration} (warm-up ${flags.warmup}) per run; slowed runs add ${flags.addedLatency} ms per request; fail-on ${failOnPercent}%`);
    console.log(flags.interleave ? 'order: single repetitions interleaved (baseline, unchanged, slowed) within each comparison' : 'order: whole runs one after another; each unchanged run is compared with the one before it');
    const repeat = unchangedPlan.repeat;
    /** Baseline, unchanged and slowed runs of one round, in the order the flags ask for. */
    const round = async (previous: RunResult | undefined): Promise<[RunResult, RunResult, RunResult]> => {
      if (!flags.interleave) return [previous ?? (await measure(unchangedPlan)), await measure(unchangedPlan), await measure(slowedPlan)];
      const single = { unchanged: { ...unchangedPlan, repeat: 1 }, slowed: { ...slowedPlan, repeat: 1 } };
      const [baseline, unchanged, slowed]: RunResult[][] = [[], [], []];
      for (let repetition = 0; repetition < repeat; repetition++) {
        baseline!.push(await measure(single.unchanged));
        unchanged!.push(await measure(single.unchanged));
        slowed!.push(await measure(single.slowed));
      }
      return [asRepetitions(baseline!), asRepetitions(unchanged!), asRepetitions(slowed!)];
    };
    let previous: RunResult | undefined;
    let falseAlarms = 0;
    let detections = 0;
    for (let index = 1; index <= runs; index++) {
      const [baseline, unchanged, slowed] = await round(previous);
      const quiet = compareRuns(baseline, unchanged, { failOnPercent });
      if (quiet.regressions > 0) falseAlarms++;
      console.log(`${index}/${runs} unchanged: ${quiet.regressions > 0 ? 'FALSE ALARM' : 'pass'} (${describe(quiet)})`);
      const caught = compareRuns(unchanged, slowed, { failOnPercent });
      if (caught.regressions > 0) detections++;
      console.log(`${index}/${runs} +${flags.addedLatency} ms: ${caught.regressions > 0 ? 'detected' : 'MISSED'} (${describe(caught)})`);
      previous = unchanged;
    }
    console.log(`machine: ${load()}`);
    console.log(`false alarms: ${falseAlarms} of ${runs} unchanged comparisons (goal 0)`);
    console.log(`detections: ${detections} of ${runs} comparisons with +${flags.addedLatency} ms (goal ${runs})`);
    process.exitCode = falseAlarms === 0 && detections === runs ? EXIT.ok : EXIT.regression;
  });

process.on('exit', () => killAllAppChildren());
try {
  await program.parseAsync(process.argv);
} catch (error) {
  killAllAppChildren();
  process.stderr.write(`gate-check: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(error instanceof UsageError ? EXIT.usage : EXIT.runFailed);
}
