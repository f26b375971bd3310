import { MemoryStore } from 'express-session';
import { expressSessionAdapter } from './express-session.ts';
import type { AdapterContext, StoreAdapter } from './types.ts';

/** express-session's built-in MemoryStore: per-process, never shared between app instances. */
export async function createMemoryAdapter({ label, settings }: AdapterContext): Promise<StoreAdapter> {
  return expressSessionAdapter({
    label,
    id: 'memory',
    store: new MemoryStore(),
    settings,
    capabilities: {
      sharedAcrossInstances: false,
      countsSessions: true,
      removesExpired: { reason: 'MemoryStore drops an expired session only when it is read or listed; nothing sweeps it' },
    },
    packages: [],
  });
}
