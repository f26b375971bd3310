import { timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { sessionIdFromCookie, signedSessionCookie } from '../../client/cookies.ts';
import { SESSION_COOKIE } from '../../../stores/express-session.ts';

/**
 * The session id in the request's signed cookie, read before express-session loads the session,
 * or undefined without a cookie or with a bad signature (a forged id must not take a real session's lock).
 */
export function sessionIdOf(req: Request, secret: string): string | undefined {
  const header = req.headers.cookie ?? '';
  const raw = header.split(';').map((part) => part.trim()).find((part) => part.startsWith(`${SESSION_COOKIE}=`))?.slice(SESSION_COOKIE.length + 1);
  try {
    const id = sessionIdFromCookie(raw);
    if (id === undefined) return undefined;
    const expected = Buffer.from(signedSessionCookie(id, secret));
    const given = Buffer.from(encodeURIComponent(decodeURIComponent(raw!)));
    return expected.length === given.length && timingSafeEqual(expected, given) ? id : undefined;
  } catch {
    return undefined; // a malformed %-escape: no session, as express-session reads it
  }
}

/** Calls `release` once, when the response has been sent (after express-session's save) or the connection closed. */
export function onResponseDone(res: Response, release: () => void): void {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    release();
  };
  res.once('finish', once);
  res.once('close', once);
  // The client may have gone while the request waited for its turn.
  if (res.destroyed || res.writableFinished) once();
}

/** The request an express-session Session belongs to (express-session defines `req` on every Session). */
export function requestOf(session: unknown): Request | undefined {
  return (session as { req?: Request } | null)?.req;
}
