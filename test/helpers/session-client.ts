import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../harness/app.ts';
import type { StoreAdapter } from '../../stores/types.ts';

/** The app for `adapter`, listening on 127.0.0.1 on a free port. */
export async function serveApp(adapter: StoreAdapter, payloadBytes: number): Promise<{ base: string; close(): Promise<void> }> {
  const server = createServer(createApp(adapter, { payloadBytes }));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One response: status, parsed JSON body and the raw Set-Cookie lines. */
export interface Reply {
  status: number;
  body: Record<string, unknown>;
  setCookies: string[];
}

/**
 * A browser-like client with a cookie jar: sends back what the server set,
 * drops a cookie the server expires or empties.
 */
export class SessionClient {
  readonly cookies = new Map<string, string>();

  constructor(private readonly base: string) {}

  async request(method: 'GET' | 'POST', path: string): Promise<Reply> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(this.base + path, { method, headers: cookie ? { cookie } : {} });
    const setCookies = response.headers.getSetCookie();
    for (const line of setCookies) this.keep(line);
    return { status: response.status, body: (await response.json()) as Record<string, unknown>, setCookies };
  }

  /** A second client holding a copy of this one's cookies, as an attacker who captured them would. */
  clone(): SessionClient {
    const copy = new SessionClient(this.base);
    this.cookies.forEach((value, name) => copy.cookies.set(name, value));
    return copy;
  }

  private keep(line: string): void {
    const [pair = '', ...attributes] = line.split(';');
    const name = pair.slice(0, pair.indexOf('=')).trim();
    const value = pair.slice(pair.indexOf('=') + 1).trim();
    const expires = attributes.map((a) => a.trim()).find((a) => /^expires=/i.test(a));
    const expired = expires !== undefined && Date.parse(expires.slice('expires='.length)) <= Date.now();
    if (!value || expired) this.cookies.delete(name);
    else this.cookies.set(name, value);
  }
}

/** The `Expires` attribute of the Set-Cookie line for `name`, as epoch ms. */
export function cookieExpiry(setCookies: string[], name: string): number | undefined {
  const line = setCookies.find((l) => l.startsWith(`${name}=`));
  const match = line && /;\s*expires=([^;]+)/i.exec(line);
  return match?.[1] ? Date.parse(match[1]) : undefined;
}
