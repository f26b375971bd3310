import type { Mitigation, MitigationFactory } from './types.ts';
import { onResponseDone, sessionIdOf } from './session-key.ts';

/**
 * `mutex`: requests of one session run one at a time inside this app process. Each request waits
 * for the one before it on the same session id (from the signed cookie, before express-session
 * loads the session) and lets the next go once its response is sent — after express-session has
 * saved. A promise chain per id, nothing else: it cannot help across app instances.
 */
export const createMutex: MitigationFactory = (_adapter, settings): Mitigation => {
  /** The last request in line for each session id: a promise that settles when it is done. */
  const tails = new Map<string, Promise<void>>();
  return {
    before: (req, res, next) => {
      const sessionId = sessionIdOf(req, settings.secret);
      if (sessionId === undefined) return next();
      const previous = tails.get(sessionId) ?? Promise.resolve();
      let release!: () => void;
      const done = new Promise<void>((resolve) => (release = resolve));
      const tail = previous.then(() => done);
      tails.set(sessionId, tail);
      onResponseDone(res, () => {
        release();
        if (tails.get(sessionId) === tail) tails.delete(sessionId);
      });
      void previous.then(() => next());
    },
    counts: () => ({ rejectedSaves: 0, retries: 0 }),
    close: async () => {},
  };
};
