import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { EventLoopUtilization, IntervalHistogram } from 'node:perf_hooks';
import type { EventLoopStats } from '../../contract/metrics.ts';

/** The loop-delay sampling interval; monitorEventLoopDelay records whole intervals, so this is subtracted. */
const RESOLUTION_US = 1000;

/** Watches this process's event loop over one phase. */
export interface EventLoopWatch {
  /** Delay and utilisation since the watch started; stops watching. */
  stop(): EventLoopStats;
}

/** Starts watching the event loop: a 1 ms libuv timer (not JavaScript) for the delay, and the loop's utilisation. */
export function watchEventLoop(): EventLoopWatch {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_US / 1000 });
  histogram.enable();
  const since: EventLoopUtilization = performance.eventLoopUtilization();
  return {
    stop() {
      histogram.disable();
      const utilization = Math.min(1, Math.max(0, performance.eventLoopUtilization(since).utilization));
      const late = (ns: number) => (histogram.count === 0 ? 0 : Math.max(0, Math.round(ns / 1000 - RESOLUTION_US)));
      return {
        delayUs: {
          min: late(histogram.min),
          mean: late(histogram.mean),
          p50: late(histogram.percentile(50)),
          p90: late(histogram.percentile(90)),
          p99: late(histogram.percentile(99)),
          p999: late(histogram.percentile(99.9)),
          max: late(histogram.max),
          count: histogram.count,
        },
        utilization,
      };
    },
  };
}
