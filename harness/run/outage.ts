import { setTimeout as delay } from 'node:timers/promises';
import { runClosedPhase } from '../load/autocannon.ts';
import type { VirtualUser } from '../load/autocannon.ts';
import { analyzeOutage } from '../probes/outage-analysis.ts';
import { signalTree } from '../../stores/servers/process-tree.ts';
import type { ScenarioRunner } from './context.ts';
import { skippedEntry } from './skipped-entry.ts';
import { Timeline } from '../load/timeline.ts';
import type { LoadScenario, OutageScenario } from '../../scenarios/types.ts';

/**
 * Read-heavy load while the store server is paused with SIGSTOP (the whole
 * process tree, so PostgreSQL's backends stop too) and then resumed. Every
 * request has a bounded timeout; an app crash is the result, reported as a failure.
 */
export const runOutageScenario: ScenarioRunner<OutageScenario> = async (context) => {
  const { scenario, serverPid, server } = context;
  if (!server) return context.emit(skippedEntry(context, 'no store server to stop: this store lives in the app or the client'));
  if (!server.info.managed || serverPid === undefined) {
    return context.emit(skippedEntry(context, `the ${server.info.kind} server came from ${server.info.source === 'url' ? 'an explicit URL' : server.info.source}: sessionbench did not start it and will not stop it`));
  }
  const app = await context.startApp();
  const load: LoadScenario = { kind: 'load', id: scenario.id, description: scenario.description, sessions: 'per-connection', mix: scenario.mix };
  const users: VirtualUser[] = [];
  const phase = (durationSeconds: number, timeline?: Timeline) =>
    runClosedPhase({ url: app.url, scenario: load, connections: context.plan.connections, durationSeconds, users, timeoutSeconds: scenario.requestTimeoutSeconds, signal: context.signal, timeline });
  const onPhase = (name: 'warm-up' | 'measured', seconds: number) =>
    context.observer.phase({ store: context.store, scenario: scenario.id, repetition: 0, phase: name, seconds });
  const warmupSeconds = Math.max(1, context.plan.warmupSeconds);
  onPhase('warm-up', warmupSeconds);
  const warmup = await phase(warmupSeconds);

  const totalSeconds = scenario.beforeSeconds + scenario.outageSeconds + scenario.afterSeconds;
  const timeline = new Timeline();
  let pausedAtMs = 0;
  let resumedAtMs = 0;
  let paused = false;
  const outage = (async () => {
    await delay(scenario.beforeSeconds * 1000, undefined, { signal: context.signal });
    signalTree(serverPid, 'SIGSTOP');
    paused = true;
    pausedAtMs = timeline.elapsedMs();
    context.observer.log(`${context.store}: ${server.info.label} paused (SIGSTOP) for ${scenario.outageSeconds}s`);
    await delay(scenario.outageSeconds * 1000, undefined, { signal: context.signal });
  })().finally(() => {
    if (paused) signalTree(serverPid, 'SIGCONT');
    paused = false;
    resumedAtMs = timeline.elapsedMs();
  });
  onPhase('measured', totalSeconds);
  const [measured] = await Promise.all([phase(totalSeconds, timeline), outage.catch(() => undefined)]);
  const crashed = app.crashed();
  if (crashed) throw new Error(`the app crashed during the outage: ${crashed}`);
  const rows = timeline.rows().filter((row) => row.second < totalSeconds);
  const observations = analyzeOutage(rows, { pausedAtMs, resumedAtMs, firstFailureMs: timeline.firstFailureAfter(pausedAtMs) });
  const notes = [
    `${server.info.label} was paused with SIGSTOP from ${(pausedAtMs / 1000).toFixed(1)}s to ${(resumedAtMs / 1000).toFixed(1)}s; requests time out after ${scenario.requestTimeoutSeconds}s.`,
    observations.timeToFirstErrorMs === undefined
      ? 'No request failed while the server was paused.'
      : `First failed request ${observations.timeToFirstErrorMs} ms after the pause.`,
    observations.recovered ? `Recovered ${observations.recoverySeconds?.toFixed(1)} s after the server came back.` : 'Did not recover before the run ended.',
  ];
  context.emit({ ...context.entryBase(app, 0), status: 'ok', warmup, measured, timeline: rows, observations, notes });
};
