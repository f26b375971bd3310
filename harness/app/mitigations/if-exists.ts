import type { SessionData } from 'express-session';
import type { StoreConnection } from '../../../stores/types.ts';
import { guardSet, markLoadedSessions } from './saved-sessions.ts';
import type { Mitigation, MitigationFactory } from './types.ts';

/** Writes an existing session only if it is still stored, in one server operation; false when it is gone. */
type UpdateIfExists = (sessionId: string, session: SessionData) => Promise<boolean>;

function updaterFor(connection: StoreConnection): UpdateIfExists {
  switch (connection.kind) {
    case 'redis':
      return async (sessionId, session) => {
        const { value, ttlSeconds } = connection.encode(session);
        if (ttlSeconds <= 0) return false;
        const reply = await connection.client.set(connection.key(sessionId), value, { condition: 'XX', expiration: { type: 'EX', value: ttlSeconds } });
        return reply === 'OK';
      };
    case 'postgres':
      return async (sessionId, session) => {
        const result = await connection.pool.query(`UPDATE ${connection.table} SET sess = $1, expire = to_timestamp($2) WHERE sid = $3`, [
          JSON.stringify(session),
          connection.expireSeconds(session),
          sessionId,
        ]);
        return result.rowCount === 1;
      };
    case 'memory':
      // One process, one thread: the check and MemoryStore's own write cannot interleave with a destroy.
      return async (sessionId) => sessionId in connection.sessions;
  }
}

/**
 * `if-exists`: a session loaded from the store is saved only while it is still stored — Redis
 * `SET … XX`, PostgreSQL `UPDATE … WHERE sid = …` — so a slow request finishing after a logout
 * cannot bring the session back (expressjs/session#632). A new session (login) is inserted as usual.
 * It does not serialise requests: concurrent updates of one session still overwrite each other.
 */
export const createIfExists: MitigationFactory = (adapter): Mitigation => {
  const { store, connection } = adapter;
  if (!store || !connection) throw new Error(`if-exists: ${adapter.label} exposes no connection for a conditional write`);
  const loaded = markLoadedSessions(store);
  const update = updaterFor(connection);
  let rejectedSaves = 0;
  guardSet(
    store,
    async (sessionId, session, original) => {
      if (!loaded(session)) return original().then(() => true);
      if (connection.kind === 'memory') {
        if (!(await update(sessionId, session))) return false;
        return original().then(() => true);
      }
      return update(sessionId, session);
    },
    () => {
      rejectedSaves += 1;
      return undefined; // the session ended: nothing to save, nothing to report
    },
  );
  return { counts: () => ({ rejectedSaves, retries: 0 }), close: async () => {} };
};
