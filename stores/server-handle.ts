import type { ServerHandle } from './types.ts';
import type { ServerKind } from '../contract/vocabulary.ts';

/** The server an adapter was given; a server store without one is a programming error. */
export function requireServer(kind: ServerKind, server: ServerHandle | undefined): ServerHandle {
  if (!server) throw new Error(`${kind}: no server given to the adapter (provision one first)`);
  if (server.info.kind !== kind) throw new Error(`${kind}: adapter was given a ${server.info.kind} server`);
  return server;
}
