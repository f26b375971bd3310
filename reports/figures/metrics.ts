import type { OkEntry } from '../../contract/result.ts';
import { observationTotal } from './aggregate.ts';
import type { NumericObservation } from './aggregate.ts';

/** A headline metric tracked across runs. */
export interface MetricDefinition {
  /** Stable identifier, used in comparisons. */
  id: 'throughput' | 'p50' | 'p99' | 'appCpuPerRequest' | 'memoryPerSession';
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

/** The app process's CPU per request in µs (CPU % of one core × 10,000 / req/s); undefined when not measured. */
export function appCpuPerRequestUs(entry: Pick<OkEntry, 'cpu' | 'measured'>): number | undefined {
  const app = entry.cpu?.app;
  return app !== undefined && entry.measured.throughput > 0 ? (app * 10_000) / entry.measured.throughput : undefined;
}

/** The metrics exported for CI, in display order; a baseline comparison judges the latency and throughput ones. */
export const METRICS: readonly MetricDefinition[] = [
  { id: 'throughput', label: 'throughput', unit: 'req/s', biggerIsBetter: true, noiseFloorPercent: 5, closedModelOnly: true, pick: (entry) => entry.measured.throughput },
  { id: 'p50', label: 'p50 latency', unit: 'µs', biggerIsBetter: false, noiseFloorPercent: 5, closedModelOnly: false, pick: (entry) => entry.measured.latencyUs.p50 },
  { id: 'p99', label: 'p99 latency', unit: 'µs', biggerIsBetter: false, noiseFloorPercent: 10, closedModelOnly: false, pick: (entry) => entry.measured.latencyUs.p99 },
  // What a request costs the app in CPU: a clock, but one that waiting (for the store, the client or a busy host) does not move.
  { id: 'appCpuPerRequest', label: 'app CPU per request', unit: 'µs', biggerIsBetter: false, noiseFloorPercent: 5, closedModelOnly: false, pick: appCpuPerRequestUs },
  { id: 'memoryPerSession', label: 'memory per session', unit: 'B', biggerIsBetter: false, noiseFloorPercent: 5, closedModelOnly: false, pick: (entry) => entry.memory?.bytesPerSession },
];

/**
 * One correctness observation: a field of a scenario kind's observations where zero is the only
 * good answer, `of` the field it is counted out of (e.g. lost updates of acknowledged increments).
 */
export type CorrectnessObservation =
  | { kind: 'race'; name: NumericObservation<'race'>; of: NumericObservation<'race'>; label: string; short: string; unit: string }
  | { kind: 'ttl'; name: NumericObservation<'ttl'>; of: NumericObservation<'ttl'>; label: string; short: string; unit: string };

/** The correctness observations every report calls out, from the race and ttl scenarios; `unit` names what `of` counts. */
export const CORRECTNESS_OBSERVATIONS: readonly CorrectnessObservation[] = [
  { kind: 'race', name: 'lostUpdates', of: 'expectedCount', label: 'lost counter updates', short: 'lost updates', unit: 'increments' },
  { kind: 'race', name: 'itemsMissing', of: 'itemsExpected', label: 'lost item appends', short: 'lost appends', unit: 'appends' },
  { kind: 'race', name: 'resurrected', of: 'logoutsAcknowledged', label: 'sessions back in the store after logout', short: 'resurrected', unit: 'logouts' },
  { kind: 'race', name: 'revokedCookieStillValid', of: 'logoutsAcknowledged', label: 'cookies still valid after logout', short: 'old cookie valid', unit: 'logouts' },
  { kind: 'race', name: 'resurrectedInClient', of: 'logoutsAcknowledged', label: 'sessions restored in the client after logout', short: 'restored in client', unit: 'logouts' },
  { kind: 'ttl', name: 'acceptedAfterExpiry', of: 'sessions', label: 'expired sessions still accepted', short: 'expired accepted', unit: 'expired sessions' },
  { kind: 'ttl', name: 'returnedAfterExpiry', of: 'sessions', label: 'expired sessions the store still returned', short: 'expired returned', unit: 'expired sessions' },
  { kind: 'ttl', name: 'stalePresent', of: 'sessions', label: 'expired sessions still held by the store', short: 'expired kept', unit: 'expired sessions' },
];

/** The total of one correctness observation over entries, or undefined when none reported it. */
export function correctnessTotal(entries: readonly OkEntry[], observation: CorrectnessObservation): number | undefined {
  return observation.kind === 'race' ? observationTotal(entries, 'race', observation.name) : observationTotal(entries, 'ttl', observation.name);
}

/** A correctness count with what it is out of, e.g. 285 of 340 increments; undefined when not run (never 0). */
export interface CorrectnessCount {
  /** Problems found, totalled over the entries that reported the observation. */
  found: number;
  /** What they are counted out of, over the same entries. */
  outOf: number;
}

/** The count of one correctness observation and its denominator over the entries that reported it; undefined when none did. */
export function correctnessCount(entries: readonly OkEntry[], observation: CorrectnessObservation): CorrectnessCount | undefined {
  const reporting = entries.filter((entry) => correctnessTotal([entry], observation) !== undefined);
  const found = correctnessTotal(reporting, observation);
  if (found === undefined) return undefined;
  const outOf = observation.kind === 'race' ? observationTotal(reporting, 'race', observation.of) : observationTotal(reporting, 'ttl', observation.of);
  return { found, outOf: outOf ?? 0 };
}

/**
 * "285 of 340 increments"; without a count, "not run" when none of `entries` ran the observation's
 * scenario, "does not apply" when it ran but the store has nothing to observe (e.g. no server to resurrect in).
 */
export function formatCorrectness(entries: readonly OkEntry[], observation: CorrectnessObservation): string {
  const count = correctnessCount(entries, observation);
  if (count === undefined) return entries.some((entry) => entry.kind === observation.kind) ? 'does not apply' : 'not run';
  return `${count.found.toLocaleString('en-US')} of ${count.outOf.toLocaleString('en-US')} ${observation.unit}`;
}
