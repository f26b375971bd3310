/**
 * Which user each request speaks for: YCSB's request distributions, ported faithfully from
 * YCSB core (brianfrankcooper/YCSB, site.ycsb.generator.ZipfianGenerator,
 * ScrambledZipfianGenerator, SkewedLatestGenerator, UniformLongGenerator and site.ycsb.Utils.fnvhash64):
 *
 * - `zipfian`: ScrambledZipfianGenerator — a Zipfian draw (constant 0.99) over YCSB's
 *   ITEM_COUNT = 10^16 items with its precomputed ZETAN = 26.46902820178302, hashed with
 *   FNV-1a 64 and taken modulo the user count, so hot users are scattered, not neighbours;
 * - `latest`: SkewedLatestGenerator — a Zipfian draw over the users, counted back from the
 *   newest (the highest index is the hottest);
 * - `uniform`: every user equally likely.
 *
 * Gray et al., "Quickly Generating Billion-Record Synthetic Databases", SIGMOD 1994, is the
 * algorithm behind ZipfianGenerator.
 */
import { REQUEST_DISTRIBUTIONS } from '../../contract/vocabulary.ts';
import type { RequestDistribution } from '../../contract/vocabulary.ts';

/** YCSB's Zipfian constant (ZipfianGenerator.ZIPFIAN_CONSTANT). */
export const ZIPFIAN_CONSTANT = 0.99;
/** ScrambledZipfianGenerator.ITEM_COUNT: the item space the scrambled draw is taken from. */
export const SCRAMBLED_ITEM_COUNT = 1e16;
/** ScrambledZipfianGenerator.ZETAN: YCSB's precomputed zeta for its item count at constant 0.99. */
export const SCRAMBLED_ZETAN = 26.46902820178302;

/** A source of uniform doubles in [0, 1): Math.random unless a test seeds its own. */
export type Uniform = () => number;

/** Draws user indexes in [0, users). */
export interface UserChooser {
  readonly users: number;
  readonly distribution: RequestDistribution;
  next(): number;
}

/** ZipfianGenerator.zetastatic: the sum of 1 / i^theta for i = 1 … n. */
export function zeta(n: number, theta: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += 1 / Math.pow(i + 1, theta);
  return sum;
}

/** YCSB's ZipfianGenerator over `items` items from 0 (item 0 the most popular), its zeta given or computed. */
export class ZipfianDraw {
  private readonly alpha: number;
  private readonly eta: number;
  private readonly half: number;

  constructor(
    private readonly items: number,
    private readonly theta: number = ZIPFIAN_CONSTANT,
    private readonly zetan: number = zeta(items, theta),
    private readonly random: Uniform = Math.random,
  ) {
    const zeta2theta = zeta(2, theta);
    this.alpha = 1 / (1 - theta);
    this.eta = (1 - Math.pow(2 / items, 1 - theta)) / (1 - zeta2theta / zetan);
    this.half = 1 + Math.pow(0.5, theta);
  }

  /** ZipfianGenerator.nextLong(items). */
  next(): number {
    const u = this.random();
    const uz = u * this.zetan;
    if (uz < 1) return 0;
    if (uz < this.half) return 1;
    return Math.floor(this.items * Math.pow(this.eta * u - this.eta + 1, this.alpha));
  }
}

const TWO_32 = 2 ** 32;
/** FNV_PRIME_64 = 0x100000001B3 = 2^40 + 0x1B3. */
const PRIME_LOW = 0x1b3;

/**
 * Utils.fnvhash64: FNV-1a 64 over the eight little-endian bytes of `value` (a whole number
 * below 2^63), as Java's signed long, then Math.abs. Returned as its high and low 32 bits;
 * computed in 32-bit halves so a request costs no BigInt.
 */
export function fnvhash64(value: number): { hi: number; lo: number } {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  let valueLo = value % TWO_32;
  let valueHi = Math.floor(value / TWO_32);
  for (let i = 0; i < 8; i++) {
    const octet = valueLo & 0xff;
    valueLo = (valueLo >>> 8) | ((valueHi & 0xff) << 24);
    valueLo >>>= 0;
    valueHi = Math.floor(valueHi / 256);
    lo = (lo ^ octet) >>> 0;
    // (hi·2^32 + lo) · (2^40 + 0x1B3) mod 2^64
    const low = lo * PRIME_LOW;
    const carry = Math.floor(low / TWO_32);
    const nextLo = low % TWO_32;
    hi = (hi * PRIME_LOW + carry + ((lo << 8) >>> 0)) % TWO_32;
    lo = nextLo;
  }
  if (hi >= 0x80000000) {
    // Math.abs of a negative long: two's complement negation. (Java leaves Long.MIN_VALUE negative; it stays 2^63 here.)
    const negLo = (TWO_32 - lo) % TWO_32;
    hi = (TWO_32 - hi - (lo === 0 ? 0 : 1)) % TWO_32;
    lo = negLo;
  }
  return { hi, lo };
}

/** (hi·2^32 + lo) mod n, exactly, for n up to 2^26 (products stay below 2^53). */
function modulo({ hi, lo }: { hi: number; lo: number }, n: number): number {
  return (((hi % n) * (TWO_32 % n)) % n + (lo % n)) % n;
}

/** The largest user count the exact modulo above allows. */
export const MAX_USERS = 2 ** 26;

/** A chooser for `users` users under `distribution`; `random` for tests that need a seeded source. */
export function userChooser(users: number, distribution: RequestDistribution, random: Uniform = Math.random): UserChooser {
  if (!Number.isInteger(users) || users < 1 || users > MAX_USERS) throw new RangeError(`users must be a whole number from 1 to ${MAX_USERS}, got ${users}`);
  if (!(REQUEST_DISTRIBUTIONS as readonly string[]).includes(distribution)) throw new RangeError(`unknown distribution ${distribution}`);
  if (distribution === 'uniform') return { users, distribution, next: () => Math.floor(random() * users) };
  if (distribution === 'latest') {
    // SkewedLatestGenerator: max − zipfian(max) with a ZipfianGenerator over the items so far; here all users exist.
    const draw = new ZipfianDraw(users, ZIPFIAN_CONSTANT, zeta(users, ZIPFIAN_CONSTANT), random);
    return { users, distribution, next: () => users - 1 - Math.min(users - 1, draw.next()) };
  }
  // ScrambledZipfianGenerator(0, users − 1): new ZipfianGenerator(0, ITEM_COUNT, 0.99, ZETAN) has ITEM_COUNT + 1 items.
  const draw = new ZipfianDraw(SCRAMBLED_ITEM_COUNT + 1, ZIPFIAN_CONSTANT, SCRAMBLED_ZETAN, random);
  return { users, distribution, next: () => modulo(fnvhash64(draw.next()), users) };
}

/** The user the scrambled Zipfian draw makes the `rank`-th most popular (rank 0: the hottest). */
export function scrambledUserOfRank(rank: number, users: number): number {
  return modulo(fnvhash64(rank), users);
}
