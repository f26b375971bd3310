import { connect } from 'node:net';
import { COMMAND_TIMEOUT_MS } from '../deadline.ts';
import { memcachedHosts } from '../kinds/memcached.ts';
import { MemcachedPipeline } from '../../memcached-pipeline.ts';
import { OWN_KEY_PREFIX } from '../../namespace.ts';
import type { OwnData } from './types.ts';

function hostAndPort(connectUrl: string): { host: string; port: number } {
  const { hostname, port } = new URL(`tcp://${memcachedHosts(connectUrl)}`);
  return { host: hostname.replace(/^\[|\]$/g, ''), port: Number(port) };
}

/** Sends one text-protocol command and resolves with the reply's lines up to `END` (an error line rejects). */
function request(connectUrl: string, command: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(hostAndPort(connectUrl));
    let text = '';
    const timer = setTimeout(() => finish(new Error(`memcached: no complete answer to "${command}" within ${COMMAND_TIMEOUT_MS} ms`)), COMMAND_TIMEOUT_MS);
    const finish = (error?: Error, lines?: string[]) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(lines ?? []);
    };
    socket.on('error', (error) => finish(error));
    socket.on('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (/^(ERROR|CLIENT_ERROR|SERVER_ERROR|BUSY)\b.*\r\n$/m.test(text)) return finish(new Error(`memcached answered "${command}" with: ${text.trim().split('\r\n').at(-1)}`));
      if (/(^|\n)END\r\n$/.test(text)) finish(undefined, text.split(/\r?\n/).slice(0, -2));
    });
  });
}

/** `stats` as name → number. */
async function stats(connectUrl: string): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  for (const line of await request(connectUrl, 'stats')) {
    const [, name, value] = line.split(' ');
    if (name) figures[name] = Number(value);
  }
  return figures;
}

/** Every key on the server, from the LRU crawler's metadump (memcached ≥ 1.4.31; the only way to list keys). */
async function allKeys(connectUrl: string): Promise<string[]> {
  const lines = await request(connectUrl, 'lru_crawler metadump all');
  return lines.flatMap((line) => {
    const match = /^key=(\S+)/.exec(line);
    return match ? [decodeURIComponent(match[1]!)] : [];
  });
}

/** memcached: sessionbench's keys are `sessionbench:*`, listed through the LRU crawler's metadump. */
export const memcachedOwnData: OwnData = {
  census: async (url) => {
    const keys = await allKeys(url);
    const own = keys.filter((key) => key.startsWith(OWN_KEY_PREFIX)).length;
    return { own, foreign: keys.length - own, unit: 'items' };
  },
  clean: async (url) => {
    const own = (await allKeys(url)).filter((key) => key.startsWith(OWN_KEY_PREFIX));
    const { host, port } = hostAndPort(url);
    const pipeline = new MemcachedPipeline(host, port, COMMAND_TIMEOUT_MS);
    try {
      for (let from = 0; from < own.length; from += 10_000) await pipeline.send(own.slice(from, from + 10_000).map((key) => `delete ${key} noreply\r\n`).join(''));
    } finally {
      pipeline.close();
    }
    return { removed: own.length, unit: 'items' };
  },
  capacity: async (url) => {
    const figures = await stats(url);
    return {
      limitBytes: figures['limit_maxbytes'],
      usedBytes: figures['bytes'] ?? 0,
      policy: 'least recently used items first',
      source: 'stats limit_maxbytes, bytes',
    };
  },
  evictions: async (url) => (await stats(url))['evictions'] ?? 0,
  // Item header (~50 bytes with CAS), key, value and its CRLF, rounded up to the slab class (growth factor 1.25).
  bytesPerItem: (keyBytes, valueBytes) => Math.ceil((keyBytes + valueBytes + 56) * 1.25),
};
