import type { SessionData } from 'express-session';
import type { StoreConnection } from '../../../stores/types.ts';

/** A session's fields as stored (JSON). */
export type Fields = Record<string, unknown>;
/** A compare-and-set: written, the session is gone, or another save came first (with what it wrote). */
export type CasResult = { status: 'written' } | { status: 'gone' } | { status: 'stale'; current: Fields };
/** Writes `next` only if the stored session's version is still `expected`, in one server operation. */
export type Cas = (sessionId: string, expected: number, next: Fields & { cookie: SessionData['cookie'] }) => Promise<CasResult>;

/** The session field holding its version; every save that changes the session adds 1. */
export const VERSION_FIELD = '__v';

/** The stored version of a session (0 for one written before versions). */
export const versionOf = (fields: Fields): number => (typeof fields[VERSION_FIELD] === 'number' ? (fields[VERSION_FIELD] as number) : 0);

/** The compare-and-set for the store's server: a Lua script on Redis, UPDATE … WHERE version on PostgreSQL, MemoryStore's map. */
export function casFor(connection: StoreConnection): Cas {
  switch (connection.kind) {
    case 'redis': {
      const script = `local cur = redis.call('GET', KEYS[1]) if not cur then return {-1} end
        local v = cjson.decode(cur)['${VERSION_FIELD}'] or 0 if v ~= tonumber(ARGV[1]) then return {0, cur} end
        redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) return {1}`;
      return async (sessionId, expected, next) => {
        const { value, ttlSeconds } = connection.encode(next as unknown as SessionData);
        const [code, current] = (await connection.client.eval(script, { keys: [connection.key(sessionId)], arguments: [String(expected), value, String(ttlSeconds)] })) as [number, string?];
        return code === 1 ? { status: 'written' } : code === -1 ? { status: 'gone' } : { status: 'stale', current: JSON.parse(current!) as Fields };
      };
    }
    case 'postgres':
      return async (sessionId, expected, next) => {
        const { pool, table } = connection;
        const updated = await pool.query(`UPDATE ${table} SET sess = $1, expire = to_timestamp($2) WHERE sid = $3 AND COALESCE((sess->>'${VERSION_FIELD}')::int, 0) = $4`, [
          JSON.stringify(next),
          connection.expireSeconds(next as unknown as SessionData),
          sessionId,
          expected,
        ]);
        if (updated.rowCount === 1) return { status: 'written' };
        const { rows } = await pool.query<{ sess: Fields }>(`SELECT sess FROM ${table} WHERE sid = $1`, [sessionId]);
        return rows[0] ? { status: 'stale', current: rows[0].sess } : { status: 'gone' };
      };
    case 'memory':
      // One process, one thread: reading, comparing and writing MemoryStore's map cannot interleave.
      return async (sessionId, expected, next) => {
        const stored = connection.sessions[sessionId];
        if (stored === undefined) return { status: 'gone' };
        const current = JSON.parse(stored) as Fields;
        if (versionOf(current) !== expected) return { status: 'stale', current };
        connection.sessions[sessionId] = JSON.stringify(next);
        return { status: 'written' };
      };
  }
}

