import type { ServerKind } from '../types.ts';
import type { ParsedUrl } from './kind.ts';
import { parseMongoUrl } from './kinds/mongo.ts';
import { serverKind } from './kinds/index.ts';

/** The environment variable that names an existing `kind` server, e.g. REDIS_URL. */
export function urlEnvVar(kind: ServerKind): string {
  return serverKind(kind).url.envVar;
}

function parse(kind: ServerKind, raw: string): ParsedUrl {
  try {
    return (serverKind(kind).url.parse ?? ((text: string) => new URL(text)))(raw);
  } catch (error) {
    throw new Error(`${kind}: not a valid URL: ${redactUrl(raw)} (${(error as Error).message})`);
  }
}

/**
 * Checks that `raw` is a URL for a `kind` server and returns it normalised
 * (memcached accepts a bare `host:port`). Throws an Error naming the problem, with the password redacted.
 */
export function parseServerUrl(kind: ServerKind, raw: string): string {
  const { schemes, hostOptional } = serverKind(kind).url;
  const url = parse(kind, raw.trim());
  if (!schemes.includes(url.protocol)) {
    throw new Error(`${kind}: URL scheme ${url.protocol} is not one of ${schemes.join(' ')} (${redactUrl(raw)})`);
  }
  if (!hostOptional && !url.hostname) throw new Error(`${kind}: URL has no host: ${redactUrl(raw)}`);
  return url.href;
}

/** `raw` with any password replaced by `***`; text that is not a URL is returned without its userinfo. */
export function redactUrl(raw: string): string {
  try {
    const url = /^mongodb(\+srv)?:/.test(raw) ? parseMongoUrl(raw) : new URL(raw);
    if (url.password) url.password = '***';
    return url.href;
  } catch {
    return raw.replace(/\/\/[^@/]*@/, '//***@');
  }
}
