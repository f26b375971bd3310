import pg from 'pg';
import type { Request } from 'express';
import type { Store } from 'express-session';
import type { StoreConnection } from '../../../stores/types.ts';
import { guardSet } from './saved-sessions.ts';
import { onResponseDone, requestOf, sessionIdOf } from './session-key.ts';
import type { Mitigation } from './types.ts';

type PostgresConnection = Extract<StoreConnection, { kind: 'postgres' }>;

/** Connections for held locks, per app process; apart from the store's pool so waiting requests cannot starve it. */
const LOCK_POOL_SIZE = 10;

interface Held {
  sessionId: string;
  client: pg.PoolClient;
}

/**
 * `store-lock` on PostgreSQL: before the session is loaded, a request takes
 * `pg_advisory_lock(hashtextextended('sessionbench:' || id, 0))` on a connection of its own and
 * keeps it until its response is sent. The save goes through that same connection: the lock
 * lives exactly as long as the connection, so a holder whose connection died (and lock with it)
 * cannot write. An advisory lock never expires while its connection lives: a paused holder makes
 * the others wait instead of being overtaken.
 */
export function createPgLock(connection: PostgresConnection, store: Store, secret: string): Mitigation {
  const locks = new pg.Pool({ connectionString: connection.connectUrl, max: LOCK_POOL_SIZE });
  locks.on('error', () => {});
  const held = new WeakMap<Request, Held>();
  let rejectedSaves = 0;
  const upsert = `INSERT INTO ${connection.table} (sess, expire, sid) VALUES ($1, to_timestamp($2), $3)
    ON CONFLICT (sid) DO UPDATE SET sess = $1, expire = to_timestamp($2)`;

  guardSet(
    store,
    async (sessionId, session, original) => {
      const lock = requestOf(session) && held.get(requestOf(session)!);
      if (!lock || lock.sessionId !== sessionId) return original().then(() => true);
      try {
        await lock.client.query(upsert, [JSON.stringify(session), connection.expireSeconds(session), sessionId]);
        return true;
      } catch {
        return false;
      }
    },
    () => {
      rejectedSaves += 1;
      return new Error('session not saved: the connection holding its advisory lock failed');
    },
  );

  return {
    before: (req, res, next) => {
      const sessionId = sessionIdOf(req, secret);
      if (sessionId === undefined) return next();
      const key = `sessionbench:${sessionId}`;
      void (async () => {
        const client = await locks.connect();
        try {
          await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [key]);
        } catch (error) {
          client.release(error as Error);
          throw error;
        }
        held.set(req, { sessionId, client });
        onResponseDone(res, () => {
          client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]).then(
            () => client.release(),
            (error: Error) => client.release(error),
          );
        });
      })().then(() => next(), (error: unknown) => next(error));
    },
    counts: () => ({ rejectedSaves, retries: 0 }),
    close: () => locks.end(),
  };
}
