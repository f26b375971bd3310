import connectMemcached from 'connect-memcached';
import { session } from './host-packages.ts';
import Memcached from 'memcached';
import { expressSessionAdapter } from './express-session.ts';
import { probeReconnectsOverTcp } from './memcached-reconnect.ts';
import { requireServer } from './server-handle.ts';
import { tcpReachable } from './servers/tcp.ts';
import { memcachedHosts } from './servers/kinds/memcached.ts';
import { COMMAND_TIMEOUT_MS } from './servers/deadline.ts';
import { MEMCACHED_JSON_FLAG, MemcachedPipeline } from './memcached-pipeline.ts';
import type { AdapterContext, BulkWriter, StoreAdapter } from './types.ts';
import { storeName } from './namespace.ts';
import type { SessionData } from 'express-session';

/**
 * Fail fast when the server is down (the client's defaults wait about a minute), retry a second later.
 * `failures` is never used up, and the client's reconnect probe (a spawned `ping`) is replaced by a
 * TCP connection (see memcached-reconnect.ts).
 */
const CLIENT_OPTIONS: Memcached.options = { retries: 0, timeout: 500, retry: 1000, reconnect: 1000, failures: Number.MAX_SAFE_INTEGER, idle: 5000 };

/** memcached's own 30-day boundary: a larger expiration time is read as an absolute Unix timestamp. */
export const MEMCACHED_MAX_RELATIVE_TTL_SECONDS = 30 * 24 * 60 * 60;

function stats(client: Memcached): Promise<Memcached.StatusData> {
  return new Promise((resolve, reject) =>
    client.stats((error, results) => {
      const first = results?.[0];
      if (error || !first) reject(error ?? new Error('memcached: no stats returned'));
      else resolve(first);
    }),
  );
}

/** connect-memcached's fallback lifetime when a session's cookie has no maxAge. */
const ONE_DAY_SECONDS = 86_400;

/** memcached through connect-memcached (wrapping the `memcached` client); keys are `sessionbench:<id>` (`sess:<id>` with library names). */
export async function createMemcachedAdapter({ label, settings, server }: AdapterContext): Promise<StoreAdapter> {
  const { info, connectUrl } = requireServer('memcached', server);
  try {
    await tcpReachable(memcachedHosts(connectUrl), CLIENT_OPTIONS.timeout ?? 500);
  } catch (error) {
    throw new Error(`memcached: cannot connect to ${info.url}: ${(error as Error).message}`);
  }
  probeReconnectsOverTcp();
  const client = new Memcached(memcachedHosts(connectUrl), CLIENT_OPTIONS);
  const MemcachedStore = connectMemcached(session);
  const store = new MemcachedStore({ client, prefix: storeName('memcached', server) });

  const own = store as unknown as { ttl?: number; getKey(sid: string): string };
  const ttlOverride = own.ttl;
  // connect-memcached's own rule: its `ttl` option, else the cookie's remaining maxAge in whole seconds.
  const ttlOf = (session: SessionData): number => {
    const maxAge = session.cookie.maxAge;
    return ttlOverride || (typeof maxAge === 'number' ? (maxAge / 1000) | 0 : ONE_DAY_SECONDS);
  };
  const [host = '127.0.0.1', port = '11211'] = memcachedHosts(connectUrl).split(/:(?=\d+$)/);
  const pipeline = new MemcachedPipeline(host.replace(/^\[|\]$/g, ''), Number(port), COMMAND_TIMEOUT_MS);
  const bulk: BulkWriter = {
    method: "pipelined set … noreply in memcached's text protocol, written as the memcached client writes connect-memcached's sessions (key, JSON flag, JSON value, its TTL rule)",
    write: async (sessions) => {
      // The memcached client escapes CR and LF in values; JSON.stringify never writes them raw, so the value is the JSON itself.
      const commands = sessions.map(({ id, session }) => {
        const value = JSON.stringify(session);
        return `set ${own.getKey(id)} ${MEMCACHED_JSON_FLAG} ${ttlOf(session)} ${Buffer.byteLength(value)} noreply\r\n${value}\r\n`;
      });
      await pipeline.send(commands.join(''));
    },
    remove: async (ids) => {
      await pipeline.send(ids.map((id) => `delete ${own.getKey(id)} noreply\r\n`).join(''));
    },
  };

  return expressSessionAdapter({
    label,
    id: 'memcached',
    bulk,
    store,
    settings,
    capabilities: {
      countsSessions: false,
      removesExpired: true,
      payloadLimit: { bytes: 1024 * 1024, reason: 'memcached rejects items over its item size limit (-I, 1 MB by default)' },
      ttlLimit: {
        seconds: MEMCACHED_MAX_RELATIVE_TTL_SECONDS,
        reason: 'memcached reads an expiration over 30 days as an absolute Unix time, already past: the session vanishes at once',
      },
    },
    packages: ['connect-memcached', 'memcached'],
    inspect: {
      // curr_items counts every item on the server: sessions only on a server sessionbench started (nothing else is there).
      serverStats: async () => {
        const figures = await stats(client);
        if (!info.managed) return { bytes: Number(figures['bytes']), source: 'stats bytes (of the whole server: it holds data not sessionbench\'s)' };
        return { bytes: Number(figures['bytes']), source: 'stats bytes (curr_items as sessions)', sessions: Number(figures['curr_items']) };
      },
      serverCache: async () => {
        const figures = await stats(client);
        return { hits: Number(figures['get_hits']), misses: Number(figures['get_misses']), evictions: Number(figures['evictions']), source: 'stats get_hits/get_misses/evictions (whole server)' };
      },
    },
    close: async () => {
      pipeline.close();
      client.end();
    },
  });
}
