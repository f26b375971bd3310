import MongoStore from 'connect-mongo';
import { MongoClient } from 'mongodb';
import { expressSessionAdapter } from './express-session.ts';
import { requireServer } from './server-handle.ts';
import { COMMAND_TIMEOUT_MS, CONNECT_TIMEOUT_MS, withDeadline } from './servers/deadline.ts';
import { mongoIdentity } from './servers/kinds/mongo.ts';
import { MONGO_OPTIONS } from './options.ts';
import { storeName, uniqueOwnName } from './namespace.ts';
import type { AdapterContext, BulkWriter, StoreAdapter } from './types.ts';
import type { StoreCapabilities } from '../contract/vocabulary.ts';

/** connect-mongo's document (default options: stringify, no transformId, no crypto); `lastModified` only with touchAfter. */
interface SessionDocument {
  _id: string;
  session: string;
  expires: Date;
  lastModified?: Date;
}


/**
 * MongoDB-protocol servers through connect-mongo on a MongoClient connected first (a dead server is an Error,
 * not an unhandled rejection). FerretDB 1.x has no TTL indexes, so expiry is only enforced on read there.
 */
export async function createMongoAdapter({ label, settings, server, options }: AdapterContext): Promise<StoreAdapter> {
  const { info, connectUrl } = requireServer('mongo', server);
  const { touchAfter } = MONGO_OPTIONS.parse(options ?? {});
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
  // Sessions in `sessionbench_sessions` (`sessions` with library names); the probe's collection is unique to this app and dropped only once it made it.
  const sessionCollection = storeName('mongo', server);
  const probeCollection = uniqueOwnName('probe');
  let probeCreated = false;
  const store = MongoStore.create({
    client,
    dbName: db.databaseName,
    collectionName: sessionCollection,
    autoRemove: ferretdb ? 'disabled' : 'native',
    ...(touchAfter !== undefined ? { touchAfter } : {}),
  });
  const probes = db.collection<{ _id: string; a?: number; b?: number }>(probeCollection);
  const removesExpired: StoreCapabilities['removesExpired'] = ferretdb
    ? { reason: 'FerretDB 1.x has no TTL indexes: expired sessions stay in the collection' }
    : true;

  const sessions = db.collection<SessionDocument>(sessionCollection);
  const bulk: BulkWriter = {
    method: "insertMany (unordered) of connect-mongo's documents: _id, session as its JSON string, expires from the cookie",
    // FerretDB takes several seconds for 5,000 documents on a busy machine: stay well inside the command timeout.
    batchSize: 1000,
    write: async (batch) => {
      const now = new Date();
      await sessions.insertMany(
        batch.map(({ id, session }) => ({
          _id: id,
          session: JSON.stringify(session),
          // connect-mongo's computeExpires: the cookie's expires (every express-session cookie here has one).
          expires: new Date(session.cookie.expires ?? Date.now() + 1_209_600_000),
          ...(touchAfter ? { lastModified: now } : {}),
        })),
        { ordered: false },
      );
    },
    remove: async (ids) => {
      await sessions.deleteMany({ _id: { $in: [...ids] } });
    },
  };

  return expressSessionAdapter({
    label,
    id: 'mongo',
    bulk,
    store,
    settings,
    capabilities: {
      countsSessions: true,
      removesExpired,
      payloadLimit: { bytes: 16 * 1024 * 1024, reason: 'a BSON document holds at most 16 MB' },
    },
    packages: ['connect-mongo', 'mongodb'],
    inspect: {
      count: () => db.collection(sessionCollection).estimatedDocumentCount(),
      serverStats: async () => {
        const figures = await db.command({ dbStats: 1 });
        return {
          bytes: Number(figures['dataSize']),
          source: 'dbStats dataSize',
          // The collection's own count (no filter, no scan): countDocuments makes FerretDB read every document.
          sessions: await db.collection(sessionCollection).estimatedDocumentCount(),
        };
      },
    },
    fieldUpdates: {
      description: 'updateOne {$set} of one field (mongodb driver)',
      create: async (key) => {
        probeCreated = true;
        await probes.replaceOne({ _id: key }, { a: 0, b: 0 }, { upsert: true });
      },
      setField: async (key, field, value) => void (await probes.updateOne({ _id: key }, { $set: { [field]: value } })),
      read: async (key) => {
        const found = await probes.findOne({ _id: key });
        return { a: found?.a, b: found?.b };
      },
      cleanup: async () => void (probeCreated && (await probes.drop().catch(() => false))),
    },
    close: () => store.close(),
  });
}
