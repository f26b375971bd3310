import type { SessionData, Store } from 'express-session';

type SetCallback = (err?: unknown) => void;
/** A store write in promise form: resolves true when written, false when the remedy refused it. */
export type GuardedSet = (sessionId: string, session: SessionData, original: () => Promise<void>) => Promise<boolean>;

/**
 * Replaces `store.set` with `guarded`, which decides per save whether to write through the
 * store's own `set` (`original`) or its own conditional write. A refused save calls back with
 * no error when `refusal` is undefined (nothing to do: the session ended), else with that error,
 * which express-session hands to the app's error handler.
 */
export function guardSet(store: Store, guarded: GuardedSet, onRefused: () => Error | undefined): void {
  const set = store.set.bind(store);
  store.set = (sessionId: string, session: SessionData, callback?: SetCallback) => {
    const original = () => new Promise<void>((resolve, reject) => set(sessionId, session, (err?: unknown) => (err ? reject(err) : resolve())));
    guarded(sessionId, session, original).then(
      (written) => callback?.(written ? undefined : onRefused()),
      (error: unknown) => callback?.(error),
    );
  };
}

const LOADED = new WeakSet<object>();

/**
 * Marks every session express-session loads from the store (through `store.createSession`), so a
 * save can tell an update of an existing session from the first save of a new one.
 */
export function markLoadedSessions(store: Store): (session: SessionData) => boolean {
  const createSession = store.createSession.bind(store);
  store.createSession = (req, data) => {
    const session = createSession(req, data);
    LOADED.add(session);
    return session;
  };
  return (session) => LOADED.has(session);
}
