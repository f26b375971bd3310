import { createRequire } from 'node:module';
import type { ConnectionString as MongoConnectionString } from 'mongodb-connection-string-url' with { 'resolution-mode': 'require' };
import { findBinary, findTool } from '../binaries.ts';
import { installFix } from '../kind.ts';
import type { ServerIdentity, ServerKindDefinition } from '../kind.ts';
import { freePort, serverTempDir } from '../process.ts';

// The package's ESM entry ships no types; its CommonJS entry does.
const { ConnectionString } = createRequire(import.meta.url)('mongodb-connection-string-url') as {
  ConnectionString: typeof MongoConnectionString;
};

/** A MongoDB connection string (several hosts, `+srv`), parsed as the driver does. */
export function parseMongoUrl(raw: string): MongoConnectionString {
  return new ConnectionString(raw);
}

/** MongoDB or FerretDB, told apart by the `ferretdbVersion` field FerretDB adds to `buildInfo`. */
export function mongoIdentity(buildInfo: Record<string, unknown>): ServerIdentity {
  const ferretdb = buildInfo['ferretdbVersion'];
  if (typeof ferretdb === 'string') return { product: 'FerretDB', version: ferretdb.replace(/^v/, '') };
  return { product: 'MongoDB', version: String(buildInfo['version'] ?? 'unknown') };
}

const FERRETDB_ARGS = ['--state-dir=-', '--debug-addr=-', '--telemetry=disable', '--log-level=error'];

/**
 * The MongoDB protocol: `mongod` when installed, else FerretDB on SQLite (FERRETDB_BIN, PATH or
 * the cache `.ci/build-ferretdb.sh` fills), labelled as what it is.
 */
export const mongo: ServerKindDefinition = {
  product: 'MongoDB',
  noun: 'MongoDB-protocol server',
  url: { schemes: ['mongodb:', 'mongodb+srv:'], envVar: 'MONGO_URL', example: 'mongodb://127.0.0.1:27017/sessions', parse: parseMongoUrl, hostOptional: true },
  docker: { image: 'mongo:7', port: 27017, url: (host, port) => `mongodb://${host}:${port}/sessionbench?directConnection=true` },
  async local() {
    const mongod = findBinary('mongod');
    const ferretdb = mongod ? undefined : findTool('ferretdb', 'FERRETDB_BIN');
    if (!mongod && !ferretdb) return { reason: 'neither mongod nor FerretDB found (FERRETDB_BIN, PATH, ~/.cache/sessionbench/bin)', fix: process.platform === 'linux' ? '.ci/build-ferretdb.sh (needs Go 1.25+; or pass --mongo-url)' : installFix('mongo', 'mongod', false) };
    const port = await freePort();
    const dir = await serverTempDir('mongo');
    const connectUrl = `mongodb://127.0.0.1:${port}/sessionbench`;
    if (mongod) {
      const args = ['--dbpath', dir, '--port', String(port), '--bind_ip', '127.0.0.1', '--quiet'];
      return { binary: 'mongod', spec: { command: mongod, args, tempDir: dir }, connectUrl };
    }
    const args = ['--handler=sqlite', `--sqlite-url=file:${dir}/`, `--listen-addr=127.0.0.1:${port}`, ...FERRETDB_ARGS];
    return { binary: 'ferretdb', spec: { command: ferretdb!, args, tempDir: dir }, connectUrl, backend: 'SQLite' };
  },
  async identify(url, timeoutMs, expired) {
    const { MongoClient } = await import('mongodb');
    const client = new MongoClient(url, { serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs, socketTimeoutMS: timeoutMs });
    expired.addEventListener('abort', () => void client.close().catch(() => {}));
    try {
      await client.connect();
      return mongoIdentity(await client.db('admin').command({ buildInfo: 1 }));
    } finally {
      await client.close();
    }
  },
};
