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

/**
 * `scheme://` followed by the userinfo up to the last `@` of the same word: a password may hold
 * an unencoded `/`, `@` or `:` that makes the URL unparseable, so the structure is read this way,
 * never by URL parsing (which would leave such a password in a "port" or a "path").
 */
const USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^\s"'<>`]*)@/gi;
/** A userinfo part that is a user name alone (no password to hide). */
const PLAIN_USER = /^[\w.~%+-]*$/;

function redactUserinfo(userinfo: string): string {
  const colon = userinfo.indexOf(':');
  if (colon < 0) return PLAIN_USER.test(userinfo) ? userinfo : '***';
  const user = userinfo.slice(0, colon);
  return PLAIN_USER.test(user) ? `${user}:***` : '***';
}

/**
 * `raw` with the password of every URL in it replaced by `***` (the user name is kept), by the
 * URL's structure only: everything between `://` and the last `@` before the host, so also in a
 * URL that does not parse. Text without URLs is returned unchanged; nothing else is replaced.
 */
export function redactUrl(raw: string): string {
  return raw.replace(USERINFO, (_match, scheme: string, userinfo: string) => `${scheme}${redactUserinfo(userinfo)}@`);
}

/** The `host:port` list the memcached client wants, from a `memcached://host:port` URL. */
export function memcachedHosts(connectUrl: string): string {
  const url = new URL(connectUrl);
  return `${url.hostname}:${url.port || '11211'}`;
}
