import { createRequire } from 'node:module';
import type { ConnectionString as MongoConnectionString } from 'mongodb-connection-string-url' with { 'resolution-mode': 'require' };
import type { ServerKind } from '../types.ts';

// The package's ESM entry ships no types; its CommonJS entry does.
const { ConnectionString } = createRequire(import.meta.url)('mongodb-connection-string-url') as {
  ConnectionString: typeof MongoConnectionString;
};

/** URL schemes each server kind accepts. */
const SCHEMES: Record<ServerKind, readonly string[]> = {
  redis: ['redis:', 'rediss:'],
  memcached: ['memcached:'],
  postgres: ['postgres:', 'postgresql:'],
  mongo: ['mongodb:', 'mongodb+srv:'],
};

/** The environment variable that names an existing server of each kind. */
export const URL_ENV: Record<ServerKind, string> = {
  redis: 'REDIS_URL',
  memcached: 'MEMCACHED_URL',
  postgres: 'POSTGRES_URL',
  mongo: 'MONGO_URL',
};

type ParsedUrl = Pick<URL, 'protocol' | 'hostname' | 'href'>;

function parse(kind: ServerKind, raw: string): ParsedUrl {
  const text = kind === 'memcached' && !raw.includes('://') ? `memcached://${raw}` : raw;
  try {
    return kind === 'mongo' ? new ConnectionString(text) : new URL(text);
  } catch (error) {
    throw new Error(`${kind}: not a valid URL: ${redactUrl(raw)} (${(error as Error).message})`);
  }
}

/**
 * Checks that `raw` is a URL for a `kind` server and returns it normalised
 * (memcached accepts a bare `host:port`). Throws an Error naming the problem, with the password redacted.
 */
export function parseServerUrl(kind: ServerKind, raw: string): string {
  const url = parse(kind, raw.trim());
  if (!SCHEMES[kind].includes(url.protocol)) {
    throw new Error(`${kind}: URL scheme ${url.protocol} is not one of ${SCHEMES[kind].join(' ')} (${redactUrl(raw)})`);
  }
  if (kind !== 'mongo' && !url.hostname) throw new Error(`${kind}: URL has no host: ${redactUrl(raw)}`);
  return url.href;
}

/** `raw` with any password replaced by `***`; text that is not a URL is returned without its userinfo. */
export function redactUrl(raw: string): string {
  try {
    const url = /^mongodb(\+srv)?:/.test(raw) ? new ConnectionString(raw) : new URL(raw);
    if (url.password) url.password = '***';
    return url.href;
  } catch {
    return raw.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/** The `host:port` list the memcached client wants, from a `memcached://host:port` URL. */
export function memcachedHosts(connectUrl: string): string {
  const url = new URL(connectUrl);
  return `${url.hostname}:${url.port || '11211'}`;
}
