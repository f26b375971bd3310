import { SCRAMBLED_ITEM_COUNT, SCRAMBLED_ZETAN, ZIPFIAN_CONSTANT, zeta } from '../load/user-choice.ts';
import type { RequestDistribution } from '../../contract/vocabulary.ts';

/** `--users` in a k6 script: how many users, how each iteration picks one, and the prefilled ones' cookies. */
export interface K6Users {
  users: number;
  distribution: RequestDistribution;
  /** Prefilled sessions `${idPrefix}${from + i}` are users 0 … count − 1; their cookies are signed in the script with `secret`. */
  prefilled?: { idPrefix: string; from: number; count: number; secret: string; cookieName: string };
  /**
   * `--login-rate`: new users logging in per second, as a k6 scenario of their own beside each phase
   * (`<phase>-arrivals`, constant-arrival-rate), so the rate holds exactly. k6 VUs share no state, so
   * the load's iterations cannot take a new user's cookie over: its session is written and stays
   * stored, and the load keeps reading the `users` working set.
   */
  loginsPerSecond?: number;
}

/** The users part of the script's CONFIG, with the zeta the draw needs computed once here (not in every VU). */
export function k6UsersConfig(users: K6Users): Record<string, unknown> {
  const zetan = users.distribution === 'latest' ? zeta(users.users, ZIPFIAN_CONSTANT) : users.distribution === 'zipfian' ? SCRAMBLED_ZETAN : 0;
  return { count: users.users, distribution: users.distribution, zetan, theta: ZIPFIAN_CONSTANT, itemCount: SCRAMBLED_ITEM_COUNT + 1, prefilled: users.prefilled ?? null };
}

/**
 * The same draws as harness/load/user-choice.ts (YCSB's generators), as plain JavaScript for
 * k6: `makeUserChooser(config, random)` returns a function giving the next user index.
 * test/user-choice.test.ts checks both give the same sequence from the same random source.
 */
export const K6_USER_CHOOSER = `
function makeUserChooser(config, random) {
  const TWO_32 = 4294967296;
  function zipfian(items, theta, zetan) {
    const alpha = 1 / (1 - theta);
    const zeta2 = 1 + 1 / Math.pow(2, theta);
    const eta = (1 - Math.pow(2 / items, 1 - theta)) / (1 - zeta2 / zetan);
    const half = 1 + Math.pow(0.5, theta);
    return function () {
      const u = random();
      const uz = u * zetan;
      if (uz < 1) return 0;
      if (uz < half) return 1;
      return Math.floor(items * Math.pow(eta * u - eta + 1, alpha));
    };
  }
  function fnvModulo(value, n) {
    let hi = 0xcbf29ce4;
    let lo = 0x84222325;
    let valueLo = value % TWO_32;
    let valueHi = Math.floor(value / TWO_32);
    for (let i = 0; i < 8; i++) {
      const octet = valueLo & 0xff;
      valueLo = ((valueLo >>> 8) | ((valueHi & 0xff) << 24)) >>> 0;
      valueHi = Math.floor(valueHi / 256);
      lo = (lo ^ octet) >>> 0;
      const low = lo * 0x1b3;
      const carry = Math.floor(low / TWO_32);
      const nextLo = low % TWO_32;
      hi = (hi * 0x1b3 + carry + ((lo << 8) >>> 0)) % TWO_32;
      lo = nextLo;
    }
    if (hi >= 0x80000000) {
      const negLo = (TWO_32 - lo) % TWO_32;
      hi = (TWO_32 - hi - (lo === 0 ? 0 : 1)) % TWO_32;
      lo = negLo;
    }
    return (((hi % n) * (TWO_32 % n)) % n + (lo % n)) % n;
  }
  const n = config.count;
  if (config.distribution === 'uniform') return function () { return Math.floor(random() * n); };
  if (config.distribution === 'latest') {
    const draw = zipfian(n, config.theta, config.zetan);
    return function () { return n - 1 - Math.min(n - 1, draw()); };
  }
  const draw = zipfian(config.itemCount, config.theta, config.zetan);
  return function () { return fnvModulo(draw(), n); };
}
`;
