/** Replaces every password found in `urls` (raw and percent-decoded) with `***` in any text. */
export function createRedactor(urls: ReadonlyArray<string | undefined>): (text: string) => string {
  const secrets = new Set<string>();
  for (const raw of urls) {
    const match = raw ? /^[a-z][a-z0-9+.-]*:\/\/[^:/@]*:([^@/]+)@/i.exec(raw) : null;
    const password = match?.[1];
    if (!password) continue;
    secrets.add(password);
    try {
      secrets.add(decodeURIComponent(password));
    } catch {
      /* not percent-encoded */
    }
  }
  const patterns = [...secrets].filter((secret) => secret.length > 0).sort((a, b) => b.length - a.length);
  if (patterns.length === 0) return (text) => text;
  const pattern = new RegExp(patterns.map((secret) => secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  return (text) => text.replace(pattern, '***');
}

/** A deep copy of `value` with every string passed through `redact`. */
export function redactDeep<T>(value: T, redact: (text: string) => string): T {
  return JSON.parse(JSON.stringify(value), (_key, item: unknown) => (typeof item === 'string' ? redact(item) : item)) as T;
}
