import { setTimeout as delay } from 'node:timers/promises';
import type { AppChild } from '../../harness/app/child.ts';
import { loggedInClient, SessionClient } from '../../harness/client/http-client.ts';
import { RequestRecorder } from '../../harness/client/request-recorder.ts';
import { storedSession } from '../../harness/probes/session-state.ts';
import type { ScenarioRunner } from '../../harness/run/context.ts';
import { skippedEntry } from '../../harness/run/skipped-entry.ts';
import { serverPersistence } from '../../stores/servers/persistence.ts';
import type { RestartObservations } from './observations.ts';
import type { RestartScenario } from './scenario.ts';
import { restartNotes } from './section.ts';

/** Logins in flight at once: enough to be quick, few enough not to time out on a busy machine. */
const CONCURRENCY = 20;

/** Runs `task` over `items`, at most `limit` at a time, in order of results. */
async function pooled<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Each client's GET /session status; 0 when the request itself failed (no answer, a timeout). */
async function statuses(clients: readonly SessionClient[], recorder?: RequestRecorder): Promise<number[]> {
  return pooled(clients, CONCURRENCY, async (client) => {
    if (recorder) return (await recorder.send(client, 'GET', '/session'))?.status ?? 0;
    return client.send('GET', '/session').then((reply) => reply.status, () => 0);
  });
}

/** Until the app logs a new user in again (its store client reconnected), within `timeoutMs`; the ms it took, or undefined. */
async function appRecovery(app: AppChild, timeoutMs: number, signal: AbortSignal): Promise<number | undefined> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs && !signal.aborted) {
    const probe = new SessionClient(app.url, 2000);
    const status = await probe.send('POST', '/login').then((reply) => reply.status, () => 0);
    if (status === 200) return performance.now() - started;
    await delay(100, undefined, { signal }).catch(() => undefined);
  }
  return undefined;
}

/**
 * The restart scenario: `sessions` users log in through one app; the store server's persistence
 * settings are asked of it; its whole process tree is killed with SIGKILL (a crash: nothing flushed,
 * no clean shutdown) and the same server is started again on the same data and port, as the harness
 * starts it; once the same app serves a new login again, every old cookie is replayed. Only a local
 * server sessionbench started is ever killed: one given by URL (or a container) gets a skipped entry.
 */
export const runRestartScenario: ScenarioRunner<RestartScenario> = async (context) => {
  const { scenario, server, signal } = context;
  if (!server) return context.emit(skippedEntry(context, 'no store server to restart: this store keeps its sessions in the app process or the client'));
  if (!server.info.managed) {
    return context.emit({ ...skippedEntry(context, `the ${server.info.kind} server came from an explicit URL: sessionbench did not start it and never kills or restarts it`), server: server.info });
  }
  if (!context.crashAndRestartServer) {
    return context.emit({ ...skippedEntry(context, `the ${server.info.kind} server runs in ${server.info.source === 'docker' ? 'a container' : server.info.source}: sessionbench restarts only servers it started from a local binary`), server: server.info });
  }
  const app = await context.startApp();
  const clients = await pooled(Array.from({ length: scenario.sessions }, (_, i) => i), CONCURRENCY, () => loggedInClient(app.url, 'restart'));
  const validBefore = (await statuses(clients)).filter((status) => status === 200).length;
  const persistence = await serverPersistence(server.info.kind, server.connectUrl);
  const ticker = context.observer.phase({ store: context.store, scenario: scenario.id, phase: 'outage', detail: `${server.info.label} killed (SIGKILL) and restarted` });
  const killedAt = performance.now();
  let killed: number;
  let downMs: number;
  let appRecoveredMs: number | undefined;
  try {
    ({ killed } = await context.crashAndRestartServer());
    downMs = performance.now() - killedAt;
    context.observer.log(`${context.store}: ${server.info.label} killed (SIGKILL, ${killed} processes) and answering again after ${Math.round(downMs)} ms`);
    appRecoveredMs = await appRecovery(app, scenario.appRecoveryTimeoutSeconds * 1000, signal);
  } finally {
    ticker.end();
  }
  const recorder = new RequestRecorder();
  const after = await statuses(clients, recorder);
  const storedAfter = app.capabilities.serverSide ? (await pooled(clients, CONCURRENCY, (client) => storedSession(app, client).catch(() => undefined))).filter(Boolean).length : undefined;
  const crashed = app.crashed();
  if (crashed) throw new Error(`the app crashed after the store server restarted: ${crashed}`);
  const observations: RestartObservations = {
    kind: 'restart',
    sessions: scenario.sessions,
    validBefore,
    persistence,
    processesKilled: killed,
    downMs: Math.round(downMs),
    ...(appRecoveredMs !== undefined ? { appRecoveredMs: Math.round(appRecoveredMs) } : {}),
    appRecoveryTimeoutMs: scenario.appRecoveryTimeoutSeconds * 1000,
    validAfter: after.filter((status) => status === 200).length,
    rejectedAfter: after.filter((status) => status === 401).length,
    failedAfter: after.filter((status) => status !== 200 && status !== 401).length,
    ...(storedAfter !== undefined ? { storedAfter } : {}),
  };
  context.emit({ ...context.entryBase(app, 0), status: 'ok', measured: recorder.metrics(), observations, notes: restartNotes(observations, server.info.label) });
};
