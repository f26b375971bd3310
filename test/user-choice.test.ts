import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SCRAMBLED_ZETAN, ZIPFIAN_CONSTANT, ZipfianDraw, fnvhash64, scrambledUserOfRank, userChooser, zeta } from '../harness/load/user-choice.ts';
import { mulberry32 } from './helpers/random.ts';
import { K6_USER_CHOOSER, k6UsersConfig } from '../harness/k6/k6-users.ts';
import { createUserPool } from '../harness/load/user-pool.ts';

const DRAWS = 200_000;

/** FNV-1a 64 over bytes, in BigInt: the reference the 32-bit halves are checked against. */
function fnv1a64(bytes: number[]): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of bytes) hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
  return hash;
}

/** YCSB's Utils.fnvhash64 in BigInt: FNV-1a over the 8 little-endian bytes of a long, as a signed long, then Math.abs. */
function ycsbFnvhash64(value: bigint): bigint {
  const bytes = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(8 * i)) & 0xffn));
  const signed = BigInt.asIntN(64, fnv1a64(bytes));
  return signed < 0n ? -signed : signed;
}

function counts(draw: () => number, draws: number): Map<number, number> {
  const seen = new Map<number, number>();
  for (let i = 0; i < draws; i++) {
    const value = draw();
    seen.set(value, (seen.get(value) ?? 0) + 1);
  }
  return seen;
}

/** |observed − expected| within `sigmas` binomial standard deviations. */
function assertFrequency(observed: number, probability: number, draws: number, what: string, sigmas = 5): void {
  const expected = probability * draws;
  const sd = Math.sqrt(draws * probability * (1 - probability));
  assert.ok(Math.abs(observed - expected) <= sigmas * sd, `${what}: ${observed} draws, expected ${expected.toFixed(0)} ± ${(sigmas * sd).toFixed(0)}`);
}

describe('YCSB fnvhash64', () => {
  test('the BigInt reference is FNV-1a 64 (published vector for "a")', () => {
    assert.equal(fnv1a64([0x61]), 0xaf63dc4c8601ec8cn);
  });

  test('32-bit halves equal the reference, below and above 2^53', () => {
    const random = mulberry32(7);
    const values = [0, 1, 2, 255, 256, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 2 ** 53, 1e16, 9_999_999_999_999_998];
    for (let i = 0; i < 2000; i++) values.push(Math.floor(random() * 1e16));
    for (const value of values) {
      const { hi, lo } = fnvhash64(value);
      assert.equal((BigInt(hi) << 32n) | BigInt(lo), ycsbFnvhash64(BigInt(value)), `fnvhash64(${value})`);
    }
  });
});

describe('YCSB ZipfianGenerator (unscrambled)', () => {
  const items = 1000;
  const zetan = zeta(items, ZIPFIAN_CONSTANT);

  test('item 0 has probability 1/zeta(n), item 1 probability 1/(2^0.99 · zeta(n))', () => {
    const draw = new ZipfianDraw(items, ZIPFIAN_CONSTANT, zetan, mulberry32(11));
    const c = counts(() => draw.next(), DRAWS);
    assertFrequency(c.get(0) ?? 0, 1 / zetan, DRAWS, 'item 0');
    assertFrequency(c.get(1) ?? 0, Math.pow(0.5, ZIPFIAN_CONSTANT) / zetan, DRAWS, 'item 1');
    for (const value of c.keys()) assert.ok(value >= 0 && value < items, `${value} in range`);
  });

  test('the head follows zeta: P(item < 100) ≈ zeta(100)/zeta(n) (Gray et al. approximation, within 5 %)', () => {
    const draw = new ZipfianDraw(items, ZIPFIAN_CONSTANT, zetan, mulberry32(12));
    let below = 0;
    for (let i = 0; i < DRAWS; i++) if (draw.next() < 100) below += 1;
    const expected = zeta(100, ZIPFIAN_CONSTANT) / zetan;
    assert.ok(Math.abs(below / DRAWS - expected) < 0.05 * expected, `P(<100) = ${(below / DRAWS).toFixed(4)}, zeta ratio ${expected.toFixed(4)}`);
  });

  test('YCSB precomputed ZETAN is zeta(10^10, 0.99) (its original ITEM_COUNT), not a made-up constant', { timeout: 120_000 }, () => {
    // zeta(10^10) by Euler–Maclaurin from an exact partial sum to 10^6: sum + ∫ + the first correction terms.
    const theta = ZIPFIAN_CONSTANT;
    const m = 1e6;
    const n = 1e10;
    const partial = zeta(m, theta);
    const integral = (Math.pow(n, 1 - theta) - Math.pow(m, 1 - theta)) / (1 - theta);
    const ends = (Math.pow(n, -theta) - Math.pow(m, -theta)) / 2;
    const approx = partial + integral + ends;
    assert.ok(Math.abs(approx - SCRAMBLED_ZETAN) < 1e-3, `zeta(1e10, 0.99) ≈ ${approx}, YCSB's ZETAN ${SCRAMBLED_ZETAN}`);
  });
});

