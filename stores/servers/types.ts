import type { ServerHandle } from '../types.ts';
import type { ServerKind, ServerSource } from '../../contract/vocabulary.ts';

/** A server ready for adapters, with the means to stop it (a no-op for servers sessionbench did not start). */
export interface ProvisionedServer {
  handle: ServerHandle;
  /** Stops the server if sessionbench started it; idempotent. */
  stop(): Promise<void>;
  /** Process id of a local server sessionbench started (for CPU sampling and outage tests); a new one after `crashAndRestart`. */
  readonly pid?: number;
  /**
   * A local server only: SIGKILL to its process tree, then the same server started again on the same
   * data and port (the restart scenario); resolves with the processes killed once it answers again.
   */
  crashAndRestart?(): Promise<{ killed: number }>;
}

/** The outcome of provisioning one server kind. */
export type ProvisionOutcome =
  | { status: 'ready'; server: ProvisionedServer }
  | {
      status: 'skipped';
      reason: string;
      /** The one command that would make this server available here (e.g. `apt-get install -y redis-server`). */
      fix?: string;
    };

/** How provisioning is asked to find a server. */
export interface ProvisionRequest {
  kind: ServerKind;
  /** An explicit URL (flag or environment); used as is and never started or stopped. */
  url?: string;
  /** Settings for a server sessionbench starts from a local binary (`--server-option`), validated by the kind's `options`. */
  options?: Record<string, string>;
  /** Sources to try, in order; defaults to url → docker → local. */
  sources?: ServerSource[];
  /** Whose names stores use on the server (stores/namespace.ts); sessionbench's own by default. */
  namespace?: 'own' | 'library';
  /** Progress lines such as "redis: local redis-server 7.0.15 on 127.0.0.1:41234". */
  log?: (line: string) => void;
}
