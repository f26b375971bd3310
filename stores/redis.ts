import { RedisStore } from 'connect-redis';
import { createClient } from 'redis';
import { expressSessionAdapter } from './express-session.ts';
import { COMMAND_TIMEOUT_MS, CONNECT_TIMEOUT_MS, withDeadline } from './servers/deadline.ts';
import { redisInfoField } from './servers/kinds/redis.ts';
import { redisTlsSocket } from './servers/tls.ts';
import { requireServer } from './server-handle.ts';
import { REDIS_OPTIONS } from './options.ts';
import { OWN_KEY_PREFIX, storeName } from './namespace.ts';
import type { AdapterContext, BulkWriter, PrefillSession, StoreAdapter } from './types.ts';
import type { SessionData } from 'express-session';

/** Before the first connection, give up fast; once connected, ride out a short outage. */
const RETRIES_BEFORE_CONNECTED = 3;
const RETRIES_WHEN_CONNECTED = 20;

/** Redis through connect-redis and node-redis; keys are `sessionbench:<id>` (`sess:<id>` with library names) with a TTL from the cookie's maxAge. */
/** The commands connect-redis sends for get, set, touch and destroy. */
const SESSION_COMMANDS = ['get', 'set', 'expire', 'del'];

/** Calls so far of each of connect-redis's commands, from `INFO commandstats` ("cmdstat_get:calls=12,…"). */
export function sessionCommandCalls(info: string): Record<string, number> {
  return Object.fromEntries(SESSION_COMMANDS.map((command) => [command.toUpperCase(), Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(info)?.[1] ?? 0)]));
}

export async function createRedisAdapter({ label, settings, server, options }: AdapterContext): Promise<StoreAdapter> {
  const { info, connectUrl } = requireServer('redis', server);
  const { disableTouch } = REDIS_OPTIONS.parse(options ?? {});
  let connected = false;
  const client = createClient({
    url: connectUrl,
    commandOptions: { timeout: COMMAND_TIMEOUT_MS },
    socket: {
      ...redisTlsSocket(connectUrl),
      connectTimeout: CONNECT_TIMEOUT_MS,
      reconnectStrategy: (retries, cause) =>
        retries >= (connected ? RETRIES_WHEN_CONNECTED : RETRIES_BEFORE_CONNECTED) ? cause : Math.min(100 * 2 ** retries, 1000),
    },
  });
  client.on('error', () => {});
  try {
    await withDeadline(client.connect(), CONNECT_TIMEOUT_MS, () => client.destroy());
  } catch (error) {
    if (client.isOpen) client.destroy();
    throw new Error(`redis: cannot connect to ${info.url}: ${(error as Error).message}`);
  }
  connected = true;
  const probeKey = (key: string) => `${OWN_KEY_PREFIX}probe:${key}`;
  const store = new RedisStore({ client, prefix: storeName('redis', server), ...(disableTouch !== undefined ? { disableTouch } : {}) });

  // connect-redis's length() SCANs 100 keys per round trip: minutes at a million sessions. Same count, 10,000 per round trip.
  const countSessions = async (): Promise<number> => {
    let n = 0;
    for await (const keys of client.scanIterator({ MATCH: `${store.prefix}*`, COUNT: 10_000 })) n += keys.length;
    return n;
  };
  // connect-redis's own key, serializer and TTL rule (getTTL is private in its types, public at run time).
  const ttlOf = (session: SessionData): number => (store as unknown as { getTTL(s: SessionData): number }).getTTL(session);
  const bulk: BulkWriter = {
    method: 'pipelined SET key value EX ttl (node-redis), key, value and TTL from connect-redis',
    write: async (sessions: readonly PrefillSession[]) => {
      const batch = client.multi();
      for (const { id, session } of sessions) {
        const ttl = ttlOf(session);
        // connect-redis deletes instead of writing a session whose TTL is not positive: so does the bulk writer.
        if (ttl > 0) batch.set(store.prefix + id, store.serializer.stringify(session), { expiration: { type: 'EX', value: ttl } });
      }
      await batch.execAsPipeline();
    },
    remove: async (ids) => {
      if (ids.length > 0) await client.unlink(ids.map((id) => store.prefix + id));
    },
  };

  return expressSessionAdapter({
    label,
    id: 'redis',
    bulk,
    store,
    settings,
    capabilities: {
      countsSessions: true,
      removesExpired: true,
      payloadLimit: { bytes: 512 * 1024 * 1024, reason: 'Redis strings hold at most 512 MB' },
    },
    packages: ['connect-redis', 'redis'],
    inspect: {
      count: countSessions,
      serverStats: async () => ({
        bytes: Number(redisInfoField(await client.info('memory'), 'used_memory')),
        source: 'INFO memory used_memory',
        sessions: await countSessions(),
        commands: { source: 'INFO commandstats', calls: sessionCommandCalls(await client.info('commandstats')) },
      }),
      // Server-wide counters: every key lookup on this Redis, not only the sessions'.
      serverCache: async () => {
        const statsInfo = await client.info('stats');
        return {
          hits: Number(redisInfoField(statsInfo, 'keyspace_hits')),
          misses: Number(redisInfoField(statsInfo, 'keyspace_misses')),
          evictions: Number(redisInfoField(statsInfo, 'evicted_keys')),
          source: 'INFO stats keyspace_hits/keyspace_misses/evicted_keys (whole server)',
        };
      },
    },
    connection: { kind: 'redis', client, key: (id) => store.prefix + id, encode: (session) => ({ value: store.serializer.stringify(session), ttlSeconds: ttlOf(session) }) },
    // The probe's keys are sessionbench's own whatever the session names: a unique id under `sessionbench:probe:`.
    fieldUpdates: {
      description: 'HSET of one field of a hash (node-redis)',
      create: async (key) => {
        await client.del(probeKey(key));
        await client.hSet(probeKey(key), { a: 0, b: 0 });
      },
      setField: async (key, field, value) => void (await client.hSet(probeKey(key), field, value)),
      read: async (key) => {
        const fields = await client.hGetAll(probeKey(key));
        return { a: fields['a'] === undefined ? undefined : Number(fields['a']), b: fields['b'] === undefined ? undefined : Number(fields['b']) };
      },
      cleanup: async (keys) => void (keys.length > 0 && (await client.del(keys.map(probeKey)))),
    },
    close: async () => {
      if (client.isOpen) await client.close();
    },
  });
}
