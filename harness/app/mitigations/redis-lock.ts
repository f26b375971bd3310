import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Request } from 'express';
import type { StoreConnection } from '../../../stores/types.ts';
import { guardSet } from './saved-sessions.ts';
import { onResponseDone, requestOf, sessionIdOf } from './session-key.ts';
import type { Mitigation, MitigationOptions } from './types.ts';

type RedisConnection = Extract<StoreConnection, { kind: 'redis' }>;

/** A lock this process holds for one request: the session's lock key and this holder's fencing token. */
interface Held {
  sessionId: string;
  key: string;
  token: string;
}

/** Writes the session only while the lock still holds this token: a holder that lost its lock cannot write. */
const FENCED_SET = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3]) return 1 end return 0`;
/** Deletes the lock only if it is still this holder's (never another's that took it after expiry). */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export const LOCK_DEFAULTS = { lockTtlMs: 5_000, lockWaitMs: 10_000 } as const;

/**
 * `store-lock` on Redis: before the session is loaded, a request takes `SET lock token NX PX ttl`
 * for its session (retrying with a short random pause), and releases it once its response is sent.
 * The save is fenced: a Lua script writes the session only if the lock still holds this request's
 * token, so an instance paused past the lock's expiry, whose lock another instance then took, is
 * refused when it wakes up. Refusals are counted and reach the app's error handler.
 */
export function createRedisLock(connection: RedisConnection, store: import('express-session').Store, secret: string, options: MitigationOptions): Mitigation {
  const { client } = connection;
  const ttlMs = options.lockTtlMs ?? LOCK_DEFAULTS.lockTtlMs;
  const waitMs = options.lockWaitMs ?? LOCK_DEFAULTS.lockWaitMs;
  const held = new WeakMap<Request, Held>();
  let rejectedSaves = 0;

  /** Polls for the lock until `waitMs` passes or the client has gone (`gone`). */
  async function acquire(key: string, token: string, gone: () => boolean): Promise<boolean> {
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline && !gone()) {
      if ((await client.set(key, token, { condition: 'NX', expiration: { type: 'PX', value: ttlMs } })) === 'OK') return true;
      await delay(2 + Math.random() * 8);
    }
    return false;
  }

  guardSet(
    store,
    async (sessionId, session, original) => {
      const lock = requestOf(session) && held.get(requestOf(session)!);
      if (!lock || lock.sessionId !== sessionId) return original().then(() => true); // a new session: nobody else knows its id
      const { value, ttlSeconds } = connection.encode(session);
      if (ttlSeconds <= 0) return original().then(() => true);
      const written = await client.eval(FENCED_SET, { keys: [lock.key, connection.key(sessionId)], arguments: [lock.token, value, String(ttlSeconds)] });
      return written === 1;
    },
    () => {
      rejectedSaves += 1;
      return new Error('session not saved: this request lost its session lock (it expired and another request took it)');
    },
  );

  return {
    before: (req, res, next) => {
      const sessionId = sessionIdOf(req, secret);
      if (sessionId === undefined) return next();
      const lock: Held = { sessionId, key: `sessionbench:lock:${sessionId}`, token: randomUUID() };
      acquire(lock.key, lock.token, () => res.destroyed).then(
        (acquired) => {
          if (!acquired) return void (res.destroyed ? undefined : res.status(503).json({ error: `session busy: no lock within ${waitMs} ms` }));
          held.set(req, lock);
          onResponseDone(res, () => void client.eval(RELEASE, { keys: [lock.key], arguments: [lock.token] }).catch(() => {}));
          next();
        },
        (error: unknown) => next(error),
      );
    },
    counts: () => ({ rejectedSaves, retries: 0 }),
    close: async () => {},
  };
}
