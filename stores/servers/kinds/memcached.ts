import { findBinary } from '../binaries.ts';
import { installFix } from '../kind.ts';
import type { ServerKindDefinition } from '../kind.ts';
import { freePort, isRoot, userIds } from '../process.ts';
import { once } from 'node:events';
import { connect } from 'node:net';
import type { Socket } from 'node:net';

/** The `host:port` list the memcached client wants, from a `memcached://host:port` URL. */
export function memcachedHosts(connectUrl: string): string {
  const url = new URL(connectUrl);
  return `${url.hostname}:${url.port || '11211'}`;
}

function openSocket(hostPort: string, timeoutMs: number): Socket {
  const { hostname, port } = new URL(`tcp://${hostPort}`);
  const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port), timeout: timeoutMs });
  socket.on('error', () => {});
  return socket;
}

/** One line from `socket`, up to its CRLF. */
async function readLine(socket: Socket): Promise<string> {
  let text = '';
  for await (const chunk of socket) {
    text += (chunk as Buffer).toString('latin1');
    const end = text.indexOf('\r\n');
    if (end >= 0) return text.slice(0, end);
    if (text.length > 1024) break;
  }
  throw new Error(`the connection ended before a reply line${text ? ` (got "${printable(text)}")` : ''}`);
}

/** At most 60 characters of a server's reply, control characters shown as `?`, for one error line. */
function printable(text: string): string {
  return text.slice(0, 60).replace(/[^\x20-\x7e]/g, '?');
}

/** Item memory of a memcached sessionbench starts, in MB (`-m`). */
export const MANAGED_MEMORY_MB = 4096;

/** The version in memcached's `VERSION 1.6.21` reply; anything else is not a memcached server. */
export function parseMemcachedVersion(line: string): string {
  const match = /^VERSION ([\w.+-]{1,64})$/.exec(line);
  if (!match) throw new Error(`not a memcached reply to "version": "${printable(line)}"`);
  return match[1]!;
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
    if (!binary) return { reason: 'memcached is not on PATH', fix: installFix('memcached', 'memcached', Boolean(findBinary('apt-get'))) };
    const port = await freePort();
    // Room for a million 1 KB sessions (memcached's default 64 MB evicts past ~40,000); memory is taken only as items arrive.
    const args = ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', String(MANAGED_MEMORY_MB)];
    // memcached refuses to run as root; setpriv switches user so the parent-death signal survives.
    const user = isRoot() ? await userIds('nobody') : undefined;
    return { binary: 'memcached', spec: { command: binary, args, user }, connectUrl: `memcached://127.0.0.1:${port}` };
  },
  /** Asks `version` in memcached's text protocol on a plain socket (the memcached client throws on a reply it does not expect). */
  async identify(url, timeoutMs, expired) {
    const socket = openSocket(memcachedHosts(url), timeoutMs);
    expired.addEventListener('abort', () => socket.destroy());
    try {
      await once(socket, 'connect');
      socket.write('version\r\n');
      return { product: 'memcached', version: parseMemcachedVersion(await readLine(socket)) };
    } finally {
      socket.destroy();
    }
  },
};
