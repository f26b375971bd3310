/**
 * k6 execution segments ("0:1/2", "1/2:1") as exact fractions: the k6 operator
 * gives runner i of N the segment i/N:(i+1)/N of one sequence, and k6 scales a
 * constant-arrival-rate scenario's rate (and VU pool) by the segment's length.
 */

/** A non-negative fraction in lowest terms. */
interface Fraction {
  n: number;
  d: number;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

function fraction(n: number, d: number): Fraction {
  const g = gcd(n, d) || 1;
  return { n: n / g, d: d / g };
}

const text = (f: Fraction) => (f.n === 0 ? '0' : f.d === 1 ? String(f.n) : `${f.n}/${f.d}`);

/** Parses one end of a segment as k6 writes it back (`exec.test.options`): "0", "1", "1/3". Undefined when it is not such a fraction in [0, 1]. */
function parseEnd(value: string): Fraction | undefined {
  const match = /^(\d{1,9})(?:\/(\d{1,9}))?$/.exec(value.trim());
  if (!match) return undefined;
  const n = Number(match[1]);
  const d = match[2] === undefined ? 1 : Number(match[2]);
  if (d === 0 || n > d) return undefined;
  return fraction(n, d);
}

/** One execution segment, from `from` to `to` of the test. */
export interface Segment {
  from: Fraction;
  to: Fraction;
  /** As written, normalised ("0:1/2"). */
  text: string;
}

/** Parses "from:to"; undefined when it is not a non-empty segment of [0, 1]. */
export function parseSegment(value: string): Segment | undefined {
  const [a, b, ...rest] = value.split(':');
  if (a === undefined || b === undefined || rest.length > 0) return undefined;
  const from = parseEnd(a);
  const to = parseEnd(b);
  if (!from || !to || compare(from, to) >= 0) return undefined;
  return { from, to, text: `${text(from)}:${text(to)}` };
}

function compare(a: Fraction, b: Fraction): number {
  return a.n * b.d - b.n * a.d;
}

/** The whole test: what a runner without `--execution-segment` ran. */
export const WHOLE_SEGMENT = '0:1';

/** The N equal segments the k6 operator hands out for `parallelism: N`, and their sequence. */
export function equalSegments(parallelism: number): { segments: string[]; sequence: string } {
  const ends = Array.from({ length: parallelism + 1 }, (_, i) => text(fraction(i, parallelism)));
  return { segments: ends.slice(1).map((to, i) => `${ends[i]}:${to}`), sequence: ends.join(',') };
}

/**
 * How a set of segments covers the test: 'whole' when they follow one another
 * from 0 to 1 with no gap or overlap; otherwise the first problem, in words.
 */
export function coverage(segments: readonly Segment[]): { whole: true } | { whole: false; problem: string } {
  const sorted = [...segments].sort((a, b) => compare(a.from, b.from));
  let at: Fraction = { n: 0, d: 1 };
  for (const segment of sorted) {
    const order = compare(segment.from, at);
    if (order < 0) return { whole: false, problem: `segment ${segment.text} overlaps another runner's` };
    if (order > 0) return { whole: false, problem: `nothing covers ${text(at)}:${text(segment.from)} (a runner's file is missing)` };
    at = segment.to;
  }
  if (compare(at, { n: 1, d: 1 }) < 0) return { whole: false, problem: `nothing covers ${text(at)}:1 (a runner's file is missing)` };
  return { whole: true };
}
