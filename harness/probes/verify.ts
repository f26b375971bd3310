import type { AppChild } from '../app/child.ts';
import { sessionIdFromCookie } from '../client/cookies.ts';
import { SessionClient } from '../client/http-client.ts';
import { SESSION_COOKIE } from '../../stores/express-session.ts';

/** A store failed verification; it must not be benchmarked. */
export class VerificationError extends Error {
  override name = 'VerificationError';
}

function check(condition: boolean, step: string, detail: unknown): asserts condition {
  if (!condition) throw new VerificationError(`verification failed at ${step}: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`);
}

/**
 * login → read → write → read back → logout → session gone, checked over HTTP
 * and, for server-side stores, in the store itself. Like TechEmpower's verify step:
 * a store that loses one sequential write is a failure, not a data point.
 */
export async function verifyStore(app: AppChild, storeId: string): Promise<void> {
  const client = new SessionClient(app.url);
  const login = await client.send('POST', '/login');
  check(login.status === 200, 'login', `status ${login.status}`);
  if (storeId === 'none') return;

  const sessionId = sessionIdFromCookie(client.jar.get(SESSION_COOKIE));
  if (app.capabilities.serverSide) {
    check(sessionId !== undefined, 'login', 'no session cookie was set');
    const stored = await app.ask('get', { sessionId: sessionId! });
    check(stored !== null && typeof stored.user === 'object', 'login (store)', 'the session is not in the store after login');
  }
  const read = await client.send('GET', '/session');
  check(read.status === 200, 'read', `status ${read.status} ${JSON.stringify(read.body)}`);
  const write = await client.send('POST', '/session');
  check(write.status === 200 && (write.body as { views?: number }).views === 1, 'write', write.body);
  const readBack = await client.send('GET', '/session');
  check((readBack.body as { views?: number }).views === 1, 'read back', readBack.body);
  const logout = await client.send('POST', '/logout');
  check(logout.status === 200, 'logout', `status ${logout.status}`);
  const after = await client.send('GET', '/session');
  check(after.status === 401, 'after logout', `session still answers (status ${after.status})`);
  if (app.capabilities.serverSide) {
    const stored = await app.ask('get', { sessionId: sessionId! });
    check(stored === null, 'after logout (store)', 'the session is still in the store');
  }
}
