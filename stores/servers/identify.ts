import type { ServerKind } from '../../contract/vocabulary.ts';
import { withDeadline } from './deadline.ts';
import type { ServerIdentity } from './kind.ts';
import { serverKind } from './kinds/index.ts';

export type { ServerIdentity } from './kind.ts';

/**
 * Connects once to a `kind` server at `url` and asks it what it is; rejects when it does not
 * answer within `timeoutMs` all told (connection, handshake and question), whatever the client does.
 */
export function identifyServer(kind: ServerKind, url: string, timeoutMs = 2000): Promise<ServerIdentity> {
  const expired = new AbortController();
  const work = serverKind(kind).identify(url, timeoutMs, expired.signal);
  work.catch(() => {});
  return withDeadline(work, timeoutMs, () => expired.abort());
}
