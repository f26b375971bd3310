import type { ServerKind } from '../../contract/vocabulary.ts';
import type { Persistence } from '../../scenarios/restart/observations.ts';
import { memcachedHosts } from './kinds/memcached.ts';
import { redisInfoField } from './kinds/redis.ts';
import { redisTlsSocket } from './tls.ts';

/** Asks a Redis what it keeps on disk: `CONFIG GET` of appendonly, appendfsync and save. */
async function redisPersistence(url: string, timeoutMs: number): Promise<Persistence> {
  const { createClient } = await import('redis');
  const client = createClient({ url, socket: { connectTimeout: timeoutMs, reconnectStrategy: false, ...redisTlsSocket(url) }, commandOptions: { timeout: timeoutMs } });
  client.on('error', () => {});
  try {
    await client.connect();
    const settings: Record<string, string> = {};
    for (const key of ['appendonly', 'appendfsync', 'save']) Object.assign(settings, await client.configGet(key));
    const info = await client.info('persistence');
    const aof = settings.appendonly === 'yes';
    const rdb = (settings.save ?? '').trim() !== '';
    const durable = aof ? `AOF, appendfsync ${settings.appendfsync}` : rdb ? `RDB snapshots only (save ${settings.save})` : 'none: no AOF, no RDB snapshots';
    settings.aof_enabled = redisInfoField(info, 'aof_enabled') ?? 'unknown';
    return { summary: durable, settings, source: 'CONFIG GET appendonly, appendfsync, save; INFO persistence', keepsOnDisk: aof || rdb };
  } finally {
    client.destroy();
  }
}

/** Asks PostgreSQL how it makes a commit durable: fsync and synchronous_commit (tables are WAL-logged unless UNLOGGED). */
async function postgresPersistence(url: string, timeoutMs: number): Promise<Persistence> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    const settings: Record<string, string> = {};
    for (const name of ['fsync', 'synchronous_commit', 'wal_level']) {
      const { rows } = await client.query<Record<string, string>>(`SHOW ${name}`);
      settings[name] = Object.values(rows[0] ?? {})[0] ?? 'unknown';
    }
    return { summary: `WAL (fsync ${settings.fsync}, synchronous_commit ${settings.synchronous_commit})`, settings, source: 'SHOW fsync, synchronous_commit, wal_level', keepsOnDisk: true };
  } finally {
    await client.end().catch(() => {});
  }
}

/** Asks MySQL/MariaDB how InnoDB flushes its redo log at commit. */
async function mysqlPersistence(url: string, timeoutMs: number): Promise<Persistence> {
  const { createConnection } = await import('mysql2/promise');
  const connection = await createConnection({ uri: url, connectTimeout: timeoutMs });
  try {
    const [rows] = (await connection.query('SELECT @@innodb_flush_log_at_trx_commit AS flush, @@default_storage_engine AS engine')) as unknown as [Array<{ flush: number | string; engine: string }>];
    const settings = { innodb_flush_log_at_trx_commit: String(rows[0]?.flush ?? 'unknown'), default_storage_engine: String(rows[0]?.engine ?? 'unknown') };
    return { summary: `${settings.default_storage_engine} redo log (innodb_flush_log_at_trx_commit=${settings.innodb_flush_log_at_trx_commit})`, settings, source: 'SELECT @@innodb_flush_log_at_trx_commit, @@default_storage_engine', keepsOnDisk: true };
  } finally {
    await connection.end().catch(() => connection.destroy());
  }
}

/** memcached keeps items in memory only: `stats settings` says whether a restartable memory file (-e) is set. */
async function memcachedPersistence(url: string, timeoutMs: number): Promise<Persistence> {
  const { connect } = await import('node:net');
  const [host, port] = memcachedHosts(url).split(':') as [string, string];
  const text = await new Promise<string>((resolve, reject) => {
    const socket = connect({ host, port: Number(port), timeout: timeoutMs });
    let reply = '';
    socket.on('connect', () => socket.write('stats settings\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('END\r\n')) {
        socket.destroy();
        resolve(reply);
      }
    });
    socket.on('timeout', () => (socket.destroy(), reject(new Error('memcached: no answer to "stats settings"'))));
    socket.on('error', reject);
  });
  const memoryFile = /^STAT memory_file (.*)\r$/m.exec(text)?.[1]?.trim();
  const settings = { memory_file: memoryFile && memoryFile !== '(null)' ? memoryFile : 'none' };
  return {
    summary: settings.memory_file === 'none' ? 'none: items live in memory only' : `restartable memory file ${settings.memory_file} (kept only across a graceful SIGUSR1 shutdown)`,
    settings,
    source: 'stats settings (memory_file)',
    keepsOnDisk: false,
  };
}

/** A MongoDB-protocol server: FerretDB keeps documents in its SQLite/PostgreSQL backend, MongoDB in WiredTiger with its journal. */
async function mongoPersistence(url: string, timeoutMs: number): Promise<Persistence> {
  const { MongoClient } = await import('mongodb');
  const client = new MongoClient(url, { serverSelectionTimeoutMS: timeoutMs, directConnection: true });
  try {
    await client.connect();
    const info = await client.db('admin').command({ buildInfo: 1 });
    const ferret = typeof info.ferretdbVersion === 'string';
    const settings: Record<string, string> = ferret ? { backend: 'FerretDB storage backend (SQLite or PostgreSQL files)' } : { storageEngine: 'WiredTiger with journal (default)' };
    return { summary: ferret ? 'FerretDB backend files' : 'WiredTiger journal', settings, source: 'buildInfo', keepsOnDisk: true };
  } finally {
    await client.close().catch(() => {});
  }
}

const BY_KIND: Record<ServerKind, (url: string, timeoutMs: number) => Promise<Persistence>> = {
  redis: redisPersistence,
  postgres: postgresPersistence,
  mysql: mysqlPersistence,
  memcached: memcachedPersistence,
  mongo: mongoPersistence,
};

/** What a server keeps on disk, asked of the server itself (never assumed from how it was started). */
export function serverPersistence(kind: ServerKind, connectUrl: string, timeoutMs = 5000): Promise<Persistence> {
  return BY_KIND[kind](connectUrl, timeoutMs);
}
