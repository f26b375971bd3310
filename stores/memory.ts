import { MemoryStore } from 'express-session';
import { expressSessionMiddleware, storeInspector } from './express-session.ts';
import { packageVersions } from './packages.ts';
import type { AdapterContext, StoreAdapter } from './types.ts';

/** express-session's built-in MemoryStore: per-process, never shared between app instances. */
export async function createMemoryAdapter({ settings }: AdapterContext): Promise<StoreAdapter> {
  const store = new MemoryStore();
  return {
    id: 'memory',
    label: 'MemoryStore (express-session)',
    capabilities: {
      serverSide: true,
      countsSessions: true,
      removesExpired: { reason: 'MemoryStore drops an expired session only when it is read or listed; nothing sweeps it' },
      revocable: true,
    },
    store,
    packages: packageVersions('express-session'),
    middleware: () => expressSessionMiddleware(store, settings),
    inspect: storeInspector(store, { countsSessions: true }),
    close: async () => {},
  };
}
