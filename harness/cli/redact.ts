import { redactUrl } from '../../stores/servers/url.ts';

/**
 * Hides URL passwords in text about to be printed: only the password field of each URL in it
 * (see `redactUrl`), so store ids, scenario ids and every other word stay exactly as they are.
 */
export const redactText: (text: string) => string = redactUrl;

/**
 * A deep copy of a document with the password field of every URL inside its strings hidden.
 * Servers' URLs are already stored redacted; this also covers a URL quoted in an error message.
 */
export function redactUrls<T>(value: T): T {
  return JSON.parse(JSON.stringify(value), (_key, item: unknown) => (typeof item === 'string' ? redactUrl(item) : item)) as T;
}
