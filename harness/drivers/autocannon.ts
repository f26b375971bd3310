import autocannon from 'autocannon';
import { applySetCookie, cookieHeader } from '../cookies.ts';
import type { CookieJar } from '../cookies.ts';
import { createLatencyHistogram, encodeHistogram, recordMs, summarize } from '../histogram.ts';
import type { PhaseMetrics } from '../result.ts';
import type { LoadScenario } from '../../scenarios/types.ts';
import { expandMix } from './mix.ts';

/** One simulated user: its cookies, and whether it has logged in (a lost cookie then shows as 401s, not a silent re-login). */
export interface VirtualUser {
  jar: CookieJar;
  loggedIn: boolean;
}

/** One load phase of the closed model: `connections` users, each on its own session, for a fixed time. */
export interface ClosedPhase {
  url: string;
  scenario: LoadScenario;
  connections: number;
  durationSeconds: number;
  /**
   * One user per connection, kept across phases so the measured phase reuses
   * the warm-up's sessions. autocannon resets its per-connection context whenever
   * the request list loops, so the cookie lives in this closure instead.
   */
  users: VirtualUser[];
  /** Per-request timeout in seconds. */
  timeoutSeconds?: number;
  /** Counts login requests sent (a client without a cookie logs in first). */
  counters?: { logins: number };
  signal?: AbortSignal;
}

interface AutocannonRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  setupRequest?: (request: AutocannonRequest) => AutocannonRequest;
  onResponse?: (status: number, body: string, context: unknown, headers: Record<string, string | string[]>) => void;
}

interface AutocannonClient {
  setRequests(requests: AutocannonRequest[]): void;
  on(event: 'response', listener: (status: number, bytes: number, durationMs: number) => void): void;
}

function requestsFor(scenario: LoadScenario, user: VirtualUser, connection: number, counters: { logins: number }): AutocannonRequest[] {
  const remember = (_s: number, _b: string, _c: unknown, headers: Record<string, string | string[]>) =>
    applySetCookie(user.jar, headers['set-cookie'] ?? headers['Set-Cookie']);
  if (scenario.sessions === 'per-request') {
    return [{ method: 'POST', path: '/login', setupRequest: (request) => (counters.logins++, request) }];
  }
  let itemSequence = 0;
  return expandMix(scenario.mix).map((route) => {
    const [method, path] = route.split(' ') as ['GET' | 'POST', string];
    return {
      method,
      path,
      onResponse: remember,
      setupRequest: (request): AutocannonRequest => {
        if (!user.loggedIn) {
          user.loggedIn = true;
          counters.logins++;
          return { ...request, method: 'POST', path: '/login', headers: {} };
        }
        const cookie = cookieHeader(user.jar);
        const target = path === '/items' ? `${path}?id=c${connection}-${itemSequence++}` : path;
        return { ...request, method, path: target, headers: cookie ? { cookie } : {} };
      },
    };
  });
}

/** Runs one closed-model phase with autocannon and returns its metrics, latency in µs from our own HDR histogram. */
export async function runClosedPhase(phase: ClosedPhase): Promise<PhaseMetrics> {
  const histogram = createLatencyHistogram();
  let nextConnection = 0;
  const instance = autocannon({
    url: phase.url,
    connections: phase.connections,
    duration: phase.durationSeconds,
    timeout: phase.timeoutSeconds ?? 10,
    skipAggregateResult: false,
    setupClient: (client: AutocannonClient) => {
      const connection = nextConnection++ % phase.connections;
      const user = phase.users[connection] ?? { jar: new Map(), loggedIn: false };
      phase.users[connection] = user;
      client.setRequests(requestsFor(phase.scenario, user, connection, phase.counters ?? { logins: 0 }));
      client.on('response', (_status, _bytes, durationMs) => recordMs(histogram, durationMs));
    },
  } as unknown as autocannon.Options) as unknown as PromiseLike<unknown> & { stop(): void };
  const stop = () => instance.stop();
  phase.signal?.addEventListener('abort', stop, { once: true });
  const result = (await instance) as unknown as { duration: number; errors: number; timeouts: number; non2xx: number };
  phase.signal?.removeEventListener('abort', stop);
  const durationSeconds = result.duration || phase.durationSeconds;
  return {
    durationSeconds,
    requests: histogram.totalCount,
    throughput: histogram.totalCount / durationSeconds,
    latencyUs: summarize(histogram),
    histogram: encodeHistogram(histogram),
    errors: result.errors,
    non2xx: result.non2xx,
    timeouts: result.timeouts,
  };
}
