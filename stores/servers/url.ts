import type { ServerKind } from '../../contract/vocabulary.ts';
import type { ParsedUrl } from './kind.ts';
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
