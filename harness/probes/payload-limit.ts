import type { AppChild } from '../app/child.ts';
import { SessionClient } from '../client/http-client.ts';
import type { StoreCapabilities } from '../../contract/vocabulary.ts';

/** What one login with the app's payload did on the wire. */
export interface LoginCookieProbe {
  /** HTTP status of the login, absent when the client failed before one arrived. */
  status?: number;
  /** The longest Set-Cookie header of the login response (name, value and attributes), in bytes. */
  setCookieBytes: number;
  /** Why the client failed, e.g. "UND_ERR_HEADERS_OVERFLOW" when the response headers exceed Node's 16 KiB limit. */
  error?: string;
  /** The app's own error message when the login failed (its error handler answers `{ error }`). */
  message?: string;
}

/** Logs in once, measures the session cookie the app sets, and logs out again. Never throws for an HTTP or header failure. */
export async function probeLoginCookie(url: string): Promise<LoginCookieProbe> {
  try {
    const client = new SessionClient(url);
    const login = await client.send('POST', '/login');
    if (login.status === 200) await client.send('POST', '/logout');
    const message = typeof login.body['error'] === 'string' ? login.body['error'] : undefined;
    return { status: login.status, setCookieBytes: Math.max(0, ...login.setCookie.map((header) => Buffer.byteLength(header))), ...(message ? { message } : {}) };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { setCookieBytes: 0, error: cause?.code ?? cause?.message ?? (error as Error).message };
  }
}

/** Client failures that mean the response headers (the cookie) were too large. */
const HEADER_OVERFLOW = new Set(['UND_ERR_HEADERS_OVERFLOW', 'HPE_HEADER_OVERFLOW']);
/** Statuses that name size as the cause: content too large, request headers too large. */
const SIZE_STATUSES = new Set([413, 431]);

/** Why the first login with the sweep's payload failed: a size the store or HTTP cannot carry, or anything else (a failed verification). */
export interface LoginProblem {
  cause: 'payload-limit' | 'verification';
  /** One sentence for people. */
  text: string;
}

/**
 * Why a run at this payload must be marked failed, or undefined when the login worked and the
 * payload fits. Size is the cause only when the evidence says so: response headers over Node's
 * limit, a 413 or 431, a cookie over the store's limit, or a failed login with a payload over the
 * store's declared limit. Any other failure (e.g. a 500 from a store without rights on its table)
 * is a failed verification, never filed as a payload limit.
 */
export function payloadLimitProblem(capabilities: StoreCapabilities, probe: LoginCookieProbe, payloadBytes = 0): LoginProblem | undefined {
  const limit = capabilities.payloadLimit;
  if (probe.error) {
    const size = HEADER_OVERFLOW.has(probe.error);
    return { cause: size ? 'payload-limit' : 'verification', text: `login failed on the client: ${probe.error}${size ? " (response headers over Node's 16 KiB limit)" : ''}` };
  }
  if (probe.status !== 200) {
    const answered = `login answered ${probe.status}${probe.message ? ` (${probe.message})` : ''}`;
    if (SIZE_STATUSES.has(probe.status ?? 0)) return { cause: 'payload-limit', text: answered };
    if (limit && payloadBytes > limit.bytes) return { cause: 'payload-limit', text: `${answered}: ${payloadBytes} bytes is over the ${limit.bytes}-byte limit: ${limit.reason}` };
    return { cause: 'verification', text: answered };
  }
  if (!capabilities.serverSide && limit && probe.setCookieBytes > limit.bytes) {
    return { cause: 'payload-limit', text: `the session cookie is ${probe.setCookieBytes} bytes, over the ${limit.bytes}-byte limit: ${limit.reason}` };
  }
  return undefined;
}

/** Probes a running app's login and checks it against its store's payload limit; see `payloadLimitProblem`. */
export async function checkPayloadLimit(app: AppChild, payloadBytes = 0): Promise<LoginProblem | undefined> {
  return payloadLimitProblem(app.capabilities, await probeLoginCookie(app.url), payloadBytes);
}
