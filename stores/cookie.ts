import cookieSession from 'cookie-session';
import type { RequestHandler } from 'express';
import { BROWSER_COOKIE_LIMIT_BYTES } from './limits.ts';
import { NO_INSPECTION } from './none.ts';
import { packageVersions } from './packages.ts';
import type { AdapterContext, StoreAdapter } from './types.ts';

/** The cookie name cookie-session uses in sessionbench (it also sets `<name>.sig`). */
export const COOKIE_SESSION_NAME = 'session';


/** cookie-session: the whole session lives in a signed cookie; nothing on the server to inspect. */
export async function createCookieAdapter({ label, settings }: AdapterContext): Promise<StoreAdapter> {
  return {
    id: 'cookie',
    label,
    capabilities: {
      keepsSessions: true,
      serverSide: false,
      // The signed cookie travels with every request, so any instance can read it.
      sharedAcrossInstances: true,
      countsSessions: false,
      removesExpired: { reason: 'nothing is stored server-side; expiry is the cookie\'s own Expires attribute' },
      payloadLimit: { bytes: BROWSER_COOKIE_LIMIT_BYTES, reason: 'browsers drop cookies over ~4 KB; Node rejects Cookie headers over 16 KiB (431)' },
      revocable: false,
    },
    store: undefined,
    packages: packageVersions('cookie-session'),
    middleware: () =>
      cookieSession({
        name: COOKIE_SESSION_NAME,
        secret: settings.secret,
        maxAge: settings.maxAgeMs,
        httpOnly: true,
        sameSite: 'lax',
      }) as unknown as RequestHandler,
    inspect: NO_INSPECTION,
    close: async () => {},
  };
}
