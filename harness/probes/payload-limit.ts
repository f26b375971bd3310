import type { AppChild } from '../app/child.ts';
import { SessionClient } from '../client/http-client.ts';
import type { ResultEntry } from '../../reports/result.ts';
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

/**
 * Why a run at this payload must be marked failed, or undefined when the payload fits:
 * the login failed on the wire (e.g. a Set-Cookie over Node's 16 KiB header limit),
 * answered a non-200 (e.g. 431, or a store rejecting the value), or set a cookie larger
 * than the store's `payloadLimit` (cookie-session: browsers silently drop cookies over ~4 KB).
 */
export function payloadLimitProblem(capabilities: StoreCapabilities, probe: LoginCookieProbe): string | undefined {
  if (probe.error) return `login failed on the client: ${probe.error} (response headers over Node's 16 KiB limit?)`;
  if (probe.status !== 200) return `login answered ${probe.status}`;
  const limit = capabilities.payloadLimit;
  if (!capabilities.serverSide && limit && probe.setCookieBytes > limit.bytes) {
    return `the session cookie is ${probe.setCookieBytes} bytes, over the ${limit.bytes}-byte limit: ${limit.reason}`;
  }
  return undefined;
}

/** Probes a running app's login and checks it against its store's payload limit; see `payloadLimitProblem`. */
export async function checkPayloadLimit(app: AppChild): Promise<string | undefined> {
  return payloadLimitProblem(app.capabilities, await probeLoginCookie(app.url));
}

/** The failure reason of a run whose payload the store cannot carry; reports recognise it by this prefix. */
export function payloadFailureReason(payloadBytes: number, problem: string): string {
  return `payload ${payloadBytes} bytes: ${problem}`;
}

/** A failed entry that only says the store cannot carry this sweep's payload: a limit to know, not a broken run. */
export function isPayloadLimitFailure(entry: ResultEntry): boolean {
  return entry.status === 'failed' && entry.payloadBytes !== undefined && entry.reason.startsWith(payloadFailureReason(entry.payloadBytes, ''));
}
