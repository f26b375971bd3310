import { createHmac } from 'node:crypto';
/** A client's cookies by name: just enough of a browser jar for one origin and path `/`. */
export type CookieJar = Map<string, string>;

/** Applies Set-Cookie header values to the jar; a cookie expired or emptied by the server is removed. */
export function applySetCookie(jar: CookieJar, setCookie: string | string[] | undefined): void {
  for (const header of typeof setCookie === 'string' ? [setCookie] : (setCookie ?? [])) {
    const [pair = '', ...attributes] = header.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expired = attributes.some((attribute) => {
      const [key = '', val = ''] = attribute.split('=');
      const k = key.trim().toLowerCase();
      return (k === 'expires' && Date.parse(val) <= Date.now()) || (k === 'max-age' && Number(val) <= 0);
    });
    if (expired || value === '') jar.delete(name);
    else jar.set(name, value);
  }
}

/** The Cookie request header for the jar, or undefined when it is empty. */
export function cookieHeader(jar: CookieJar): string | undefined {
  if (jar.size === 0) return undefined;
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
}

/** The session id inside express-session's signed cookie value (`s:<id>.<signature>`). */
export function sessionIdFromCookie(value: string | undefined): string | undefined {
  const decoded = value ? decodeURIComponent(value) : '';
  const match = /^s:([^.]+)\./.exec(decoded);
  return match?.[1];
}

/**
 * The cookie value express-session accepts for a session id it never issued itself (a prefilled one):
 * `s:` + id + `.` + base64 HMAC-SHA256 of the id without padding (cookie-signature), URL-encoded as set.
 */
export function signedSessionCookie(sessionId: string, secret: string): string {
  const signature = createHmac('sha256', secret).update(sessionId).digest('base64').replace(/=+$/, '');
  return encodeURIComponent(`s:${sessionId}.${signature}`);
}
