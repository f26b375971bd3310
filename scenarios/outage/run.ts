import { setTimeout as delay } from 'node:timers/promises';
import { runClosedPhase } from '../../harness/load/autocannon.ts';
import type { VirtualUser } from '../../harness/load/autocannon.ts';
import { runOpenPhase } from '../../harness/k6/k6.ts';
import { analyzeOutage } from '../../harness/probes/outage-analysis.ts';
import { signalTree } from '../../stores/servers/process-tree.ts';
import type { PhaseTicker, ScenarioContext, ScenarioRunner } from '../../harness/run/context.ts';
import { skippedEntry } from '../../harness/run/skipped-entry.ts';
import { Timeline } from '../../harness/load/timeline.ts';
import type { AppChild } from '../../harness/app/child.ts';
import { formatFirstError, formatLateFailures, formatRecovery, formatRecoveryRule } from './section.ts';
import type { LoadModel, PhaseMetrics } from '../../contract/metrics.ts';
import type { OutageObservations } from './observations.ts';
import type { LoadScenario } from '../load/scenario.ts';
import type { OutageScenario } from './scenario.ts';

/** What the load driver brought back from an outage run. */
interface DrivenOutage {
  warmup: PhaseMetrics;
  measured: PhaseMetrics;
  /** Undefined when the load never started (no request completed). */
  timeline: Timeline | undefined;
  load?: LoadModel;
}

/** Runs the measured phase's load; calls `started` with its timeline once load is flowing. */
type Driver = (context: ScenarioContext<OutageScenario>, app: AppChild, started: (timeline: Timeline) => void) => Promise<DrivenOutage>;

const totalSecondsOf = (scenario: OutageScenario) => scenario.beforeSeconds + scenario.outageSeconds + scenario.afterSeconds;
const warmupSecondsOf = (context: ScenarioContext) => Math.max(1, context.plan.warmupSeconds);

/** Shows a phase's progress until the returned ticker ends (or the next phase starts). */
function onPhase(context: ScenarioContext<OutageScenario>, name: 'warm-up' | 'outage', seconds: number): PhaseTicker {
  const { scenario } = context;
  const detail = name === 'outage' ? `${context.server?.info.label ?? 'the server'} paused at ${scenario.beforeSeconds}s for ${scenario.outageSeconds}s` : undefined;
  return context.observer.phase({ store: context.store, scenario: scenario.id, phase: name, seconds, ...(detail ? { detail } : {}) });
}

/** Closed model: autocannon, one user (session) per connection, kept from the warm-up. */
const autocannonDriver: Driver = async (context, app, started) => {
  const { scenario } = context;
  const load: LoadScenario = { kind: 'load', id: scenario.id, description: scenario.description, sessions: 'per-connection', mix: scenario.mix };
  const users: VirtualUser[] = [];
  const phase = (durationSeconds: number, timeline?: Timeline) =>
    runClosedPhase({ url: app.url, scenario: load, connections: context.plan.connections, durationSeconds, users, timeoutSeconds: scenario.requestTimeoutSeconds, signal: context.signal, timeline });
  const warming = onPhase(context, 'warm-up', warmupSecondsOf(context));
  const warmup = await phase(warmupSecondsOf(context)).finally(() => warming.end());
  const ticker = onPhase(context, 'outage', totalSecondsOf(scenario));
  const timeline = new Timeline();
  started(timeline);
  return { warmup, measured: await phase(totalSecondsOf(scenario), timeline).finally(() => ticker.end()), timeline };
};

/** Open model: k6 at the plan's arrival rate; the timeline and dropped iterations come from k6's JSON output. */
const k6Driver: Driver = async (context, app, started) => {
  const { scenario } = context;
  const k6 = context.plan.k6!;
  const load: LoadScenario = { kind: 'load', id: scenario.id, description: scenario.description, sessions: 'per-connection', mix: scenario.mix };
  const phase = (name: 'warmup' | 'measured', seconds: number, onTimeline?: (timeline: Timeline) => void) =>
    runOpenPhase({ binary: k6.binary, url: app.url, scenario: load, phase: name, ratePerSecond: k6.ratePerSecond, seconds, timeoutSeconds: scenario.requestTimeoutSeconds, signal: context.signal, onTimeline });
  const warming = onPhase(context, 'warm-up', warmupSecondsOf(context));
  const warmup = await phase('warmup', warmupSecondsOf(context)).finally(() => warming.end());
  const ticker = onPhase(context, 'outage', totalSecondsOf(scenario));
  let timeline: Timeline | undefined;
  const measured = await phase('measured', totalSecondsOf(scenario), (t) => {
    timeline = t;
    started(t);
  }).finally(() => ticker.end());
  return { warmup: warmup.metrics, measured: measured.metrics, timeline, load: { driver: 'k6', model: 'open', ratePerSecond: k6.ratePerSecond, droppedIterations: measured.droppedIterations } };
};

