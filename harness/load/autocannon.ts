import autocannon from 'autocannon';
import { applySetCookie, cookieHeader } from '../client/cookies.ts';
import type { CookieJar } from '../client/cookies.ts';
import { createLatencyHistogram, encodeHistogram, recordMs, summarize } from './histogram.ts';
import type { PhaseMetrics } from '../../contract/metrics.ts';
import type { Timeline } from './timeline.ts';
import type { LoadScenario } from '../../scenarios/load/scenario.ts';
import { expandMix } from './mix.ts';

/** One simulated user: its cookies, and whether it has logged in (a lost cookie then shows as 401s, not a silent re-login). */
export interface VirtualUser {
  jar: CookieJar;
  loggedIn: boolean;
}

/** Counters a phase adds to. */
export interface LoadCounters {
  logins: number;
  unauthorized: number;
  /** Bytes of the Set-Cookie header values received (a countable cost per request). */
  setCookieBytes?: number;
  /** Set-Cookie headers received. */
  setCookieHeaders?: number;
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
  /** Per-second outcomes, when the course of the phase matters. */
  timeline?: Timeline;
  /** Counts login requests sent, and 401 answers (the app found no session for the cookie). */
  counters?: LoadCounters;
  signal?: AbortSignal;
}

interface AutocannonRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  setupRequest?: (request: AutocannonRequest) => AutocannonRequest;
}

interface AutocannonClient {
  setRequests(requests: AutocannonRequest[]): void;
  on(event: 'response', listener: (status: number, bytes: number, durationMs: number) => void): void;
  on(event: 'headers', listener: (parsed: { headers: string[] }) => void): void;
  on(event: 'timeout' | 'connError', listener: () => void): void;
  emit(event: 'connError', error: Error): boolean;
  // autocannon 9 internals (lib/httpClient.js) that renewOnReconnect relies on.
  /** The client's one HTTP response parser (http-parser-js), kept across reconnects. */
  parser: { type: string; initialize(type: string): void };
  /** Requests written and not yet answered on the current socket. */
  pipelinedRequests: { size(): number };
  conn: NodeJS.EventEmitter;
  _connect(): void;
  _destroyConnection(): void;
}

/**
 * Makes every reconnect of an autocannon 9 client start clean. autocannon
 * reconnects after a timeout, a socket error or the server closing the socket,
 * but keeps its one response parser, and after an error or a close also the
 * queue of unanswered requests (and, after a close, the old socket's error
 * listener, which can connect a second socket). A response cut off mid-body —
 * express-session writes all but the last byte, then that byte once the store
 * has touched or saved the session, so a paused store leaves it so — then
 * poisons the new socket: its responses fail to parse, no next request is
 * sent, and the connection times out every `timeout` seconds for the rest of
 * the run. So each reconnect drops the old socket, empties the queue and resets
 * the parser; a request the server closed the socket on (autocannon says
 * nothing) counts as a connection error.
 */
function renewOnReconnect(client: AutocannonClient): void {
  if (typeof client._connect !== 'function' || typeof client._destroyConnection !== 'function' || typeof client.parser?.initialize !== 'function') {
    throw new Error('autocannon client internals changed (expected autocannon 9: _connect, _destroyConnection, parser.initialize)');
  }
  const connect = client._connect.bind(client);
  let connected = false;
  client._connect = () => {
    if (connected) {
      client._destroyConnection();
      client.parser.initialize(client.parser.type);
    }
    connected = true;
    connect();
    client.conn.prependListener('end', () => {
      if (client.pipelinedRequests.size() > 0) client.emit('connError', new Error('the server closed the connection before answering'));
    });
  };
}

function setCookieValues(rawHeaders: string[]): string[] {
  const values: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.length === 10 && rawHeaders[i]!.toLowerCase() === 'set-cookie') values.push(rawHeaders[i + 1]!);
  }
  return values;
}

/**
 * Drives one connection as one user. Requests are prebuilt for the current
 * cookie (no per-request hooks, so the generator stays cheap) and rebuilt only
 * when the server sets a new cookie, continuing the mix where it was.
 */
