import { createClient } from 'redis';
import { CONNECT_TIMEOUT_MS, COMMAND_TIMEOUT_MS } from '../deadline.ts';
import { redisInfoField } from '../kinds/redis.ts';
import { OWN_KEY_PREFIX } from '../../namespace.ts';
import { redisTlsSocket } from '../tls.ts';
import type { OwnData } from './types.ts';

function newClient(connectUrl: string) {
  return createClient({ url: connectUrl, socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: false, ...redisTlsSocket(connectUrl) }, commandOptions: { timeout: COMMAND_TIMEOUT_MS } });
}
type Client = ReturnType<typeof newClient>;

async function withClient<T>(connectUrl: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = newClient(connectUrl);
  client.on('error', () => {});
  await client.connect();
  try {
    return await use(client);
  } finally {
    client.destroy();
  }
}

async function forOwnKeys(client: Client, each: (keys: string[]) => Promise<void>): Promise<void> {
  for await (const keys of client.scanIterator({ MATCH: `${OWN_KEY_PREFIX}*`, COUNT: 10_000 })) if (keys.length > 0) await each(keys);
}

/** Redis: sessionbench's keys are `sessionbench:*` in the URL's database; evictions are INFO stats evicted_keys. */
export const redisOwnData: OwnData = {
  census: (url) =>
    withClient(url, async (client) => {
      const total = await client.dbSize();
      let own = 0;
      await forOwnKeys(client, async (keys) => void (own += keys.length));
      return { own, foreign: Math.max(0, total - own), unit: 'keys' };
    }),
  clean: (url) =>
    withClient(url, async (client) => {
      let removed = 0;
      await forOwnKeys(client, async (keys) => void (removed += await client.unlink(keys)));
      return { removed, unit: 'keys' };
    }),
  capacity: (url) =>
    withClient(url, async (client) => {
      const info = await client.info('memory');
      const limit = Number(redisInfoField(info, 'maxmemory') ?? 0);
      return {
        limitBytes: limit > 0 ? limit : undefined,
        usedBytes: Number(redisInfoField(info, 'used_memory') ?? 0),
        policy: redisInfoField(info, 'maxmemory_policy') ?? 'unknown',
        source: 'INFO memory maxmemory, used_memory, maxmemory_policy',
      };
    }),
  evictions: (url) => withClient(url, async (client) => Number(redisInfoField(await client.info('stats'), 'evicted_keys') ?? 0)),
  // A string key with a TTL: the key and value, a dict entry, an expires entry and allocator rounding (~100 bytes, measured with MEMORY USAGE).
  bytesPerItem: (keyBytes, valueBytes) => keyBytes + valueBytes + 100,
};
