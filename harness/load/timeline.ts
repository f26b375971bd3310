import type { Histogram } from 'hdr-histogram-js';
import { createLatencyHistogram, recordMs } from './histogram.ts';
import type { TimelineSecond } from '../../contract/metrics.ts';

/** How one request ended, as the driver saw it. */
export type RequestOutcome = 'ok' | 'non2xx' | 'error' | 'timeout';

/** One failed request: when (ms since the timeline started) and how. */
export interface FailureEvent {
  /** Milliseconds since the timeline started. */
  atMs: number;
  outcome: Exclude<RequestOutcome, 'ok'>;
}

/** What happened over time: failures and dropped iterations at their exact times, for reading an outage. */
export interface TimelineEvents {
  failures: readonly FailureEvent[];
  /** When an open-model driver dropped an iteration, in ms since the timeline started; absent for a closed model. */
  dropped?: readonly number[];
}

interface Second {
  counts: Record<RequestOutcome, number>;
  latency: Histogram;
  dropped: number;
}

/**
 * Per-second buckets of request outcomes and latency, from the start of a phase,
 * and the exact time of every failure (few, unless the app fails fast: one number each).
 * Times are the driver's own clock by default, or given (k6 reports its own timestamps).
 */
export class Timeline {
  private readonly seconds: Second[] = [];
  private readonly failureEvents: FailureEvent[] = [];
  private readonly droppedAt: number[] = [];
  private sawDropped = false;

  /** `startedAtEpochMs`: when the timeline starts, in ms since the epoch (now by default). */
  constructor(private readonly startedAtEpochMs = performance.timeOrigin + performance.now()) {}

  private bucket(atMs: number): Second {
    const index = Math.max(0, Math.floor(atMs / 1000));
    while (this.seconds.length <= index) this.seconds.push({ counts: { ok: 0, non2xx: 0, error: 0, timeout: 0 }, latency: createLatencyHistogram(), dropped: 0 });
    return this.seconds[index]!;
  }

  /** Records one outcome, now or at `atMs` (ms since the start); `latencyMs` for completed requests. */
  record(outcome: RequestOutcome, latencyMs?: number, atMs = this.elapsedMs()): void {
    const bucket = this.bucket(atMs);
    bucket.counts[outcome] += 1;
    if (outcome !== 'ok') this.failureEvents.push({ atMs, outcome });
    if (latencyMs !== undefined) recordMs(bucket.latency, latencyMs);
  }

  /** Records an iteration an open-model driver dropped, now or at `atMs` (ms since the start). */
  recordDropped(atMs = this.elapsedMs()): void {
    this.sawDropped = true;
    this.bucket(atMs).dropped += 1;
    this.droppedAt.push(atMs);
  }

  /** Marks the timeline as an open model's: rows then carry `dropped`, 0 included. */
  countsDropped(): void {
    this.sawDropped = true;
  }

  /** Milliseconds since the timeline started. */
  elapsedMs(): number {
    return performance.timeOrigin + performance.now() - this.startedAtEpochMs;
  }

  /** Milliseconds since the timeline started at `epochMs`. */
  sinceStart(epochMs: number): number {
    return epochMs - this.startedAtEpochMs;
  }

  /** Failures and dropped iterations at their times, sorted by time. */
  events(): TimelineEvents {
    const failures = [...this.failureEvents].sort((a, b) => a.atMs - b.atMs);
    return this.sawDropped ? { failures, dropped: [...this.droppedAt].sort((a, b) => a - b) } : { failures };
  }

  /** One row per second. */
  rows(): TimelineSecond[] {
    return this.seconds.map(({ counts, latency, dropped }, second) => ({
      second,
      ok: counts.ok,
      non2xx: counts.non2xx,
      errors: counts.error,
      timeouts: counts.timeout,
      p99Us: latency.totalCount > 0 ? latency.getValueAtPercentile(99) : 0,
      ...(this.sawDropped ? { dropped } : {}),
    }));
  }
}
