import { z } from 'zod';
import { count } from '../../contract/metrics.ts';

/** What the ttl scenario found when it replayed sessions after their lifetime. */
export const ttlObservationsSchema = z.object({
  kind: z.literal('ttl'),
  sessions: count,
  maxAgeMs: count,
  waitMs: count,
  acceptedAfterExpiry: count,
  rejectedAfterExpiry: count,
  /** Expired sessions the store still returned when asked directly. */
  returnedAfterExpiry: count.optional(),
  storedAfterLogin: z.number().int().optional(),
  /** Expired sessions still occupying the store. */
  stalePresent: count.optional(),
});
export type TtlObservations = z.infer<typeof ttlObservationsSchema>;
