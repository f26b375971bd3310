import type { OkEntry } from './result.ts';
import { observationTotal } from './aggregate.ts';
import type { NumericObservation } from './aggregate.ts';

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

/** One correctness observation: a field of a scenario kind's observations where zero is the only good answer. */
export type CorrectnessObservation =
  | { kind: 'race'; name: NumericObservation<'race'>; label: string }
  | { kind: 'ttl'; name: NumericObservation<'ttl'>; label: string };

/** The correctness observations every report calls out, from the race and ttl scenarios. */
export const CORRECTNESS_OBSERVATIONS: readonly CorrectnessObservation[] = [
  { kind: 'race', name: 'lostUpdates', label: 'lost counter updates' },
  { kind: 'race', name: 'itemsMissing', label: 'lost item appends' },
  { kind: 'race', name: 'resurrected', label: 'sessions back in the store after logout' },
  { kind: 'race', name: 'revokedCookieStillValid', label: 'cookies still valid after logout' },
  { kind: 'race', name: 'resurrectedInClient', label: 'sessions restored in the client after logout' },
  { kind: 'ttl', name: 'acceptedAfterExpiry', label: 'expired sessions still accepted' },
  { kind: 'ttl', name: 'returnedAfterExpiry', label: 'expired sessions the store still returned' },
  { kind: 'ttl', name: 'stalePresent', label: 'expired sessions still held by the store' },
];

/** The total of one correctness observation over entries, or undefined when none reported it. */
export function correctnessTotal(entries: readonly OkEntry[], observation: CorrectnessObservation): number | undefined {
  return observation.kind === 'race' ? observationTotal(entries, 'race', observation.name) : observationTotal(entries, 'ttl', observation.name);
}
