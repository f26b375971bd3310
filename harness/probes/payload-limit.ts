import type { AppChild } from '../app/child.ts';
import { SessionClient } from '../client/http-client.ts';
import type { StoreCapabilities } from '../../stores/types.ts';

/** What one login with the app's payload did on the wire. */
export interface LoginCookieProbe {
  /** HTTP status of the login, absent when the client failed before one arrived. */
  status?: number;
  /** The longest Set-Cookie header of the login response (name, value and attributes), in bytes. */
  setCookieBytes: number;
  /** Why the client failed, e.g. "UND_ERR_HEADERS_OVERFLOW" when the response headers exceed Node's 16 KiB limit. */
  error?: string;
}

/** Logs in once, measures the session cookie the app sets, and logs out again. Never throws for an HTTP or header failure. */
export async function probeLoginCookie(url: string): Promise<LoginCookieProbe> {
  try {
    const client = new SessionClient(url);
    const login = await client.send('POST', '/login');
    if (login.status === 200) await client.send('POST', '/logout');
    return { status: login.status, setCookieBytes: Math.max(0, ...login.setCookie.map((header) => Buffer.byteLength(header))) };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { setCookieBytes: 0, error: cause?.code ?? cause?.message ?? (error as Error).message };
  }
}

/** HTTP statuses that say the request or its headers were too large. */
const TOO_LARGE_STATUSES = new Set([413, 431]);
/** undici's code for response headers over Node's 16 KiB limit. */
const HEADER_OVERFLOW = 'UND_ERR_HEADERS_OVERFLOW';

/** Why the first login failed: a size the store or HTTP cannot carry, or anything else (a verification failure). */
export interface LoginProblem {
  cause: 'payload-limit' | 'verification';
  /** One sentence for people. */
  text: string;
}

/**
 * Why a run at this payload must be marked failed, or undefined when the login worked and
 * the payload fits. Only a size is a payload limit: response headers over Node's 16 KiB
 * limit, a 413/431, or a cookie larger than the store's `payloadLimit` (cookie-session:
 * browsers silently drop cookies over ~4 KB). Any other failure (a 500 from a store without
 * rights on its table, a refused connection) is a failed verification.
 */
export function payloadLimitProblem(capabilities: StoreCapabilities, probe: LoginCookieProbe): LoginProblem | undefined {
  if (probe.error === HEADER_OVERFLOW) return { cause: 'payload-limit', text: "the login's response headers are over Node's 16 KiB limit" };
  if (probe.error) return { cause: 'verification', text: `the first login failed on the client: ${probe.error}` };
  if (probe.status !== undefined && TOO_LARGE_STATUSES.has(probe.status)) return { cause: 'payload-limit', text: `login answered ${probe.status} (too large)` };
  if (probe.status !== 200) return { cause: 'verification', text: `the first login answered ${probe.status} instead of 200` };
  const limit = capabilities.payloadLimit;
  if (!capabilities.serverSide && limit && probe.setCookieBytes > limit.bytes) {
    return { cause: 'payload-limit', text: `the session cookie is ${probe.setCookieBytes} bytes, over the ${limit.bytes}-byte limit: ${limit.reason}` };
  }
  return undefined;
}

/** Probes a running app's login and checks it against its store's payload limit; see `payloadLimitProblem`. */
export async function checkPayloadLimit(app: AppChild): Promise<LoginProblem | undefined> {
  return payloadLimitProblem(app.capabilities, await probeLoginCookie(app.url));
}
