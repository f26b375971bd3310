import type { OkEntry } from './result.ts';

/** A headline metric tracked across runs. */
export interface MetricDefinition {
  /** Stable identifier, used in comparisons. */
  id: 'throughput' | 'p50' | 'p99' | 'memoryPerSession';
  /** Name for readers and CI series, e.g. "p99 latency". */
  label: string;
  /** Unit of the values `pick` returns. */
  unit: 'req/s' | 'µs' | 'B';
  /** Whether a larger value is an improvement. */
  biggerIsBetter: boolean;
  /** Smallest change, in percent, that a single repetition can show apart from noise. */
  noiseFloorPercent: number;
  /** Open-model throughput is the configured arrival rate, not a measurement. */
  closedModelOnly: boolean;
  /** The metric's value in one entry; undefined when the entry did not measure it. */
  pick: (entry: OkEntry) => number | undefined;
}

/** The metrics compared against a baseline and exported for CI, in display order. */
export const METRICS: readonly MetricDefinition[] = [
  { id: 'throughput', label: 'throughput', unit: 'req/s', biggerIsBetter: true, noiseFloorPercent: 5, closedModelOnly: true, pick: (entry) => entry.measured.throughput },
  { id: 'p50', label: 'p50 latency', unit: 'µs', biggerIsBetter: false, noiseFloorPercent: 5, closedModelOnly: false, pick: (entry) => entry.measured.latencyUs.p50 },
  { id: 'p99', label: 'p99 latency', unit: 'µs', biggerIsBetter: false, noiseFloorPercent: 10, closedModelOnly: false, pick: (entry) => entry.measured.latencyUs.p99 },
  { id: 'memoryPerSession', label: 'memory per session', unit: 'B', biggerIsBetter: false, noiseFloorPercent: 5, closedModelOnly: false, pick: (entry) => entry.memory?.bytesPerSession },
];

/**
 * The correctness observations every report calls out, under the names the race
 * (scenario-race, race-oracle, resurrection-probe) and ttl scenarios emit. Zero is
 * the only good answer for each.
 */
export const CORRECTNESS_OBSERVATIONS = [
  { name: 'lostUpdates', label: 'lost counter updates' },
  { name: 'itemsMissing', label: 'lost item appends' },
  { name: 'resurrected', label: 'sessions back in the store after logout' },
  { name: 'revokedCookieStillValid', label: 'cookies still valid after logout' },
  { name: 'resurrectedInClient', label: 'sessions restored in the client after logout' },
  { name: 'acceptedAfterExpiry', label: 'expired sessions still accepted' },
  { name: 'returnedAfterExpiry', label: 'expired sessions the store still returned' },
  { name: 'stalePresent', label: 'expired sessions still held by the store' },
] as const;

/** Name of a correctness observation. */
export type CorrectnessObservation = (typeof CORRECTNESS_OBSERVATIONS)[number]['name'];