function driveUser(client: AutocannonClient, scenario: LoadScenario, user: VirtualUser, connection: number, counters: LoadCounters): void {
  if (scenario.sessions === 'per-request') {
    client.setRequests([{ method: 'POST', path: '/login', setupRequest: (request) => (counters.logins++, request) }]);
    return;
  }
  const sequence = expandMix(scenario.mix);
  let itemSequence = 0;
  let completed = 0;
  let cookieChanged = false;
  const mixStartingAt = (first: number): AutocannonRequest[] => {
    const cookie = cookieHeader(user.jar);
    const headers: Record<string, string> = cookie ? { cookie } : {};
    return sequence.map((_, i) => {
      const [method, path] = sequence[(first + i) % sequence.length]!.split(' ') as ['GET' | 'POST', string];
      if (path !== '/items') return { method, path, headers };
      return { method, path, headers, setupRequest: (request) => ({ ...request, path: `/items?id=c${connection}-${itemSequence++}` }) };
    });
  };
  const login: AutocannonRequest = { method: 'POST', path: '/login', setupRequest: (request) => (counters.logins++, request) };
  // A connection's first request is index 0; after a setRequests() from a response
  // handler, autocannon advances to index 1 before sending: hence the offsets.
  client.setRequests(user.loggedIn ? mixStartingAt(0) : [login]);
  client.on('headers', ({ headers }) => {
    const values = setCookieValues(headers);
    if (values.length === 0) return;
    counters.setCookieBytes = (counters.setCookieBytes ?? 0) + values.reduce((sum, value) => sum + Buffer.byteLength(value), 0);
    counters.setCookieHeaders = (counters.setCookieHeaders ?? 0) + values.length;
    applySetCookie(user.jar, values);
    cookieChanged = true;
  });
  client.on('response', () => {
    if (!user.loggedIn) {
      user.loggedIn = true;
      client.setRequests(mixStartingAt(sequence.length - 1));
    } else {
      completed += 1;
      if (cookieChanged) client.setRequests(mixStartingAt((completed - 1) % sequence.length));
    }
    cookieChanged = false;
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
    // autocannon acts on a stop (its duration, or ours on abort) only at its next sample tick:
    // 1 s by default, so a warm-up stopped at its cap ran on for up to a second. Its own
    // per-sample statistics are not used (latency is ours, skipAggregateResult).
    sampleInt: 100,
    skipAggregateResult: true,
    setupClient: (client: AutocannonClient) => {
      const connection = nextConnection++ % phase.connections;
      const user = phase.users[connection] ?? { jar: new Map(), loggedIn: false };
      phase.users[connection] = user;
      const counters = phase.counters ?? { logins: 0, unauthorized: 0 };
      renewOnReconnect(client);
      driveUser(client, phase.scenario, user, connection, counters);
      const timeline = phase.timeline;
      client.on('response', (status, _bytes, durationMs) => {
        recordMs(histogram, durationMs);
        if (status === 401) counters.unauthorized += 1;
        timeline?.record(status >= 200 && status < 300 ? 'ok' : 'non2xx', durationMs);
      });
      if (timeline) {
        client.on('timeout', () => timeline.record('timeout'));
        client.on('connError', () => timeline.record('error'));
      }
    },
  } as unknown as autocannon.Options) as unknown as PromiseLike<unknown> & { stop(): void };
  const stop = () => instance.stop();
  phase.signal?.addEventListener('abort', stop, { once: true });
  if (phase.signal?.aborted) stop();
  const result = (await instance) as unknown as { duration: number; errors: number; timeouts: number; non2xx: number };
  phase.signal?.removeEventListener('abort', stop);
  const durationSeconds = result.duration || phase.durationSeconds;
  return {
    durationSeconds,
    requests: histogram.totalCount,
    throughput: histogram.totalCount / durationSeconds,
    latencyUs: summarize(histogram),
    histogram: encodeHistogram(histogram),
    // autocannon counts a timeout as an error too; ours are connection errors only.
    errors: result.errors - result.timeouts,
    non2xx: result.non2xx,
    timeouts: result.timeouts,
  };
}
