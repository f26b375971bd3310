import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../harness/app/app.ts';
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

/** The `Expires` attribute of the Set-Cookie line for `name`, as epoch ms. */
export function cookieExpiry(setCookies: string[], name: string): number | undefined {
  const line = setCookies.find((l) => l.startsWith(`${name}=`));
  const match = line && /;\s*expires=([^;]+)/i.exec(line);
  return match?.[1] ? Date.parse(match[1]) : undefined;
}
