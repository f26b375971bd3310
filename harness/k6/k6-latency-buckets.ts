import type { Histogram } from 'hdr-histogram-js';
import { createLatencyHistogram } from '../load/histogram.ts';

/**
 * Log-spaced latency buckets that a k6 script fills itself, so that a runner's
 * end-of-test summary carries a histogram (k6's own summary holds percentiles
 * only, which cannot be merged across runners). A request adds 1 to a k6
 * Counter of its bucket's group, tagged with the bucket; a threshold per bucket
 * makes the summary hold each bucket as a sub-metric, `sb_lat_<group>{sb_bucket:<i>}`.
 * Groups, not one Counter per bucket: every VU holds every Counter object
 * (1,800 of them cost ≈ 4 MB and 70 ms per VU to start, measured), and k6 matches a sample against
 * all of its metric's sub-metrics, so a group's size bounds that work.
 * Bucket `i` holds durations in [growth^i, growth^(i+1)) µs; read back at its
 * geometric middle, a duration is off by at most √growth − 1 (0.499 % for 1.01).
 * Counts add bucket by bucket, so N runners merge exactly into the histogram
 * of all their requests.
 */
export const LATENCY_BUCKETS = { unit: 'us', growth: 1.01, lowestUs: 1, highestUs: 60e6 } as const;

/** The scheme a runner's file declares; a file with another scheme is refused rather than misread. */
export type LatencyBucketScheme = typeof LATENCY_BUCKETS;

/** Name prefix of the bucket-group counters (`sb_lat_0` … `sb_lat_28`). */
export const BUCKET_METRIC_PREFIX = 'sb_lat_';

/** The tag naming a request's bucket. */
export const BUCKET_TAG = 'sb_bucket';

/** Buckets per group counter. */
export const BUCKETS_PER_GROUP = 64;

const LN_GROWTH = Math.log(LATENCY_BUCKETS.growth);

/** How many buckets cover 1 µs to 60 s. */
export const BUCKET_COUNT = Math.floor(Math.log(LATENCY_BUCKETS.highestUs) / LN_GROWTH) + 1;

/** How many group counters the script declares. */
export const GROUP_COUNT = Math.ceil(BUCKET_COUNT / BUCKETS_PER_GROUP);

/** The sub-metric (threshold key) that holds bucket `index`. */
export function bucketMetric(index: number): string {
  return `${BUCKET_METRIC_PREFIX}${Math.floor(index / BUCKETS_PER_GROUP)}{${BUCKET_TAG}:${index}}`;
}

/** The largest relative error a bucket's representative value has. */
export const BUCKET_RELATIVE_ERROR = Math.sqrt(LATENCY_BUCKETS.growth) - 1;

/** The bucket of a duration in ms (the same arithmetic as the script's). */
export function bucketOf(ms: number): number {
  const us = Math.min(LATENCY_BUCKETS.highestUs, Math.max(LATENCY_BUCKETS.lowestUs, ms * 1000));
  return Math.min(BUCKET_COUNT - 1, Math.floor(Math.log(us) / LN_GROWTH));
}

/** The value a bucket stands for, in µs: its geometric middle. */
export function bucketValueUs(index: number): number {
  return Math.min(LATENCY_BUCKETS.highestUs, Math.max(LATENCY_BUCKETS.lowestUs, Math.round(Math.exp((index + 0.5) * LN_GROWTH))));
}

/**
 * JavaScript for the k6 script, after `options`: the group counters (declared in
 * the init context, as k6 requires), a threshold per bucket that never fails
 * (it makes k6 keep the bucket's sub-metric), `latencyBucket(ms)` (the same
 * arithmetic as `bucketOf`) and `countLatency(ms)`.
 */
export function bucketScript(): string {
  const { lowestUs, highestUs } = LATENCY_BUCKETS;
  return [
    `const LN_GROWTH = Math.log(${LATENCY_BUCKETS.growth});`,
    `const LATENCY_GROUPS = Array.from({ length: ${GROUP_COUNT} }, (_, g) => new Counter('${BUCKET_METRIC_PREFIX}' + g));`,
    `for (let i = 0; i < ${BUCKET_COUNT}; i++) options.thresholds['${BUCKET_METRIC_PREFIX}' + Math.floor(i / ${BUCKETS_PER_GROUP}) + '{${BUCKET_TAG}:' + i + '}'] = ['count>=0'];`,
    'function latencyBucket(ms) {',
    `  const us = Math.min(${highestUs}, Math.max(${lowestUs}, ms * 1000));`,
    `  return Math.min(${BUCKET_COUNT - 1}, Math.floor(Math.log(us) / LN_GROWTH));`,
    '}',
    'function countLatency(ms) {',
    '  const i = latencyBucket(ms);',
    `  LATENCY_GROUPS[Math.floor(i / ${BUCKETS_PER_GROUP})].add(1, { ${BUCKET_TAG}: String(i) });`,
    '}',
  ].join('\n');
}

/** Adds bucket counts (index → count) into `into`. */
export function addBuckets(into: Map<number, number>, counts: Readonly<Record<string, number>>): Map<number, number> {
  for (const [index, count] of Object.entries(counts)) into.set(Number(index), (into.get(Number(index)) ?? 0) + count);
  return into;
}

/** An HDR histogram (µs) holding each bucket's count at the bucket's representative value. */
export function histogramFromBuckets(counts: ReadonlyMap<number, number>): Histogram {
  const histogram = createLatencyHistogram();
  for (const [index, count] of counts) if (count > 0) histogram.recordValueWithCount(bucketValueUs(index), count);
  return histogram;
}
