import type { AdapterContext, StoreAdapter, StoreInspector } from './types.ts';

/** Inspection of a store with nothing server-side: no count, no session, no server figures. */
export const NO_INSPECTION: StoreInspector = {
  count: async () => undefined,
  get: async () => undefined,
  serverStats: async () => undefined,
};

/** The baseline: no session middleware at all, so the app's own cost shows alone. */
export async function createNoneAdapter({ label }: AdapterContext): Promise<StoreAdapter> {
  return {
    id: 'none',
    label,
    capabilities: { keepsSessions: false, serverSide: false, sharedAcrossInstances: false, countsSessions: false, removesExpired: { reason: 'no sessions are kept' }, revocable: false },
    store: undefined,
    packages: {},
    middleware: () => undefined,
    inspect: NO_INSPECTION,
    close: async () => {},
  };
}