/** Plain-language notes: the pause, first error, recovery and late failures, and the rule they were read by. */
function outageNotes(observations: OutageObservations, serverLabel: string, scenario: OutageScenario): string[] {
  const { droppedIterations: dropped } = observations;
  return [
    `${serverLabel} was paused with SIGSTOP from ${(observations.pausedAtMs / 1000).toFixed(1)}s to ${(observations.resumedAtMs / 1000).toFixed(1)}s; requests time out after ${scenario.requestTimeoutSeconds}s.`,
    `First failed request: ${formatFirstError(observations)}. Failed while paused: ${observations.failuresDuring}; after the resume: ${observations.failuresAfter}.`,
    `Recovery: ${formatRecovery(observations)}. Failing later than one request timeout after the resume: ${formatLateFailures(observations)}.`,
    ...(dropped ? [`k6 dropped ${dropped.during} iterations while the server was paused and ${dropped.after} after the resume (${dropped.late} later than one request timeout after it; ${dropped.before} before the pause).`] : []),
    ...(observations.recoveryRule ? [formatRecoveryRule(observations.recoveryRule)] : []),
  ];
}

/**
 * Read-heavy load while the store server is paused with SIGSTOP (the whole
 * process tree, so PostgreSQL's backends stop too) and then resumed, under the
 * plan's driver: autocannon (closed model) or k6 (open model, `--driver k6`).
 * The pause starts `beforeSeconds` after the measured load does. Every request
 * has a bounded timeout; an app crash is the result, reported as a failure.
 */
export const runOutageScenario: ScenarioRunner<OutageScenario> = async (context) => {
  const { scenario, serverPid, server } = context;
  if (!server) return context.emit(skippedEntry(context, 'no store server to stop: this store lives in the app or the client'));
  if (!server.info.managed || serverPid === undefined) {
    return context.emit(skippedEntry(context, `the ${server.info.kind} server came from ${server.info.source === 'url' ? 'an explicit URL' : server.info.source}: sessionbench did not start it and will not stop it`));
  }
  const app = await context.startApp();
  const driver = context.plan.k6 ? k6Driver : autocannonDriver;
  let pausedAtMs: number | undefined;
  let resumedAtMs: number | undefined;
  let paused = false;
  let resumedEarly = false;
  let loadStarted: (timeline: Timeline) => void = () => {};
  const startedTimeline = new Promise<Timeline>((resolve) => (loadStarted = resolve));
  const stopped = new AbortController();
  const signal = AbortSignal.any([context.signal, stopped.signal]);
  const outage = (async () => {
    const timeline = await Promise.race([startedTimeline, new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }))]);
    await delay(Math.max(0, scenario.beforeSeconds * 1000 - timeline.elapsedMs()), undefined, { signal });
    signalTree(serverPid, 'SIGSTOP');
    paused = true;
    pausedAtMs = timeline.elapsedMs();
    context.observer.log(`${context.store}: ${server.info.label} paused (SIGSTOP) for ${scenario.outageSeconds}s`);
    await delay(scenario.outageSeconds * 1000, undefined, { signal }).finally(() => {
      if (paused) signalTree(serverPid, 'SIGCONT');
      paused = false;
      resumedEarly = signal.aborted;
      resumedAtMs = timeline.elapsedMs();
    });
  })();
  let driven: DrivenOutage;
  try {
    driven = await driver(context, app, loadStarted);
  } finally {
    stopped.abort(new Error('the load ended'));
    await outage.catch(() => undefined);
  }
  const crashed = app.crashed();
  if (crashed) throw new Error(`the app crashed during the outage: ${crashed}`);
  if (!driven.timeline) throw new Error('the load driver completed no request: no timeline to read the outage from');
  if (pausedAtMs === undefined || resumedAtMs === undefined) throw new Error('the load ended before the server was paused: the outage did not happen');
  if (resumedEarly) throw new Error('the load ended while the server was paused: recovery cannot be read');
  const endMs = totalSecondsOf(scenario) * 1000;
  const rows = driven.timeline.rows().filter((row) => row.second * 1000 < endMs);
  const events = driven.timeline.events();
  const inRun = { failures: events.failures.filter((event) => event.atMs < endMs), ...(events.dropped ? { dropped: events.dropped.filter((at) => at < endMs) } : {}) };
  const observations = analyzeOutage(rows, inRun, { pausedAtMs, resumedAtMs, requestTimeoutMs: scenario.requestTimeoutSeconds * 1000 });
  const notes = outageNotes(observations, server.info.label, scenario);
  context.emit({ ...context.entryBase(app, 0), ...(driven.load ? { load: driven.load } : {}), status: 'ok', warmup: driven.warmup, measured: driven.measured, timeline: rows, observations, notes });
};
