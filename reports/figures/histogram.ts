import * as hdr from 'hdr-histogram-js';

/** Points of the latency distribution curve, labelled for the chart's x axis. */
export const CURVE_POINTS: readonly { label: string; percentile: number }[] = [
  { label: 'min', percentile: 0 },
  { label: '50%', percentile: 50 },
  { label: '75%', percentile: 75 },
  { label: '90%', percentile: 90 },
  { label: '95%', percentile: 95 },
  { label: '99%', percentile: 99 },
  { label: '99.5%', percentile: 99.5 },
  { label: '99.9%', percentile: 99.9 },
  { label: '99.99%', percentile: 99.99 },
  { label: 'max', percentile: 100 },
];

/**
 * Merges compressed base64 HDR histograms (repetitions of one measurement) and
 * returns the latency in µs at each CURVE_POINTS percentile; undefined when none
 * has a histogram (empty strings, e.g. k6 summary imports, are left out).
 */
export function latencyCurve(encoded: readonly string[]): number[] | undefined {
  const present = encoded.filter((histogram) => histogram !== '');
  if (present.length === 0) return undefined;
  const merged = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60e6, numberOfSignificantValueDigits: 3 });
  for (const histogram of present) merged.add(hdr.decodeFromCompressedBase64(histogram));
  return CURVE_POINTS.map(({ percentile }) => merged.getValueAtPercentile(percentile));
}

/**
 * `count` latencies (µs) drawn evenly by rank from the merged histograms, between `fromPercentile`
 * and the maximum: the i-th sample is the value at percentile from + (100 − from)·(i + ½)/count.
 * Deterministic (no random draw), so a comparison of two files always gives the same answer;
 * empty when none has a histogram.
 */
export function quantileSamples(encoded: readonly string[], count: number, fromPercentile = 0): number[] {
  const present = encoded.filter((histogram) => histogram !== '');
  if (present.length === 0) return [];
  const merged = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60e6, numberOfSignificantValueDigits: 3 });
  for (const histogram of present) merged.add(hdr.decodeFromCompressedBase64(histogram));
  if (merged.totalCount === 0) return [];
  return Array.from({ length: count }, (_, i) => merged.getValueAtPercentile(fromPercentile + ((100 - fromPercentile) * (i + 0.5)) / count));
}
