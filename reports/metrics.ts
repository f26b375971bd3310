import type { OkEntry } from '../harness/result.ts';

/** A headline metric tracked across runs. */
export interface MetricDefinition {
  id: 'throughput' | 'p50' | 'p99' | 'memoryPerSession';
  label: string;
  unit: 'req/s' | 'µs' | 'B';
  biggerIsBetter: boolean;
  /** Smallest change, in percent, that a single repetition can show apart from noise. */
  noiseFloorPercent: number;
  /** Open-model throughput is the configured arrival rate, not a measurement. */
  closedModelOnly: boolean;
  pick: (entry: OkEntry) => number | undefined;
}

/** The metrics compared against a baseline and exported for CI, in display order. */
export const METRICS: readonly MetricDefinition[] = [
  { id: 'throughput', label: 'throughput', unit: 'req/s', biggerIsBetter: true, noiseFloorPercent: 5, closedModelOnly: true, pick: (entry) => entry.measured.throughput },
  { id: 'p50', label: 'p50 latency', unit: 'µs', biggerIsBetter: false, noiseFloorPercent: 5, closedModelOnly: false, pick: (entry) => entry.measured.latencyUs.p50 },
  { id: 'p99', label: 'p99 latency', unit: 'µs', biggerIsBetter: false, noiseFloorPercent: 10, closedModelOnly: false, pick: (entry) => entry.measured.latencyUs.p99 },
  { id: 'memoryPerSession', label: 'memory per session', unit: 'B', biggerIsBetter: false, noiseFloorPercent: 5, closedModelOnly: false, pick: (entry) => entry.memory?.bytesPerSession },
];

/** Names of the correctness observations every report calls out. */
export const CORRECTNESS_OBSERVATIONS = [
  { name: 'lostUpdates', label: 'lost updates' },
  { name: 'resurrected', label: 'sessions resurrected after logout' },
  { name: 'staleSessions', label: 'sessions outliving their TTL' },
] as const;
