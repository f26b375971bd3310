import type { Histogram } from 'hdr-histogram-js';
import { createLatencyHistogram, recordMs } from './histogram.ts';
import type { TimelineSecond } from '../../reports/result.ts';

/** How one request ended, as the driver saw it. */
export type RequestOutcome = 'ok' | 'non2xx' | 'error' | 'timeout';

/** Per-second buckets of request outcomes and latency, from the start of a phase. */
export class Timeline {
  private readonly started = performance.now();
  private readonly seconds: Array<{ counts: Record<RequestOutcome, number>; latency: Histogram; firstFailureMs?: number }> = [];

  /** Records one outcome now; `latencyMs` for completed requests. */
  record(outcome: RequestOutcome, latencyMs?: number): void {
    const now = performance.now() - this.started;
    const index = Math.floor(now / 1000);
    while (this.seconds.length <= index) this.seconds.push({ counts: { ok: 0, non2xx: 0, error: 0, timeout: 0 }, latency: createLatencyHistogram() });
    const bucket = this.seconds[index]!;
    bucket.counts[outcome] += 1;
    if (outcome !== 'ok') bucket.firstFailureMs ??= now;
    if (latencyMs !== undefined) recordMs(bucket.latency, latencyMs);
  }

  /** Milliseconds since the timeline started. */
  elapsedMs(): number {
    return performance.now() - this.started;
  }

  /** When the first failed request (non-2xx, error or timeout) at or after `ms` was recorded, in ms since the start. */
  firstFailureAfter(ms: number): number | undefined {
    for (const bucket of this.seconds.slice(Math.floor(ms / 1000))) {
      if (bucket.firstFailureMs !== undefined && bucket.firstFailureMs >= ms) return bucket.firstFailureMs;
    }
    return undefined;
  }

  /** One row per second. */
  rows(): TimelineSecond[] {
    return this.seconds.map(({ counts, latency }, second) => ({
      second,
      ok: counts.ok,
      non2xx: counts.non2xx,
      errors: counts.error,
      timeouts: counts.timeout,
      p99Us: latency.totalCount > 0 ? latency.getValueAtPercentile(99) : 0,
    }));
  }
}
