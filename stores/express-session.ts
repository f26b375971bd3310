import session from 'express-session';
import type { RequestHandler } from 'express';
import type { SessionData, Store } from 'express-session';
import type { ServerStats, SessionSettings, StoreInspector } from './types.ts';

/** The cookie name every express-session store uses in sessionbench. */
export const SESSION_COOKIE = 'sid';

/** express-session over `store` with the run's settings: the same for every server store. */
export function expressSessionMiddleware(store: Store, settings: SessionSettings): RequestHandler {
  return session({
    store,
    name: SESSION_COOKIE,
    secret: settings.secret,
    resave: settings.resave,
    saveUninitialized: settings.saveUninitialized,
    rolling: settings.rolling,
    cookie: { maxAge: settings.maxAgeMs, httpOnly: true, sameSite: 'lax' },
  }) as RequestHandler;
}

function call<T>(fn: (cb: (err: unknown, value?: T) => void) => void): Promise<T | undefined> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

/** Inspection through the Store's own get/length, plus the server's figures when there is a server. */
export function storeInspector(
  store: Store,
  options: { countsSessions: boolean; serverStats?: () => Promise<ServerStats | undefined> },
): StoreInspector {
  return {
    count: async () => {
      if (!options.countsSessions || !store.length) return undefined;
      const length = store.length.bind(store);
      return call<number>((cb) => length(cb as (err: unknown, length?: number) => void));
    },
    get: async (sessionId) => {
      const data = await call<SessionData | null>((cb) => store.get(sessionId, cb as (err: unknown, s?: SessionData | null) => void));
      return data ? (data as unknown as Record<string, unknown>) : undefined;
    },
    serverStats: options.serverStats ?? (async () => undefined),
  };
}
