import createMemoryStore from 'memorystore';
import { session } from './host-packages.ts';
import { expressSessionAdapter, inProcessBulkWriter } from './express-session.ts';
import { MEMORYSTORE_OPTIONS } from './options.ts';
import type { AdapterContext, StoreAdapter } from './types.ts';

/** Longest wait between prunes of expired sessions; shorter when sessions live shorter. */
const MAX_PRUNE_PERIOD_MS = 60_000;

/**
 * memorystore: an in-process LRU (lru-cache) that prunes expired sessions every `checkPeriod`,
 * the leak-free MemoryStore express-session's docs point to. Per-process, like MemoryStore.
 */
export async function createMemorystoreAdapter({ label, settings, options }: AdapterContext): Promise<StoreAdapter> {
  const MemoryStore = createMemoryStore(session);
  const given = MEMORYSTORE_OPTIONS.parse(options ?? {});
  const checkPeriod = given.checkPeriod ?? Math.max(1000, Math.min(settings.maxAgeMs, MAX_PRUNE_PERIOD_MS));
  const store = new MemoryStore({ checkPeriod, ...(given.max !== undefined ? { max: given.max } : {}) });
  return expressSessionAdapter({
    label,
    id: 'memorystore',
    store,
    bulk: inProcessBulkWriter(store),
    settings,
    capabilities: { sharedAcrossInstances: false, countsSessions: true, removesExpired: true },
    packages: ['memorystore'],
    close: async () => store.stopInterval(),
  });
}
