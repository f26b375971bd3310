import MongoStore from 'connect-mongo';
import { MongoClient } from 'mongodb';
import { expressSessionAdapter } from './express-session.ts';
import { requireServer } from './server-handle.ts';
import { COMMAND_TIMEOUT_MS, CONNECT_TIMEOUT_MS, withDeadline } from './servers/deadline.ts';
import { mongoIdentity } from './servers/identify.ts';
import type { AdapterContext, StoreAdapter, StoreCapabilities } from './types.ts';

/** The collection connect-mongo writes sessions to. */
export const SESSION_COLLECTION = 'sessions';

/**
 * MongoDB-protocol servers through connect-mongo on a MongoClient connected first (a dead server is an Error,
 * not an unhandled rejection). FerretDB 1.x has no TTL indexes, so expiry is only enforced on read there.
 */
export async function createMongoAdapter({ label, settings, server }: AdapterContext): Promise<StoreAdapter> {
  const { info, connectUrl } = requireServer('mongo', server);
  const client = new MongoClient(connectUrl, { serverSelectionTimeoutMS: CONNECT_TIMEOUT_MS, connectTimeoutMS: CONNECT_TIMEOUT_MS, socketTimeoutMS: COMMAND_TIMEOUT_MS });
  let ferretdb: boolean;
  try {
    const buildInfo = withDeadline((async () => { await client.connect(); return client.db('admin').command({ buildInfo: 1 }); })(), CONNECT_TIMEOUT_MS);
    ferretdb = mongoIdentity(await buildInfo).product === 'FerretDB';
  } catch (error) {
    void client.close().catch(() => {});
    throw new Error(`mongo: cannot connect to ${info.url}: ${(error as Error).message}`);
  }
  const db = client.db();
  const store = MongoStore.create({
    client,
    dbName: db.databaseName,
    collectionName: SESSION_COLLECTION,
    autoRemove: ferretdb ? 'disabled' : 'native',
  });
  const removesExpired: StoreCapabilities['removesExpired'] = ferretdb
    ? { reason: 'FerretDB 1.x has no TTL indexes: expired sessions stay in the collection' }
    : true;

  return expressSessionAdapter({
    label,
    id: 'mongo',
    store,
    settings,
    capabilities: {
      countsSessions: true,
      removesExpired,
      payloadLimit: { bytes: 16 * 1024 * 1024, reason: 'a BSON document holds at most 16 MB' },
    },
    packages: ['connect-mongo', 'mongodb'],
    inspect: {
      serverStats: async () => {
        const figures = await db.command({ dbStats: 1 });
        return {
          bytes: Number(figures['dataSize']),
          source: 'dbStats dataSize',
          sessions: await db.collection(SESSION_COLLECTION).countDocuments(),
        };
      },
    },
    close: () => store.close(),
  });
}
