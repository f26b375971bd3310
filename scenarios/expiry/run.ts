import { prefills } from '../../harness/plan/plan.ts';
import { setTimeout as delay } from 'node:timers/promises';
import type { AppChild } from '../../harness/app/child.ts';
import { runClosedPhase } from '../../harness/load/autocannon.ts';
import type { VirtualUser } from '../../harness/load/autocannon.ts';
import { Timeline } from '../../harness/load/timeline.ts';
import type { ScenarioContext, ScenarioRunner } from '../../harness/run/context.ts';
import { prefillStore, removePrefilled } from '../../harness/run/prefill.ts';
import { skippedEntry } from '../../harness/run/skipped-entry.ts';
import type { ExpiryObservations } from './observations.ts';
import type { TimelineSecond } from '../../contract/metrics.ts';
import type { ExpiryScenario } from './scenario.ts';
import type { LoadScenario } from '../load/scenario.ts';

/** The server's own figures, or nothing when it cannot answer in time (FerretDB counting a million documents). */
async function serverFigures(app: AppChild): Promise<{ bytes: number; source: string; sessions?: number } | undefined> {
  return (await app.ask('serverStats').catch(() => null)) ?? undefined;
}

/** The app heap after garbage collection (an empty prefill range is a reading). */
async function heapUsed(app: AppChild): Promise<number> {
  return (await app.ask('prefill', { idPrefix: 'none-', from: 0, count: 0, ttlMs: 0 })).used;
}

function medianOf(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** How the store removes expired sessions, from what it offers: a prune to call, its own expiry, or nothing. */
function cleanupOf(app: AppChild, canPrune: boolean): ExpiryObservations['cleanup'] {
  if (canPrune) return 'call';
  return app.capabilities.removesExpired === true ? 'server' : 'none';
}

function notesFor(context: ScenarioContext<ExpiryScenario>, app: AppChild, o: ExpiryObservations, storedAfterPrefill: number | undefined): string[] {
  const removes = app.capabilities.removesExpired;
  const how =
    o.cleanup === 'call'
      ? `The app called the store's prune ${(o.startedAtMs / 1000).toFixed(1)} s into the load; it took ${((o.cleanupMs ?? 0) / 1000).toFixed(2)} s.`
      : o.cleanup === 'server'
        ? `Nothing was called: the server's own expiry was watched for ${context.scenario.cleanupSeconds} s of load.`
        : `Nothing removes them: ${removes === true ? 'the store has no cleanup' : removes.reason}.`;
  const refused =
    storedAfterPrefill !== undefined && storedAfterPrefill < o.expiredSessions / 2
      ? [`The store held ${storedAfterPrefill} of them right after the prefill: it drops a session that is already expired at write time (connect-redis deletes instead of writing one; memcached reads a past expiry as gone), so there was nothing left to clean and the prefill rate is not a write rate.`]
      : [];
  return [`${o.expiredSessions} sessions were written already expired (${context.scenario.expiredForMs / 1000} s ago). ${how}`, ...refused];
}

/**
 * Expiry at scale: prefills N sessions already expired, runs read-heavy load, and after
 * `beforeSeconds` starts the store's cleanup — calls its prune when it has one (timed), or
 * watches its own expiry — for `cleanupSeconds`; records its time, the sessions and bytes
 * before and after, and the per-second p99 before and during it.
 */
export const runExpiryScenario: ScenarioRunner<ExpiryScenario> = async (context) => {
  const { scenario, plan, signal } = context;
  const sessions = context.prefillSessions;
  if (sessions === 0) {
    // In a sweep (--prefill 0,1m) the counts above 0 are the expiry entries; alone, say what is missing.
    if (prefills(plan)) return;
    return context.emit(skippedEntry(context, 'expiry at scale needs expired sessions to clean up: give --prefill N'));
  }
  const app = await context.startApp();
  const done = await prefillStore(app, { sessions, ttlMs: -scenario.expiredForMs, secret: plan.settings.secret, signal, log: context.observer.log, label: context.store });
  try {
    const canPrune = (await app.ask('pruneExpired', { dryRun: true })) !== null;
    const cleanup = cleanupOf(app, canPrune);
    // Counting through an in-process store reads (and so drops) expired sessions: count only where a server counts.
    const counts = app.capabilities.sharedAcrossInstances;
    const before = await serverFigures(app);
    const heapBefore = await heapUsed(app);
    const load: LoadScenario = { kind: 'load', id: scenario.id, description: scenario.description, sessions: 'per-connection', mix: scenario.mix };
    const users: VirtualUser[] = [];
    const phase = (durationSeconds: number, timeline?: Timeline) =>
      runClosedPhase({ url: app.url, scenario: load, connections: plan.connections, durationSeconds, users, timeoutSeconds: scenario.requestTimeoutSeconds, signal, timeline });
    const onPhase = (name: 'warm-up' | 'measured', seconds: number) => context.observer.phase({ store: context.store, scenario: scenario.id, repetition: 0, phase: name, seconds });
    onPhase('warm-up', Math.max(1, plan.warmupSeconds));
    const warmup = await phase(Math.max(1, plan.warmupSeconds));
    const timeline = new Timeline();
    let startedAtMs = scenario.beforeSeconds * 1000;
    let cleanupMs: number | undefined;
    const cleaning = (async () => {
      await delay(scenario.beforeSeconds * 1000, undefined, { signal });
      startedAtMs = timeline.elapsedMs();
      if (cleanup === 'call') {
        context.observer.log(`${context.store}: pruning ${sessions} expired sessions`);
        cleanupMs = (await app.ask('pruneExpired', {})) ?? undefined;
      }
    })();
    onPhase('measured', scenario.beforeSeconds + scenario.cleanupSeconds);
    const measured = await phase(scenario.beforeSeconds + scenario.cleanupSeconds, timeline);
    await cleaning;
    if (app.crashed()) throw new Error(`the app crashed during the cleanup: ${app.crashed()}`);
    const after = await serverFigures(app);
    const heapAfter = await heapUsed(app);
    const rows: TimelineSecond[] = timeline.rows();
    const endMs = startedAtMs + Math.max(1000, cleanupMs ?? scenario.cleanupSeconds * 1000);
    const p99s = (from: number, to: number) => rows.filter((row) => row.second * 1000 + 1000 > from && row.second * 1000 < to && row.ok > 0).map((row) => row.p99Us);
    const baselineP99Us = medianOf(p99s(1000, startedAtMs));
    const during = p99s(startedAtMs, endMs);
    const observations: ExpiryObservations = {
      kind: 'expiry',
      expiredSessions: sessions,
      cleanup,
      startedAtMs,
      ...(cleanupMs !== undefined ? { cleanupMs } : {}),
      ...(counts && before?.sessions !== undefined ? { storedBefore: before.sessions } : {}),
      ...(counts && after?.sessions !== undefined ? { storedAfter: after.sessions } : {}),
      ...(before && after ? { server: { before: before.bytes, after: after.bytes, source: after.source } } : {}),
      appHeap: { before: heapBefore, after: heapAfter },
      ...(baselineP99Us !== undefined ? { baselineP99Us } : {}),
      ...(during.length > 0 ? { cleanupP99Us: Math.max(...during) } : {}),
    };
    context.emit({ ...context.entryBase(app, 0), prefill: done.record, status: 'ok', warmup, measured, timeline: rows, observations, notes: notesFor(context, app, observations, done.record.storedAfter) });
  } finally {
    if (!app.crashed()) await removePrefilled(app, done.range, signal).catch(() => {});
  }
};
