import type { Store } from 'express-session';
import type { Histogram } from 'hdr-histogram-js';
import { createLatencyHistogram, recordMs, summarize } from '../load/histogram.ts';
import type { StoreOperation, StoreOpLatency } from '../../reports/result.ts';

const OPERATIONS: StoreOperation[] = ['get', 'set', 'touch', 'destroy'];

/** Per-operation latency of a store, measured around its callback API inside the app. */
export interface StoreTiming {
  snapshot(reset: boolean): StoreOpLatency;
}

/** Wraps the store's get/set/touch/destroy in place so every call is timed in µs; the adapter never times itself. */
export function instrumentStore(store: Store): StoreTiming {
  const histograms = new Map<StoreOperation, { histogram: Histogram; errors: number }>();
  for (const op of OPERATIONS) {
    const original = (store as unknown as Record<string, unknown>)[op];
    if (typeof original !== 'function') continue;
    const slot = { histogram: createLatencyHistogram(), errors: 0 };
    histograms.set(op, slot);
    (store as unknown as Record<string, unknown>)[op] = function timed(this: Store, ...args: unknown[]) {
      const start = performance.now();
      const last = args.length - 1;
      const callback = args[last];
      if (typeof callback === 'function') {
        args[last] = (err: unknown, ...rest: unknown[]) => {
          recordMs(slot.histogram, performance.now() - start);
          if (err) slot.errors += 1;
          return (callback as (...a: unknown[]) => unknown)(err, ...rest);
        };
      }
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
  return {
    snapshot(reset) {
      const out: StoreOpLatency = {};
      for (const [op, slot] of histograms) {
        if (slot.histogram.totalCount > 0 || slot.errors > 0) out[op] = { ...summarize(slot.histogram), errors: slot.errors };
        if (reset) {
          slot.histogram.reset();
          slot.errors = 0;
        }
      }
      return out;
    },
  };
}
