import { once } from 'node:events';
import { connect } from 'node:net';
import Memcached from 'memcached';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import { createClient } from 'redis';
import type { ServerKind } from '../types.ts';
import { memcachedHosts } from './url.ts';

/** What answered at a URL, as the server itself reports it. */
export interface ServerIdentity {
  /** "Redis", "memcached", "PostgreSQL", "MongoDB" or "FerretDB". */
  product: string;
  version: string;
}

/** One `field:value` line of Redis `INFO` output. */
export function redisInfoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}

async function identifyRedis(url: string, timeoutMs: number): Promise<ServerIdentity> {
  const client = createClient({ url, socket: { connectTimeout: timeoutMs, reconnectStrategy: false } });
  client.on('error', () => {});
  try {
    await client.connect();
    const version = redisInfoField(await client.info('server'), 'redis_version');
    return { product: 'Redis', version: version ?? 'unknown' };
  } finally {
    client.destroy();
  }
}

/**
 * Resolves once a TCP connection to `host:port` opens. The memcached client leaves
 * minutes-long retry timers behind after a refused connection, so it is only used once this succeeds.
 */
export async function tcpReachable(hostPort: string, timeoutMs: number): Promise<void> {
  const { hostname, port } = new URL(`tcp://${hostPort}`);
  const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port), timeout: timeoutMs });
  try {
    await Promise.race([
      once(socket, 'connect'),
      once(socket, 'timeout').then(() => Promise.reject(new Error(`no answer from ${hostPort} within ${timeoutMs} ms`))),
    ]);
  } finally {
    socket.destroy();
  }
}

async function identifyMemcached(url: string, timeoutMs: number): Promise<ServerIdentity> {
  await tcpReachable(memcachedHosts(url), timeoutMs);
  const client = new Memcached(memcachedHosts(url), { retries: 0, timeout: timeoutMs });
  try {
    const version = await new Promise<string>((resolve, reject) =>
      client.version((error, results) => (error ? reject(error) : resolve(String(results[0]?.version ?? 'unknown')))),
    );
    return { product: 'memcached', version };
  } finally {
    client.end();
  }
}

async function identifyPostgres(url: string, timeoutMs: number): Promise<ServerIdentity> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return { product: 'PostgreSQL', version: rows[0]?.server_version.split(' ')[0] ?? 'unknown' };
  } finally {
    await client.end().catch(() => {});
  }
}

async function identifyMongo(url: string, timeoutMs: number): Promise<ServerIdentity> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs });
  try {
    await client.connect();
    return mongoIdentity(await client.db('admin').command({ buildInfo: 1 }));
  } finally {
    await client.close();
  }
}

/** MongoDB or FerretDB, told apart by the `ferretdbVersion` field FerretDB adds to `buildInfo`. */
export function mongoIdentity(buildInfo: Record<string, unknown>): ServerIdentity {
  const ferretdb = buildInfo['ferretdbVersion'];
  if (typeof ferretdb === 'string') return { product: 'FerretDB', version: ferretdb.replace(/^v/, '') };
  return { product: 'MongoDB', version: String(buildInfo['version'] ?? 'unknown') };
}

const IDENTIFY: Record<ServerKind, (url: string, timeoutMs: number) => Promise<ServerIdentity>> = {
  redis: identifyRedis,
  memcached: identifyMemcached,
  postgres: identifyPostgres,
  mongo: identifyMongo,
};

/** Connects once to a `kind` server at `url` and asks it what it is; rejects when it does not answer. */
export function identifyServer(kind: ServerKind, url: string, timeoutMs = 2000): Promise<ServerIdentity> {
  return IDENTIFY[kind](url, timeoutMs);
}
