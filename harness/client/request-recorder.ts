import type { Histogram } from 'hdr-histogram-js';
import { createLatencyHistogram, encodeHistogram, recordMs, summarize } from '../load/histogram.ts';
import type { ClientResponse, SessionClient } from './http-client.ts';
import type { PhaseMetrics } from '../../contract/metrics.ts';

/**
 * Times the requests a scenario sends itself (not through a load driver) and
 * turns them into the same PhaseMetrics a driver reports: µs HDR latency,
 * errors, non-2xx and timeouts side by side.
 */
export class RequestRecorder {
  private readonly histogram: Histogram = createLatencyHistogram();
  private errors = 0;
  private non2xx = 0;
  private timeouts = 0;
  private firstStart = Infinity;
  private lastEnd = 0;

  /** Sends one request through `client`, records it, and returns the response or undefined when it failed. */
  async send(client: SessionClient, method: 'GET' | 'POST', path: string): Promise<ClientResponse | undefined> {
    const start = performance.now();
    this.firstStart = Math.min(this.firstStart, start);
    try {
      const response = await client.send(method, path);
      const end = performance.now();
      recordMs(this.histogram, end - start);
      if (response.status < 200 || response.status > 299) this.non2xx += 1;
      return response;
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') this.timeouts += 1;
      else this.errors += 1;
      return undefined;
    } finally {
      this.lastEnd = Math.max(this.lastEnd, performance.now());
    }
  }

  /** Everything recorded so far; the duration runs from the first request's start to the last one's end. */
  metrics(): PhaseMetrics {
    const durationSeconds = this.lastEnd > this.firstStart ? (this.lastEnd - this.firstStart) / 1000 : 0;
    const requests = this.histogram.totalCount;
    return {
      durationSeconds,
      requests,
      throughput: durationSeconds > 0 ? requests / durationSeconds : 0,
      latencyUs: summarize(this.histogram),
      histogram: encodeHistogram(this.histogram),
      errors: this.errors,
      non2xx: this.non2xx,
      timeouts: this.timeouts,
    };
  }
}
