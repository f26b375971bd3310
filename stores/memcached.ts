import connectMemcached from 'connect-memcached';
import session from 'express-session';
import Memcached from 'memcached';
import { expressSessionAdapter } from './express-session.ts';
import { probeReconnectsOverTcp } from './memcached-reconnect.ts';
import { requireServer } from './server-handle.ts';
import { tcpReachable } from './servers/tcp.ts';
import { memcachedHosts } from './servers/kinds/memcached.ts';
import type { AdapterContext, StoreAdapter } from './types.ts';

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

/** memcached through connect-memcached (wrapping the `memcached` client); keys are `sess:<id>`. */
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
  const store = new MemcachedStore({ client, prefix: 'sess:' });

  return expressSessionAdapter({
    label,
    id: 'memcached',
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
      serverStats: async () => {
        const figures = await stats(client);
        return { bytes: Number(figures['bytes']), source: 'stats bytes (curr_items as sessions)', sessions: Number(figures['curr_items']) };
      },
    },
    close: async () => client.end(),
  });
}