describe('userChooser', () => {
  test('zipfian (scrambled): the rank-0 user gets 1/ZETAN of the draws, the rank-1 user 0.5^0.99/ZETAN (plus the ~1/n every user gets from the tail)', () => {
    const users = 100_000;
    const chooser = userChooser(users, 'zipfian', mulberry32(21));
    const c = counts(() => chooser.next(), DRAWS);
    const hottest = scrambledUserOfRank(0, users);
    const second = scrambledUserOfRank(1, users);
    assert.notEqual(hottest, second);
    assert.notEqual(Math.abs(hottest - second), 1, 'scrambled: the two hottest users are not neighbours');
    assertFrequency(c.get(hottest) ?? 0, 1 / SCRAMBLED_ZETAN + 1 / users, DRAWS, 'rank-0 user', 6);
    assertFrequency(c.get(second) ?? 0, Math.pow(0.5, ZIPFIAN_CONSTANT) / SCRAMBLED_ZETAN + 1 / users, DRAWS, 'rank-1 user', 6);
    const top = [...c.values()].sort((a, b) => b - a)[0]!;
    assert.equal(top, c.get(hottest), 'the rank-0 user is the most drawn');
    for (const value of c.keys()) assert.ok(Number.isInteger(value) && value >= 0 && value < users, `${value} in range`);
  });

  test('uniform: every user equally likely (chi-square, 99 degrees of freedom, p < 1e-6 to fail)', () => {
    const users = 100;
    const chooser = userChooser(users, 'uniform', mulberry32(31));
    const c = counts(() => chooser.next(), DRAWS);
    assert.equal(c.size, users);
    const expected = DRAWS / users;
    const chi2 = [...c.values()].reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0);
    assert.ok(chi2 < 180, `chi-square ${chi2.toFixed(1)}`);
  });

  test('latest: the newest user (n − 1) has probability 1/zeta(n), then n − 2', () => {
    const users = 1000;
    const chooser = userChooser(users, 'latest', mulberry32(41));
    const c = counts(() => chooser.next(), DRAWS);
    const zetan = zeta(users, ZIPFIAN_CONSTANT);
    assertFrequency(c.get(users - 1) ?? 0, 1 / zetan, DRAWS, 'newest user');
    assertFrequency(c.get(users - 2) ?? 0, Math.pow(0.5, ZIPFIAN_CONSTANT) / zetan, DRAWS, 'second newest');
    for (const value of c.keys()) assert.ok(value >= 0 && value < users);
  });

  test('a skewed working set is smaller: zipfian reads fewer distinct users than uniform from the same number of draws', () => {
    const users = 10_000;
    const draws = 20_000;
    const z = userChooser(users, 'zipfian', mulberry32(51));
    const u = userChooser(users, 'uniform', mulberry32(51));
    const distinctZipfian = counts(() => z.next(), draws).size;
    const distinctUniform = counts(() => u.next(), draws).size;
    // Uniform: n(1 − e^(−draws/n)) ≈ 8,647 distinct.
    assert.ok(Math.abs(distinctUniform - users * (1 - Math.exp(-draws / users))) < 150, `uniform distinct ${distinctUniform}`);
    assert.ok(distinctZipfian < distinctUniform - 500, `zipfian distinct ${distinctZipfian} < uniform ${distinctUniform}`);
  });

  test('refuses a user count it cannot draw exactly', () => {
    assert.throws(() => userChooser(0, 'uniform'), RangeError);
    assert.throws(() => userChooser(2 ** 27, 'zipfian'), RangeError);
  });
});

describe('the k6 script draws the same users', () => {
  for (const distribution of ['zipfian', 'uniform', 'latest'] as const) {
    test(`${distribution}: the script's chooser gives the harness's sequence from the same random source`, () => {
      const users = 5000;
      const make = new Function(`${K6_USER_CHOOSER}; return makeUserChooser;`)() as (config: unknown, random: () => number) => () => number;
      const script = make(JSON.parse(JSON.stringify(k6UsersConfig({ users, distribution }))), mulberry32(61));
      const harness = userChooser(users, distribution, mulberry32(61));
      for (let i = 0; i < 20_000; i++) assert.equal(script(), harness.next(), `draw ${i}`);
    });
  }
});

describe('a user pool with arrivals', () => {
  test('a new user takes over the next slot in turn: it forgets its cookie (prefilled or its own) and is logged in again only by its own login', () => {
    const pool = createUserPool({ users: 4, distribution: 'uniform', prefilled: { range: { idPrefix: 'sb-prefill-', from: 0, count: 2 }, secret: 'secret' } });
    assert.equal(pool.loggedIn(), 2, 'the two prefilled users');
    assert.match(pool.cookie(0) ?? '', /^sid=s%3Asb-prefill-0\./);
    pool.applySetCookie(2, ['sid=own-2; Path=/']);
    assert.equal(pool.loggedIn(), 3);
    pool.arrive();
    assert.equal(pool.cookie(0), undefined, 'slot 0: a new user, not logged in yet');
    assert.equal(pool.loggedIn(), 2);
    pool.applySetCookie(0, ['sid=new-0; Path=/']);
    assert.equal(pool.cookie(0), 'sid=new-0', 'its own cookie, not the prefilled one');
    pool.arrive();
    pool.arrive();
    assert.equal(pool.cookie(2), undefined, 'slot 2 in turn');
    assert.equal(pool.loggedIn(), 1, 'slot 0 (logged in again); slots 1 and 2 taken over');
    pool.arrive();
    const inFlight = pool.arrivalsOf(0);
    pool.arrive();
    assert.equal(pool.cookie(0), undefined, 'round again: slot 0 after slot 3');
    pool.applySetCookie(0, ['sid=old-user; Path=/'], inFlight);
    assert.equal(pool.cookie(0), undefined, "a response to the old user's request, answered after the new user arrived, does not log the new one in");
  });
});
