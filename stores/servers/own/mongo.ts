import { MongoClient } from 'mongodb';
import { CONNECT_TIMEOUT_MS, COMMAND_TIMEOUT_MS } from '../deadline.ts';
import { isOwnTableName } from '../../namespace.ts';
import type { OwnData } from './types.ts';

async function withDb<T>(connectUrl: string, use: (db: ReturnType<MongoClient['db']>) => Promise<T>): Promise<T> {
  const client = new MongoClient(connectUrl, { serverSelectionTimeoutMS: CONNECT_TIMEOUT_MS, connectTimeoutMS: CONNECT_TIMEOUT_MS, socketTimeoutMS: COMMAND_TIMEOUT_MS });
  await client.connect();
  try {
    return await use(client.db());
  } finally {
    await client.close().catch(() => {});
  }
}

async function collections(db: ReturnType<MongoClient['db']>): Promise<string[]> {
  return (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((name) => !name.startsWith('system.'));
}

const isOwn = isOwnTableName;

/** MongoDB protocol: sessionbench's collections are its session and probe collections (`isOwnTableName`) in the URL's database. */
export const mongoOwnData: OwnData = {
  census: (url) =>
    withDb(url, async (db) => {
      const names = await collections(db);
      const own = names.filter(isOwn).length;
      return { own, foreign: names.length - own, unit: 'collections' };
    }),
  clean: (url) =>
    withDb(url, async (db) => {
      const own = (await collections(db)).filter(isOwn);
      for (const name of own) await db.collection(name).drop().catch(() => false);
      return { removed: own.length, unit: 'collections' };
    }),
};
