import { z } from 'zod';
import { count } from '../../contract/metrics.ts';

/** What a load scenario (closed or open model) observed besides latency and throughput. */
export const loadObservationsSchema = z.object({
  kind: z.literal('load'),
  /** Logins sent during the measured phase (churn logs in on every request). */
  logins: count,
  /** Requests answered 401 (no session found): behind several instances, the store is not shared. */
  sessionMisses: count.optional(),
  sessionMissRate: z.number().nonnegative().optional(),
  /** Bytes of Set-Cookie header values the clients received in the measured phase (closed model). */
  setCookieBytes: count.optional(),
  /** Set-Cookie headers received in the measured phase: `setCookieBytes` over it is the cookie's size. */
  setCookieHeaders: count.optional(),
  clientsWithCookie: count.optional(),
  distinctClientCookies: count.optional(),
  /** Open model: the rate k6 was asked for and what it achieved. */
  targetRate: z.number().nonnegative().optional(),
  achievedRate: z.number().nonnegative().optional(),
  droppedIterations: count.optional(),
});
export type LoadObservations = z.infer<typeof loadObservationsSchema>;
