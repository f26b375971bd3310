import { findBinary } from '../binaries.ts';
import type { ServerKindDefinition } from '../kind.ts';
import { freePort, isRoot, userIds } from '../process.ts';
import { tcpReachable } from '../tcp.ts';

/** The `host:port` list the memcached client wants, from a `memcached://host:port` URL. */
export function memcachedHosts(connectUrl: string): string {
  const url = new URL(connectUrl);
  return `${url.hostname}:${url.port || '11211'}`;
}

/** memcached: `memcached` on PATH, UDP off; a URL may be a bare `host:port`. */
export const memcached: ServerKindDefinition = {
  product: 'memcached',
  noun: 'memcached server',
  url: {
    schemes: ['memcached:'],
    envVar: 'MEMCACHED_URL',
    example: 'memcached://127.0.0.1:11211',
    parse: (raw) => new URL(raw.includes('://') ? raw : `memcached://${raw}`),
  },
  docker: { image: 'memcached:1.6', port: 11211, url: (host, port) => `memcached://${host}:${port}` },
  async local() {
    const binary = findBinary('memcached');
    if (!binary) return 'memcached is not on PATH';
    const port = await freePort();
    const args = ['-l', '127.0.0.1', '-p', String(port), '-U', '0'];
    // memcached refuses to run as root; setpriv switches user so the parent-death signal survives.
    const user = isRoot() ? await userIds('nobody') : undefined;
    return { binary: 'memcached', spec: { command: binary, args, user }, connectUrl: `memcached://127.0.0.1:${port}` };
  },
  async identify(url, timeoutMs) {
    await tcpReachable(memcachedHosts(url), timeoutMs);
    const { default: Memcached } = await import('memcached');
    const client = new Memcached(memcachedHosts(url), { retries: 0, timeout: timeoutMs });
    try {
      const version = await new Promise<string>((resolve, reject) =>
        client.version((error, results) => (error ? reject(error) : resolve(String(results[0]?.version ?? 'unknown')))),
      );
      return { product: 'memcached', version };
    } finally {
      client.end();
    }
  },
};
