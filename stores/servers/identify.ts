import { once } from 'node:events';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import { createClient } from 'redis';
import type { ServerKind } from '../types.ts';
import { withDeadline } from './deadline.ts';
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

async function identifyRedis(url: string, timeoutMs: number, expired: AbortSignal): Promise<ServerIdentity> {
  const client = createClient({ url, socket: { connectTimeout: timeoutMs, reconnectStrategy: false }, commandOptions: { timeout: timeoutMs } });
  client.on('error', () => {});
  expired.addEventListener('abort', () => client.destroy());
  try {
    await client.connect();
    const version = redisInfoField(await client.info('server'), 'redis_version');
    return { product: 'Redis', version: version ?? 'unknown' };
  } finally {
    client.destroy();
  }
}

/** One line from `socket`, up to its CRLF. */
async function readLine(socket: Socket): Promise<string> {
  let text = '';
  for await (const chunk of socket) {
    text += (chunk as Buffer).toString('latin1');
    const end = text.indexOf('\r\n');
    if (end >= 0) return text.slice(0, end);
    if (text.length > 1024) break;
  }
  throw new Error(`the connection ended before a reply line${text ? ` (got "${printable(text)}")` : ''}`);
}

/** At most 60 characters of a server's reply, control characters shown as `?`, for one error line. */
function printable(text: string): string {
  return text.slice(0, 60).replace(/[^\x20-\x7e]/g, '?');
}

/** The version in memcached's `VERSION 1.6.21` reply; anything else is not a memcached server. */
export function parseMemcachedVersion(line: string): string {
  const match = /^VERSION ([\w.+-]{1,64})$/.exec(line);
  if (!match) throw new Error(`not a memcached reply to "version": "${printable(line)}"`);
  return match[1]!;
}

/**
 * Resolves once a TCP connection to `host:port` opens. The memcached client leaves
 * minutes-long retry timers behind after a refused connection, so it is only used once this succeeds.
 */
export async function tcpReachable(hostPort: string, timeoutMs: number): Promise<void> {
  const socket = openSocket(hostPort, timeoutMs);
  try {
    await withDeadline(once(socket, 'connect'), timeoutMs);
  } finally {
    socket.destroy();
  }
}

function openSocket(hostPort: string, timeoutMs: number): Socket {
  const { hostname, port } = new URL(`tcp://${hostPort}`);
  const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port), timeout: timeoutMs });
  socket.on('error', () => {});
  return socket;
}

/** Asks `version` in memcached's text protocol on a plain socket (the memcached client throws on a reply it does not expect). */
async function identifyMemcached(url: string, timeoutMs: number, expired: AbortSignal): Promise<ServerIdentity> {
  const socket = openSocket(memcachedHosts(url), timeoutMs);
  expired.addEventListener('abort', () => socket.destroy());
  try {
    await once(socket, 'connect');
    socket.write('version\r\n');
    return { product: 'memcached', version: parseMemcachedVersion(await readLine(socket)) };
  } finally {
    socket.destroy();
  }
}

async function identifyPostgres(url: string, timeoutMs: number, expired: AbortSignal): Promise<ServerIdentity> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => {});
  expired.addEventListener('abort', () => void client.end().catch(() => {}));
  try {
    await client.connect();
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return { product: 'PostgreSQL', version: rows[0]?.server_version.split(' ')[0] ?? 'unknown' };
  } finally {
    await client.end().catch(() => {});
  }
}

async function identifyMongo(url: string, timeoutMs: number, expired: AbortSignal): Promise<ServerIdentity> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs, socketTimeoutMS: timeoutMs });
  expired.addEventListener('abort', () => void client.close().catch(() => {}));
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

const IDENTIFY: Record<ServerKind, (url: string, timeoutMs: number, expired: AbortSignal) => Promise<ServerIdentity>> = {
  redis: identifyRedis,
  memcached: identifyMemcached,
  postgres: identifyPostgres,
  mongo: identifyMongo,
};

/**
 * Connects once to a `kind` server at `url` and asks it what it is; rejects when it does not
 * answer within `timeoutMs` all told (connection, handshake and question), whatever the client does.
 */
export function identifyServer(kind: ServerKind, url: string, timeoutMs = 2000): Promise<ServerIdentity> {
  const expired = new AbortController();
  const work = IDENTIFY[kind](url, timeoutMs, expired.signal);
  work.catch(() => {});
  return withDeadline(work, timeoutMs, () => expired.abort());
}
