import type { AdapterContext, StoreAdapter } from './types.ts';

/** The baseline: no session middleware at all, so the app's own cost shows alone. */
export async function createNoneAdapter(_context: AdapterContext): Promise<StoreAdapter> {
  return {
    id: 'none',
    label: 'No session (baseline)',
    capabilities: { serverSide: false, countsSessions: false, removesExpired: { reason: 'no sessions are kept' }, revocable: false },
    store: undefined,
    packages: {},
    middleware: () => undefined,
    inspect: {
      count: async () => undefined,
      get: async () => undefined,
      serverStats: async () => undefined,
    },
    close: async () => {},
  };
}
