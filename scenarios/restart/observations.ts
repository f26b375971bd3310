import { z } from 'zod';
import { count } from '../../contract/metrics.ts';

/** What a server keeps on disk, as the server itself reported it just before it was killed. */
export const persistenceSchema = z.object({
  /** One phrase, e.g. "AOF, appendfsync everysec" or "none: no AOF, no RDB snapshots". */
  summary: z.string(),
  /** The settings as the server reported them, name → value. */
  settings: z.record(z.string(), z.string()),
  /** The question asked, e.g. "CONFIG GET appendonly, appendfsync, save". */
  source: z.string(),
  /** Whether the server writes sessions anywhere but its memory. */
  keepsOnDisk: z.boolean(),
});
export type Persistence = z.infer<typeof persistenceSchema>;

/** What one restart showed: sessions logged in, the server killed (SIGKILL) and started again, the sessions still valid. */
export const restartObservationsSchema = z.object({
  kind: z.literal('restart'),
  /** Users logged in before the kill. */
  sessions: count,
  /** Of them, sessions the app accepted just before the kill (all, unless the store lost some already). */
  validBefore: count,
  /** The server's persistence settings, asked of it before the kill. */
  persistence: persistenceSchema,
  /** Processes the SIGKILL ended (the server and its workers, e.g. PostgreSQL's backends). */
  processesKilled: count,
  /** From the SIGKILL until the restarted server answered, in ms. */
  downMs: z.number().nonnegative(),
  /** From the server answering until the same app served a new login again, in ms; absent when it did not within `appRecoveryTimeoutMs`. */
  appRecoveredMs: z.number().nonnegative().optional(),
  appRecoveryTimeoutMs: count,
  /** Old cookies replayed after the restart: accepted with their user (200), refused (401: the session is gone), or failing otherwise. */
  validAfter: count,
  rejectedAfter: count,
  failedAfter: count,
  /** Sessions the store still returned by id after the restart, asked of the store itself; absent when it cannot be asked. */
  storedAfter: count.optional(),
});
export type RestartObservations = z.infer<typeof restartObservationsSchema>;
