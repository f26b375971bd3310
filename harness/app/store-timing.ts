import type { Store } from 'express-session';
import type { Histogram } from 'hdr-histogram-js';
import { createLatencyHistogram, recordMs, summarize } from '../load/histogram.ts';
import type { StoreOperation, StoreOpLatency, StoreWrites } from '../../contract/metrics.ts';

const OPERATIONS: StoreOperation[] = ['get', 'set', 'touch', 'destroy'];

/** Store writes counted inside the app; the parent adds the request count it divides by. */
export type StoreWriteCounts = Omit<StoreWrites, 'requests'>;

/** What the wrapped store saw since the last reset. */
export interface StoreTimingSnapshot {
  latency: StoreOpLatency;
  writes: StoreWriteCounts;
}

/** Per-operation latency and write counts of a store, measured around its callback API inside the app. */
export interface StoreTiming {
  snapshot(reset: boolean): StoreTimingSnapshot;
}

function emptyWrites(): StoreWriteCounts {
  return { set: 0, touch: 0, destroy: 0, setBytes: 0, touchBytes: 0 };
}

/** UTF-8 bytes of a session as JSON: what a full write hands the store (0 when it cannot be serialised). */
function sessionBytes(session: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(session) ?? '');
  } catch {
    return 0;
  }
}

/**
 * Wraps the store's get/set/touch/destroy in place so every call is timed in µs and every
 * write counted (calls, and the session's JSON bytes for set and touch); the adapter never
 * times or counts itself.
 */
export function instrumentStore(store: Store): StoreTiming {
  const histograms = new Map<StoreOperation, { histogram: Histogram; errors: number }>();
  let writes = emptyWrites();
  for (const op of OPERATIONS) {
    const original = (store as unknown as Record<string, unknown>)[op];
    if (typeof original !== 'function') continue;
    const slot = { histogram: createLatencyHistogram(), errors: 0 };
    histograms.set(op, slot);
    (store as unknown as Record<string, unknown>)[op] = function timed(this: Store, ...args: unknown[]) {
      if (op !== 'get') writes[op] += 1;
      if (op === 'set') writes.setBytes += sessionBytes(args[1]);
      if (op === 'touch') writes.touchBytes += sessionBytes(args[1]);
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
      const latency: StoreOpLatency = {};
      for (const [op, slot] of histograms) {
        if (slot.histogram.totalCount > 0 || slot.errors > 0) latency[op] = { ...summarize(slot.histogram), errors: slot.errors };
        if (reset) {
          slot.histogram.reset();
          slot.errors = 0;
        }
      }
      const counted = writes;
      if (reset) writes = emptyWrites();
      return { latency, writes: { ...counted } };
    },
  };
}
