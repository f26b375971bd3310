import type { RequestHandler } from 'express';
import type { MitigationCounts } from '../../../scenarios/race/observations.ts';
import type { SessionSettings, StoreAdapter } from '../../../stores/types.ts';

/** Tunables a test can shorten; the defaults are what a run uses. */
export interface MitigationOptions {
  /** How long a store lock lives unless released (Redis PX); a paused holder loses it after this. */
  lockTtlMs?: number;
  /** How long a request waits for a session's lock before it answers 503. */
  lockWaitMs?: number;
}

/** What the parent asks an app child to install (passed in its config). */
export interface MitigationConfig extends MitigationOptions {
  id: import('../../../contract/vocabulary.ts').MitigationId;
}

/** A remedy installed in one app process. */
export interface Mitigation {
  /** Middleware placed before the session middleware (a lock taken before the session is loaded), if any. */
  readonly before?: RequestHandler;
  /** Saves refused and retried since the app started. */
  counts(): MitigationCounts;
  /** Releases what the remedy opened (a lock pool); never touches the store's own client. */
  close(): Promise<void>;
}

/** Builds a remedy for an adapter's store; the store's `set` may be wrapped in place. */
export type MitigationFactory = (adapter: StoreAdapter, settings: SessionSettings, options: MitigationOptions) => Mitigation;
