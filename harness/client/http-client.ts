import { applySetCookie, cookieHeader } from './cookies.ts';
import type { CookieJar } from './cookies.ts';

/** One HTTP answer as the harness needs it. */
export interface ClientResponse {
  status: number;
  /** The JSON object the app answered (every route answers one); other text as `{ text }`. */
  body: Record<string, unknown>;
  setCookie: string[];
}

/** A single user against the app: one cookie jar, bounded timeouts, JSON answers. */
export class SessionClient {
  readonly jar: CookieJar = new Map();

  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 10_000,
  ) {}

  /** Sends a request with this user's cookies and keeps the cookies the server sets. */
  async send(method: 'GET' | 'POST', path: string): Promise<ClientResponse> {
    const cookie = cookieHeader(this.jar);
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: cookie ? { cookie } : {},
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const setCookie = response.headers.getSetCookie();
    applySetCookie(this.jar, setCookie);
    const text = await response.text();
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(text);
      body = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : { text };
    } catch {
      body = { text };
    }
    return { status: response.status, body, setCookie };
  }

  /** A copy of this user with the same cookies (e.g. to replay a captured cookie later). */
  clone(): SessionClient {
    const copy = new SessionClient(this.baseUrl, this.timeoutMs);
    for (const [name, value] of this.jar) copy.jar.set(name, value);
    return copy;
  }
}

/** A new user, logged in; `who` names the caller in the error when the login is refused. */
export async function loggedInClient(baseUrl: string, who: string): Promise<SessionClient> {
  const client = new SessionClient(baseUrl);
  const login = await client.send('POST', '/login');
  if (login.status !== 200) throw new Error(`${who}: login answered ${login.status}`);
  return client;
}
