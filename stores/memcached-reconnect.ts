import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { tcpReachable } from './servers/tcp.ts';

/** The part of the `memcached` client's per-server issue log that reconnecting uses (lib/connection.js). */
interface IssueLog extends EventEmitter {
  /** "host:port" */
  server: string;
  config: Record<string, unknown>;
  details: unknown;
  reconnect: number;
  messages: string[];
  failed: boolean;
  isScheduledToReconnect: boolean;
  totalReconnectsAttempted: number;
  totalReconnectsSuccess: number;
  attemptReconnect(this: IssueLog): void;
}

const PROBE_TIMEOUT_MS = 500;
let patched = false;

/**
 * The `memcached` client (2.2) decides that a dead server is back by spawning `ping -c 3 <host>`.
 * Where `ping` is not installed, the spawn's ENOENT is an unhandled 'error' event that kills the app
 * (two failures within `retry` ms are enough to get there, so a server dying under load always does);
 * where it is, ping only says that the host answers, not memcached. This replaces that probe with a
 * TCP connection to the server's own port, keeping the client's bookkeeping as it was.
 */
export function probeReconnectsOverTcp(): void {
  if (patched) return;
  patched = true;
  const require = createRequire(import.meta.url);
  const { IssueLog } = require('memcached/lib/connection.js') as { IssueLog: { prototype: IssueLog } };
  IssueLog.prototype.attemptReconnect = function attemptReconnect(this: IssueLog) {
    this.totalReconnectsAttempted++;
    this.emit('reconnecting', this.details);
    tcpReachable(this.server, PROBE_TIMEOUT_MS).then(
      () => {
        this.emit('reconnected', this.details);
        this.totalReconnectsSuccess++;
        this.messages.length = 0;
        this.failed = false;
        this.isScheduledToReconnect = false;
        Object.assign(this, JSON.parse(JSON.stringify(this.config)));
      },
      (error: Error) => {
        this.messages.push(error.message || 'no answer');
        setTimeout(() => this.attemptReconnect(), this.reconnect);
      },
    );
  };
}
