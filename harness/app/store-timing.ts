import type { Store } from 'express-session';
import type { Histogram } from 'hdr-histogram-js';
import { createLatencyHistogram, recordMs, summarize } from '../load/histogram.ts';
import type { StoreOperation, StoreOpLatency, StoreWrites } from '../../contract/metrics.ts';

const OPERATIONS: StoreOperation[] = ['get', 'set', 'touch', 'destroy'];

/**
 * One set or touch call in this many has its session serialised to count its bytes (the first
 * call of a phase, then one at a random position in each block of this many calls); the others
 * are counted, not serialised. A 100 KB session's JSON.stringify on every call cost the bench app
 * a quarter of its throughput; one call in 32 costs under 1 %.
 */
export const BYTES_SAMPLE_EVERY = 32;

/** Store writes counted inside the app; the parent adds the request count it divides by. */
export type StoreWriteCounts = Omit<StoreWrites, 'requests'>;

/** What the wrapped store saw since the last reset. */
export interface StoreTimingSnapshot {
  latency: StoreOpLatency;
  writes: StoreWriteCounts;
  /** Different session ids whose `get` returned a session since the last reset. */
  distinctSessions?: number;
}

/** Per-operation latency and write counts of a store, measured around its callback API inside the app. */
export interface StoreTiming {
  snapshot(reset: boolean): StoreTimingSnapshot;
}

/** How the session bytes handed to one write operation are sampled. */
interface ByteSample {
  calls: number;
  sampled: number;
  bytes: number;
  /** Index of the next call to serialise. */
  next: number;
}

const emptySample = (): ByteSample => ({ calls: 0, sampled: 0, bytes: 0, next: 0 });

/** UTF-8 bytes of a session as JSON: what a full write hands the store (0 when it cannot be serialised). */
function sessionBytes(session: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(session) ?? '');
  } catch {
    return 0;
  }
}

/** Counts a call; true when it is the one picked in its block (then counted as sampled: its bytes are the caller's to add). */
function pickCall(sample: ByteSample, every: number): boolean {
  const index = sample.calls++;
  if (index !== sample.next) return false;
  sample.sampled += 1;
  sample.next = (Math.floor(index / every) + 1) * every + Math.floor(Math.random() * every);
  return true;
}

/** Counts a call; serialises it when it is the one picked in its block. */
function sampleCall(sample: ByteSample, session: unknown, every: number): void {
  if (pickCall(sample, every)) sample.bytes += sessionBytes(session);
}

/** Bytes of all calls: exact when every call was serialised, else the serialised calls' mean × calls. */
function estimatedBytes(sample: ByteSample): number {
  if (sample.sampled === sample.calls) return sample.bytes;
  return Math.round((sample.bytes * sample.calls) / sample.sampled);
}

/** Options of the instrumentation; the defaults are what the bench app uses. */
export interface InstrumentOptions {
  /** Serialise one set/touch call in this many to count bytes (1: every call, exact). */
  bytesSampleEvery?: number;
}

/**
 * Wraps the store's get/set/touch/destroy in place so every call is timed in µs and every
 * write counted, with the session's JSON bytes for set and touch measured on one call in
 * `bytesSampleEvery` and estimated for the rest (recorded as `bytesSampled`); the adapter
 * never times or counts itself.
 */
export function instrumentStore(store: Store, options: InstrumentOptions = {}): StoreTiming {
  const every = Math.max(1, Math.floor(options.bytesSampleEvery ?? BYTES_SAMPLE_EVERY));
  const histograms = new Map<StoreOperation, { histogram: Histogram; errors: number }>();
  let counts = { set: 0, touch: 0, destroy: 0, get: 0 };
  let samples = { set: emptySample(), touch: emptySample(), get: emptySample() };
  // Ids whose get found a session: how many different sessions the load really read.
  let found = new Set<string>();
  for (const op of OPERATIONS) {
    const original = (store as unknown as Record<string, unknown>)[op];
    if (typeof original !== 'function') continue;
    const slot = { histogram: createLatencyHistogram(), errors: 0 };
    histograms.set(op, slot);
    (store as unknown as Record<string, unknown>)[op] = function timed(this: Store, ...args: unknown[]) {
      counts[op] += 1;
      if (op === 'set' || op === 'touch') sampleCall(samples[op], args[1], every);
      // A read's bytes are the session it returns: whether this call is sampled is decided now, its bytes in the callback.
      const readSampled = op === 'get' && pickCall(samples.get, every);
      const start = performance.now();
      const last = args.length - 1;
      const callback = args[last];
      if (typeof callback === 'function') {
        const sid = args[0];
        args[last] = (err: unknown, ...rest: unknown[]) => {
          recordMs(slot.histogram, performance.now() - start);
          if (op === 'get' && !err && rest[0] && typeof sid === 'string') found.add(sid);
          if (err) slot.errors += 1;
          if (readSampled && rest[0]) samples.get.bytes += sessionBytes(rest[0]);
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
      const writes: StoreWriteCounts = {
        ...counts,
        setBytes: estimatedBytes(samples.set),
        touchBytes: estimatedBytes(samples.touch),
        getBytes: estimatedBytes(samples.get),
        bytesSampled: { set: samples.set.sampled, touch: samples.touch.sampled, get: samples.get.sampled },
      };
      const distinctSessions = histograms.has('get') ? found.size : undefined;
      if (reset) {
        found = new Set();
        counts = { set: 0, touch: 0, destroy: 0, get: 0 };
        samples = { set: emptySample(), touch: emptySample(), get: emptySample() };
      }
      return { latency, writes, ...(distinctSessions !== undefined ? { distinctSessions } : {}) };
    },
  };
}
