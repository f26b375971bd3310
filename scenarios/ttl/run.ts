import { setTimeout as delay } from 'node:timers/promises';
import type { TtlObservations } from './observations.ts';
import type { AppChild } from '../../harness/app/child.ts';
import { loggedInClient } from '../../harness/client/http-client.ts';
import type { SessionClient } from '../../harness/client/http-client.ts';
import { RequestRecorder } from '../../harness/client/request-recorder.ts';
import type { ScenarioRunner } from '../../harness/run/context.ts';
import { storedSession } from '../../harness/probes/session-state.ts';
import { skippedEntry } from '../../harness/run/skipped-entry.ts';
import type { TtlScenario } from './scenario.ts';

/** Sessions the store holds by its own raw figures (server stats first, else its count); undefined when it cannot tell. */
async function sessionsHeld(app: AppChild): Promise<number | undefined> {
  const stats = await app.ask('serverStats');
  if (stats?.sessions !== undefined) return stats.sessions;
  return (await app.ask('count')) ?? undefined;
}

/** Counts the clients whose stored session the store still returns (server-side stores only). */
async function returnedByStore(app: AppChild, clients: SessionClient[]): Promise<number> {
  const found = await Promise.all(clients.map(async (client) => (await storedSession(app, client)) !== undefined));
  return found.filter(Boolean).length;
}

function ttlNotes(app: AppChild, scenario: TtlScenario, observations: TtlObservations): string[] {
  const notes = [`sessions lived ${scenario.maxAgeMs} ms; their cookies were replayed ${scenario.waitMs} ms after login, ignoring the cookie's Expires attribute as a replaying client would`];
  const { removesExpired } = app.capabilities;
  if (removesExpired !== true) notes.push(`the store does not remove expired sessions itself: ${removesExpired.reason}`);
  if (app.capabilities.serverSide && observations.stalePresent === undefined) notes.push('the store cannot count its sessions, so stale entries were not counted');
  else if (observations.storedAfterLogin !== undefined && observations.storedAfterLogin < scenario.sessions) {
    notes.push(`the store's count saw only ${observations.storedAfterLogin} of ${scenario.sessions} fresh sessions, so stalePresent may understate`);
  }
  if ((observations.stalePresent ?? 0) > 0) notes.push(`${observations.stalePresent} expired sessions still occupy the store`);
  if ((observations.acceptedAfterExpiry ?? 0) > 0) {
    notes.push(
      app.capabilities.serverSide
        ? `${observations.acceptedAfterExpiry} expired sessions were still accepted by the app`
        : `${observations.acceptedAfterExpiry} expired cookies were still accepted: the signed cookie carries no expiry of its own, only the browser's Expires attribute ends it`,
    );
  }
  return notes;
}

/**
 * The ttl scenario: a fresh app with a short session lifetime, `sessions`
 * logins, a bounded wait past expiry, then three checks in an order that does
 * not disturb them — raw entries left in the store (`stalePresent`), what the
 * store returns by id (`returnedAfterExpiry`), and whether the app still
 * accepts the old cookies (`acceptedAfterExpiry`).
 */
export const runTtlScenario: ScenarioRunner<TtlScenario> = async (context) => {
  const { scenario, signal } = context;
  if (context.store === 'none') return context.emit(skippedEntry(context, 'no sessions to expire: the baseline keeps no session state'));
  const app = await context.startApp({ maxAgeMs: scenario.maxAgeMs });
  const before = await sessionsHeld(app);
  const clients = await Promise.all(Array.from({ length: scenario.sessions }, () => loggedInClient(app.url, 'ttl')));
  const afterLogin = await sessionsHeld(app);
  const ticker = context.observer.phase({ store: context.store, scenario: scenario.id, phase: 'ttl wait', detail: `${scenario.sessions} sessions of ${scenario.maxAgeMs} ms`, seconds: scenario.waitMs / 1000 });
  await delay(scenario.waitMs, undefined, { signal }).finally(() => ticker.end());
  const afterWait = await sessionsHeld(app);
  const returned = app.capabilities.serverSide ? await returnedByStore(app, clients) : undefined;
  const recorder = new RequestRecorder();
  const replies = await Promise.all(clients.map((client) => recorder.send(client, 'GET', '/session')));
  const crashed = app.crashed();
  if (crashed) throw new Error(crashed);
  const observations: TtlObservations = {
    kind: 'ttl',
    sessions: scenario.sessions,
    maxAgeMs: scenario.maxAgeMs,
    waitMs: scenario.waitMs,
    acceptedAfterExpiry: replies.filter((reply) => reply?.status === 200).length,
    rejectedAfterExpiry: replies.filter((reply) => reply?.status === 401).length,
    ...(returned !== undefined ? { returnedAfterExpiry: returned } : {}),
    ...(before !== undefined && afterLogin !== undefined ? { storedAfterLogin: afterLogin - before } : {}),
    ...(before !== undefined && afterWait !== undefined ? { stalePresent: Math.max(0, afterWait - before) } : {}),
  };
  context.emit({
    ...context.entryBase(app, 0),
    status: 'ok',
    measured: recorder.metrics(),
    sessionsStored: (await app.ask('count')) ?? undefined,
    observations,
    notes: ttlNotes(app, scenario, observations),
  });
};
