import { session } from './host-packages.ts';
import { expressSessionAdapter, inProcessBulkWriter } from './express-session.ts';
import type { AdapterContext, StoreAdapter } from './types.ts';

/** express-session's built-in MemoryStore: per-process, never shared between app instances. */
export async function createMemoryAdapter({ label, settings }: AdapterContext): Promise<StoreAdapter> {
  const store = new session.MemoryStore();
  return expressSessionAdapter({
    label,
    id: 'memory',
    store,
    bulk: inProcessBulkWriter(store),
    settings,
    capabilities: {
      sharedAcrossInstances: false,
      countsSessions: true,
      removesExpired: { reason: 'MemoryStore drops an expired session only when it is read or listed; nothing sweeps it' },
    },
    packages: [],
    connection: { kind: 'memory', sessions: (store as unknown as { sessions: Record<string, string> }).sessions },
    // MemoryStore's length() parses every session (and drops the expired ones it meets): count what it holds instead.
    inspect: { count: async () => Object.keys((store as unknown as { sessions: Record<string, string> }).sessions).length },
  });
}
