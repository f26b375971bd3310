import { session } from '../../stores/host-packages.ts';
import type { Cookie, CookieOptions, SessionData } from 'express-session';
import { loginFields } from './app.ts';
import { sessionCookieOptions } from '../../stores/express-session.ts';
import type { PrefillSession, SessionSettings } from '../../stores/types.ts';

/** A range of prefilled sessions: ids `${idPrefix}${from}` … `${idPrefix}${from + count - 1}`. */
export interface PrefillRange {
  idPrefix: string;
  from: number;
  count: number;
}

/** express-session's Cookie (its types omit the constructor's options). */
const SessionCookie = session.Cookie as unknown as new (options: CookieOptions) => Cookie;

/** The ids of a range, in order. */
export function prefillIds({ idPrefix, from, count }: PrefillRange): string[] {
  return Array.from({ length: count }, (_, i) => `${idPrefix}${from + i}`);
}

/** The user id a prefilled session holds, so a read-back through the app can be checked. */
export function prefillUserId(sessionId: string): string {
  return `user-${sessionId}`;
}

/**
 * Sessions exactly as express-session hands a logged-in session to `Store.set`: its own Cookie
 * (built from the run's cookie options, expiring `ttlMs` from now; negative: already expired)
 * followed by the fields the login route stores, with the run's payload.
 */
export function prefillSessions(range: PrefillRange, ttlMs: number, payload: unknown, settings: SessionSettings): PrefillSession[] {
  return prefillIds(range).map((id) => ({
    id,
    session: { cookie: new SessionCookie({ ...sessionCookieOptions(settings), maxAge: ttlMs }), ...loginFields(prefillUserId(id), payload) } as unknown as SessionData,
  }));
}
