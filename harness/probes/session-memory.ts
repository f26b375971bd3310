import type { AppChild } from '../app/child.ts';
import { SessionClient } from '../client/http-client.ts';
import type { SessionMemory } from '../../contract/metrics.ts';

/** Logins in flight at once: enough to be quick, few enough not to queue in the app. */
const CONCURRENCY = 8;

/** The memory that holds sessions, as one reading: the server's own figure, else the app heap after GC. */
async function memoryReading(app: AppChild): Promise<{ bytes: number; source: string; sessions?: number } | undefined> {
  const server = await app.ask('serverStats');
  const counted = (await app.ask('count')) ?? server?.sessions ?? undefined;
  if (server) return { bytes: server.bytes, source: server.source, sessions: counted };
  // Without a server figure only an in-process store's sessions are in the app heap; a file or
  // SQLite database keeps them on disk, where the heap says nothing.
  if (app.capabilities.sharedAcrossInstances) return undefined;
  return { bytes: (await app.ask('heap')).used, source: 'app heap after GC', sessions: counted };
}

/** Runs `work` on each index with at most CONCURRENCY at a time. */
async function inParallel(count: number, work: (index: number) => Promise<void>, signal: AbortSignal): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count && !signal.aborted) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count) }, worker));
}

/**
 * Memory per session, on its own: `logins` users log in through the app, the memory that holds
 * sessions is read before and after, and every one of them logs out again, so the store is left
 * as it was (on a user's server too: logout destroys exactly the sessions this made). Undefined
 * when nothing reports the memory that holds this store's sessions (a file or SQLite store). Throws
 * when a login or logout is refused: the figure would not be per session.
 */
export async function measureSessionMemory(app: AppChild, logins: number, signal: AbortSignal): Promise<SessionMemory | undefined> {
  const before = await memoryReading(app);
  if (!before) return undefined;
  const clients = Array.from({ length: logins }, () => new SessionClient(app.url));
  const expect = async (client: SessionClient, path: string) => {
    const answer = await client.send('POST', path);
    if (answer.status !== 200) throw new Error(`memory per session: ${path} answered ${answer.status}`);
  };
  try {
    await inParallel(logins, (index) => expect(clients[index]!, '/login'), signal);
    const after = (await memoryReading(app))!;
    const counted = before.sessions !== undefined && after.sessions !== undefined ? after.sessions - before.sessions : undefined;
    const sessionsAdded = counted !== undefined && counted > 0 ? counted : logins;
    return {
      logins,
      sessionsAdded,
      source: after.source,
      before: before.bytes,
      after: after.bytes,
      bytesPerSession: Math.max(0, Math.round((after.bytes - before.bytes) / sessionsAdded)),
    };
  } finally {
    await inParallel(logins, (index) => (clients[index]!.jar.size > 0 ? expect(clients[index]!, '/logout') : Promise.resolve()), new AbortController().signal);
  }
}
