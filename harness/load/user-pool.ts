import { applySetCookie, cookieHeader, signedSessionCookie } from '../client/cookies.ts';
import type { CookieJar } from '../client/cookies.ts';
import { userChooser } from './user-choice.ts';
import type { UserChooser } from './user-choice.ts';
import type { PrefillRange } from '../app/prefill-sessions.ts';
import type { RequestDistribution } from '../../contract/vocabulary.ts';
import { SESSION_COOKIE } from '../../stores/express-session.ts';

/** Signed cookies of prefilled users kept ready; past this many the HMAC is computed per request. */
const PREFILLED_COOKIE_CACHE = 200_000;

/**
 * The users a load spreads over (`--users`): each request picks one through `chooser`. The
 * first `prefilled.count` users are prefilled sessions (their cookies signed like the app's,
 * so a request reads what was stored); any other user logs in the first time it is picked and
 * keeps the cookie the app sets.
 */
export interface UserPool {
  readonly chooser: UserChooser;
  /** The Cookie header user `index` sends, or undefined when it has not logged in yet. */
  cookie(index: number): string | undefined;
  /**
   * Applies the Set-Cookie values of a response to user `index`; when `arrivalsAtSend` is given and a new
   * user took the slot over since the request was sent (see `arrivalsOf`), the old user's cookie is dropped.
   */
  applySetCookie(index: number, values: string[], arrivalsAtSend?: number): void;
  /** How many new users have taken slot `index` over so far (0 for most). */
  arrivalsOf(index: number): number;
  /** Users with a session: the prefilled ones and those logged in so far. */
  loggedIn(): number;
  /**
   * A new user arrives and takes over the next slot in turn (0, 1, …, then round again): the slot
   * forgets its cookie, so the next request that picks it logs in. The session it leaves stays stored.
   */
  arrive(): void;
}

/** What a pool needs: the count and distribution, and the prefilled range with the run's secret when there is one. */
export interface UserPoolOptions {
  users: number;
  distribution: RequestDistribution;
  prefilled?: { range: PrefillRange; secret: string };
}

/** Builds the pool for one app (its prefilled sessions, its logins). */
export function createUserPool(options: UserPoolOptions): UserPool {
  const chooser = userChooser(options.users, options.distribution);
  const prefilledCount = Math.min(options.users, options.prefilled?.range.count ?? 0);
  const signed = new Map<number, string>();
  const jars = new Map<number, CookieJar>();
  const headers = new Map<number, string>();
  /** New users per slot so far; a prefilled slot a new user took over no longer has the prefilled cookie. */
  const arrivals = new Map<number, number>();
  let nextArrival = 0;
  const prefilledCookie = (index: number): string => {
    const cached = signed.get(index);
    if (cached !== undefined) return cached;
    const { range, secret } = options.prefilled!;
    const header = `${SESSION_COOKIE}=${signedSessionCookie(`${range.idPrefix}${range.from + index}`, secret)}`;
    if (signed.size < PREFILLED_COOKIE_CACHE) signed.set(index, header);
    return header;
  };
  return {
    chooser,
    cookie(index) {
      return headers.get(index) ?? (index < prefilledCount && !arrivals.has(index) ? prefilledCookie(index) : undefined);
    },
    applySetCookie(index, values, arrivalsAtSend) {
      if (arrivalsAtSend !== undefined && arrivalsAtSend !== (arrivals.get(index) ?? 0)) return;
      // A prefilled user's cookie changes only if the app issues it a new session id.
      const jar = jars.get(index) ?? new Map<string, string>();
      if (!jars.has(index) && index < prefilledCount && !arrivals.has(index)) for (const pair of prefilledCookie(index).split('; ')) jar.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
      jars.set(index, jar);
      applySetCookie(jar, values);
      const header = cookieHeader(jar);
      if (header === undefined) headers.delete(index);
      else headers.set(index, header);
    },
    loggedIn() {
      // A prefilled slot counts unless a new user took it over and has not logged in yet.
      let prefilledGone = 0;
      for (const index of arrivals.keys()) if (index < prefilledCount && !headers.has(index)) prefilledGone += 1;
      let extra = 0;
      for (const index of headers.keys()) if (index >= prefilledCount) extra += 1;
      return prefilledCount - prefilledGone + extra;
    },
    arrivalsOf(index) {
      return arrivals.get(index) ?? 0;
    },
    arrive() {
      const index = nextArrival;
      arrivals.set(index, (arrivals.get(index) ?? 0) + 1);
      nextArrival = (nextArrival + 1) % options.users;
      headers.delete(index);
      jars.delete(index);
    },
  };
}
