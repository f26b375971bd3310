import type { AppChild } from '../app/child.ts';
import { sessionIdFromCookie } from '../client/cookies.ts';
import type { SessionClient } from '../client/http-client.ts';
import { SESSION_COOKIE } from '../../stores/express-session.ts';

/** The race oracles' fields of one session, and where they were read. */
export interface SessionState {
  /** `store`: read from the store itself; `cookie`: read through GET /session with the client's own cookie (no server side). */
  source: 'store' | 'cookie';
  counter: number;
  /** Item ids when the store was read; only their number is known through GET /session. */
  items: string[] | number;
}

/** The express-session id in the client's cookie, if it has one. */
export function sessionIdOf(client: SessionClient): string | undefined {
  return sessionIdFromCookie(client.jar.get(SESSION_COOKIE));
}

/** The session as the store holds it (server-side stores only); undefined when absent. */
export async function storedSession(app: AppChild, client: SessionClient): Promise<Record<string, unknown> | undefined> {
  const sessionId = sessionIdOf(client);
  if (!sessionId) return undefined;
  return (await app.ask('get', { sessionId })) ?? undefined;
}

/**
 * The session's counter and items, read directly from the store for server-side
 * stores, otherwise from the client's current cookie through GET /session.
 * Undefined when the session is gone.
 */
export async function readSessionState(app: AppChild, client: SessionClient): Promise<SessionState | undefined> {
  if (app.capabilities.serverSide) {
    const stored = await storedSession(app, client);
    if (!stored) return undefined;
    const items = Array.isArray(stored.items) ? stored.items.map(String) : [];
    return { source: 'store', counter: Number(stored.counter ?? 0), items };
  }
  const response = await client.send('GET', '/session');
  if (response.status !== 200) return undefined;
  const body = response.body as { counter?: number; items?: number };
  return { source: 'cookie', counter: Number(body.counter ?? 0), items: Number(body.items ?? 0) };
}
