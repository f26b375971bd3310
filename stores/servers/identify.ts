import type { ServerKind } from '../types.ts';
import type { ServerIdentity } from './kind.ts';
import { serverKind } from './kinds/index.ts';

export type { ServerIdentity } from './kind.ts';

/** Connects once to a `kind` server at `url` and asks it what it is; rejects when it does not answer. */
export function identifyServer(kind: ServerKind, url: string, timeoutMs = 2000): Promise<ServerIdentity> {
  return serverKind(kind).identify(url, timeoutMs);
}
