/**
 * The contract of a store brought from a file (`sessionbench bench --store ./my-store.mjs`,
 * `sessionbench conform --store ./my-store.ts`): the module's default export.
 * Types only, so store authors can import them: `import type { CustomStoreModule } from 'sessionbench'`.
 */
import type expressSession from 'express-session';
import type { Store } from 'express-session';
import type { ServerKind, StoreCapabilities } from '../contract/vocabulary.ts';

/** express-session as the harness loaded it: hand it to connect-style factories (`connectPgSimple(session)`) or extend `session.Store`. */
export type ExpressSession = typeof expressSession;

/** What `createStore` gets besides express-session. */
export interface CustomStoreContext {
  /** The server's connection URL (credentials included) when the module declares `server`; undefined otherwise. */
  serverUrl: string | undefined;
  /** The run's session lifetime in milliseconds (the cookie's maxAge): for a store that takes its own TTL option. */
  maxAgeMs: number;
  /** Registers what to release when the harness is done with the store (clients, timers); never stop the server. */
  onClose(release: () => unknown): void;
}

/**
 * What the store declares about itself. Left out: shared across app instances only when it has a server,
 * counts sessions when the Store has `length`, and expired sessions are not claimed to be removed.
 */
export type CustomStoreCapabilities = Partial<Pick<StoreCapabilities, 'sharedAcrossInstances' | 'countsSessions' | 'removesExpired' | 'payloadLimit' | 'ttlLimit'>>;

/** The default export of a custom store module. */
export interface CustomStoreModule {
  /** Shown in every report, e.g. "Redis (my connect-redis setup)". */
  label: string;
  /** The built-in server kind it needs; sessionbench provisions it like for a built-in store (URL > Docker > local binary). */
  server?: ServerKind;
  /** npm packages the store is made of, recorded with their installed versions. */
  packages?: string[];
  capabilities?: CustomStoreCapabilities;
  /** Builds the express-session Store; called once per app process (and twice by `conform`, once with a 1 s maxAge). */
  createStore(session: ExpressSession, context: CustomStoreContext): Store | Promise<Store>;
}
