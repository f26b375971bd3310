import { HOST_PACKAGES, session } from './host-packages.ts';
import type { RequestHandler } from 'express';
import type { Store } from 'express-session';
import { packageVersionsFrom } from './packages.ts';
import type { AnyStoreId, StoreCapabilities } from '../contract/vocabulary.ts';
import type { BulkWriter, FieldUpdates, SessionSettings, StoreAdapter, StoreConnection, StoreInspector } from './types.ts';
import { destroyStoredSession, getStoredSession, setStoredSession, storeCall } from './store-calls.ts';

/** The cookie name every express-session store uses in sessionbench. */
export const SESSION_COOKIE = 'sid';

/** The cookie options express-session builds every session's Cookie from (prefilled sessions use the same). */
export function sessionCookieOptions(settings: SessionSettings): { maxAge: number; httpOnly: true; sameSite: 'lax' } {
  return { maxAge: settings.maxAgeMs, httpOnly: true, sameSite: 'lax' };
}

/** express-session over `store` with the run's settings: the same for every server store. */
export function expressSessionMiddleware(store: Store, settings: SessionSettings): RequestHandler {
  return session({
    store,
    name: SESSION_COOKIE,
    secret: settings.secret,
    resave: settings.resave,
    saveUninitialized: settings.saveUninitialized,
    rolling: settings.rolling,
    cookie: sessionCookieOptions(settings),
  }) as RequestHandler;
}

/** Inspection through the Store's own get/length; no server figures (adapters with a server add them). */
function storeInspector(store: Store, countsSessions: boolean): StoreInspector {
  return {
    count: async () => {
      if (!countsSessions || !store.length) return undefined;
      const length = store.length.bind(store);
      return storeCall<number>('length()', (cb) => length(cb as (err: unknown, length?: number) => void));
    },
    get: async (sessionId) => {
      const data = await getStoredSession(store, sessionId);
      return data ? (data as unknown as Record<string, unknown>) : undefined;
    },
    serverStats: async () => undefined,
  };
}

/** What differs between the express-session stores; the rest of their StoreAdapter is built the same way. */
export interface ExpressSessionParts {
  id: AnyStoreId;
  label: string;
  store: Store;
  settings: SessionSettings;
  /** Every express-session store keeps sessions server-side and can revoke them, shared across instances unless it says otherwise; the rest is per store. */
  capabilities: Omit<StoreCapabilities, 'keepsSessions' | 'serverSide' | 'revocable' | 'sharedAcrossInstances'> & { sharedAcrossInstances?: boolean };
  /** The store's own npm packages; express-session is added. */
  packages: string[];
  /** Where to resolve `packages` from (a custom store's module file); the project by default. */
  packagesFrom?: string;
  /** Replaces parts of the Store-based inspection (a count from SQL, the server's own figures). */
  inspect?: Partial<StoreInspector>;
  /** Fields the store adds to every session it returns. */
  bookkeepingFields?: readonly string[];
  /** Bulk loading through the store's own client (`--prefill`). */
  bulk?: BulkWriter;
  /** The store's own one-shot removal of expired sessions, when the app can call it. */
  pruneExpired?: () => Promise<void>;
  /** Partial updates through the store's own client, for the server-atomicity probe. */
  fieldUpdates?: FieldUpdates;
  /** The store's own connection, for remedies against lost updates (harness/app/mitigations). */
  connection?: StoreConnection;
  /** Releases the store's client; nothing by default. */
  close?: () => Promise<void>;
}

/**
 * Bulk loading for a store that lives in the app's own heap (MemoryStore, memorystore): its own
 * `set`, called in the app process, is the only client there is, and already as fast as a bulk path.
 */
export function inProcessBulkWriter(store: Store): BulkWriter {
  return {
    method: "the store's own set, called in the app process that holds it",
    write: async (sessions) => {
      await Promise.all(sessions.map(({ id, session }) => setStoredSession(store, id, session)));
    },
    remove: async (ids) => {
      await Promise.all(ids.map((id) => destroyStoredSession(store, id)));
    },
  };
}

/** What a store without a bulk writer records. */
export const NO_BULK_WRITER = 'sessionbench has no bulk writer for this store yet, so it cannot be prefilled';

/** A StoreAdapter for a store behind express-session: the same middleware and inspection for all of them. */
export function expressSessionAdapter(parts: ExpressSessionParts): StoreAdapter {
  const { id, label, store, settings, capabilities } = parts;
  return {
    id,
    label,
    capabilities: {
      keepsSessions: true,
      serverSide: true,
      revocable: true,
      sharedAcrossInstances: true,
      ...capabilities,
      prefill: parts.bulk ? { method: parts.bulk.method, ...(parts.bulk.batchSize ? { batchSize: parts.bulk.batchSize } : {}) } : { reason: NO_BULK_WRITER },
    },
    store,
    packages: { ...packageVersionsFrom(parts.packagesFrom, parts.packages), 'express-session': HOST_PACKAGES['express-session'].version },
    ...(parts.bookkeepingFields ? { bookkeepingFields: parts.bookkeepingFields } : {}),
    middleware: () => expressSessionMiddleware(store, settings),
    inspect: { ...storeInspector(store, capabilities.countsSessions), ...parts.inspect },
    ...(parts.bulk ? { bulk: parts.bulk } : {}),
    ...(parts.pruneExpired ? { pruneExpired: parts.pruneExpired } : {}),
    ...(parts.fieldUpdates ? { fieldUpdates: parts.fieldUpdates } : {}),
    ...(parts.connection ? { connection: parts.connection } : {}),
    close: parts.close ?? (async () => {}),
  };
}
