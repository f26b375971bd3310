import autocannon from 'autocannon';
import { setTimeout as delay } from 'node:timers/promises';
import { applySetCookie, cookieHeader } from '../client/cookies.ts';
import type { CookieJar } from '../client/cookies.ts';
import { createLatencyHistogram, encodeHistogram, recordMs, summarize } from './histogram.ts';
import type { PhaseMetrics } from '../../contract/metrics.ts';
import type { Timeline } from './timeline.ts';
import type { LoadScenario } from '../../scenarios/load/scenario.ts';
import { expandMix } from './mix.ts';
import type { UserPool } from './user-pool.ts';

/** One simulated user: its cookies, and whether it has logged in (a lost cookie then shows as 401s, not a silent re-login). */
export interface VirtualUser {
  jar: CookieJar;
  loggedIn: boolean;
}

/** Counters a phase adds to. */
export interface LoadCounters {
  logins: number;
  unauthorized: number;
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
  /**
   * `--users`: every request picks its user from this pool instead (connections stay the
   * concurrency); `users` is then unused.
   */
  pool?: UserPool;
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

/** "Set-Cookie: " and the line's CRLF around each value, on the wire. */
const SET_COOKIE_LINE_BYTES = Buffer.byteLength('Set-Cookie: \r\n');

/** One response's Set-Cookie headers: how many, and their wire bytes; undefined when it has none. */
function setCookieOf(rawHeaders: string[]): { headers: number; bytes: number } | undefined {
  const values = setCookieValues(rawHeaders);
  if (values.length === 0) return undefined;
  return { headers: values.length, bytes: values.reduce((sum, value) => sum + SET_COOKIE_LINE_BYTES + Buffer.byteLength(value), 0) };
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

/**
 * Drives one connection for many users (`--users`): each request picks its user from the
 * pool as it is sent (autocannon's setupRequest), carries that user's cookie, and the
 * response's Set-Cookie goes back to that user (one request in flight per connection). A user
 * not logged in yet sends POST /login instead, counted as a login.
 */
function drivePool(client: AutocannonClient, scenario: LoadScenario, pool: UserPool, connection: number, counters: LoadCounters): void {
  const login = { method: 'POST' as const, path: '/login' };
  if (scenario.sessions === 'per-request') {
    client.setRequests([{ ...login, setupRequest: (request) => (counters.logins++, request) }]);
    return;
  }
  const sequence = expandMix(scenario.mix).map((item) => item.split(' ') as ['GET' | 'POST', string]);
  let itemSequence = 0;
  let current = -1;
  let arrivalsAtSend = 0;
  const requests: AutocannonRequest[] = sequence.map(([method, path]) => ({
    method,
    path,
    setupRequest: (request) => {
      current = pool.chooser.next();
      arrivalsAtSend = pool.arrivalsOf(current);
      const cookie = pool.cookie(current);
      if (cookie === undefined) {
        counters.logins++;
        return { ...request, ...login };
      }
      return { ...request, path: path === '/items' ? `/items?id=c${connection}-${itemSequence++}` : path, headers: { ...request.headers, cookie } };
    },
  }));
  client.setRequests(requests);
  client.on('headers', ({ headers }) => {
    const values = setCookieValues(headers);
    if (values.length > 0 && current >= 0) pool.applySetCookie(current, values, arrivalsAtSend);
  });
}

/** What a running load has recorded since its last cut. */
interface Recording {
  /** performance.now() when it began. */
  startedAt: number;
  histogram: ReturnType<typeof createLatencyHistogram>;
  setCookie: { responses: number; headers: number; bytes: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  timeline?: Timeline;
}

function newRecording(timeline: Timeline | undefined): Recording {
  return { startedAt: performance.now(), histogram: createLatencyHistogram(), setCookie: { responses: 0, headers: 0, bytes: 0 }, errors: 0, timeouts: 0, non2xx: 0, timeline };
}

function metricsOf(recording: Recording, endedAt: number): PhaseMetrics {
  const durationSeconds = (endedAt - recording.startedAt) / 1000;
  return {
    durationSeconds,
    requests: recording.histogram.totalCount,
    throughput: durationSeconds > 0 ? recording.histogram.totalCount / durationSeconds : 0,
    latencyUs: summarize(recording.histogram),
    histogram: encodeHistogram(recording.histogram),
    errors: recording.errors,
    non2xx: recording.non2xx,
    timeouts: recording.timeouts,
    setCookie: recording.setCookie,
  };
}

/**
 * A closed-model load that keeps running while what it records is cut into phases: a
 * warm-up and the measured phase that follows it share one run of the generator, so the
 * measured phase starts on warm connections at the throughput the warm-up settled at
 * (a new run's first second was 10–15 % slower).
 */
export interface RunningLoad {
  /** Ends the current recording and starts the next (onto `timeline`) without pausing the load; the metrics of the one that ended. */
  cut(timeline?: Timeline): PhaseMetrics;
  /** Stops the load (requests in flight finish into the current recording); the metrics of the current recording. */
  stop(): Promise<PhaseMetrics>;
}

/**
 * Starts a closed-model load with autocannon; `maxSeconds` is only a backstop (the caller
 * stops it), and an abort of `signal` stops it too. Latency is ours, from an HDR histogram.
 */
export function startClosedLoad(phase: Omit<ClosedPhase, 'durationSeconds'> & { maxSeconds: number }): RunningLoad {
  let recording = newRecording(phase.timeline);
  let nextConnection = 0;
  const instance = autocannon({
    url: phase.url,
    connections: phase.connections,
    duration: phase.maxSeconds,
    timeout: phase.timeoutSeconds ?? 10,
    // autocannon acts on a stop (its duration, or ours) only at its next sample tick:
    // 1 s by default. Its own per-sample statistics are not used (skipAggregateResult).
    sampleInt: 100,
    skipAggregateResult: true,
    setupClient: (client: AutocannonClient) => {
      const connection = nextConnection++ % phase.connections;
      const user = phase.users[connection] ?? { jar: new Map(), loggedIn: false };
      if (!phase.pool) phase.users[connection] = user;
      const counters = phase.counters ?? { logins: 0, unauthorized: 0 };
      renewOnReconnect(client);
      if (phase.pool) drivePool(client, phase.scenario, phase.pool, connection, counters);
      else driveUser(client, phase.scenario, user, connection, counters);
      // Counted when the response completes, like the requests they are divided by: express-session sends the
      // headers before the store answers, so a phase can end between a response's headers and its end.
      let pending: { headers: number; bytes: number } | undefined;
      client.on('headers', ({ headers }) => (pending = setCookieOf(headers)));
      client.on('response', (status, _bytes, durationMs) => {
        if (pending) {
          recording.setCookie.responses += 1;
          recording.setCookie.headers += pending.headers;
          recording.setCookie.bytes += pending.bytes;
        }
        pending = undefined;
        recordMs(recording.histogram, durationMs);
        if (status === 401) counters.unauthorized += 1;
        const ok = status >= 200 && status < 300;
        if (!ok) recording.non2xx += 1;
        recording.timeline?.record(ok ? 'ok' : 'non2xx', durationMs);
      });
      client.on('timeout', () => {
        recording.timeouts += 1;
        recording.timeline?.record('timeout');
      });
      client.on('connError', () => {
        recording.errors += 1;
        recording.timeline?.record('error');
      });
    },
  } as unknown as autocannon.Options) as unknown as PromiseLike<unknown> & { stop(): void };
  const stop = () => instance.stop();
  phase.signal?.addEventListener('abort', stop, { once: true });
  if (phase.signal?.aborted) stop();
  // When the generator stopped (ours, an abort, or its backstop): the last recording ends there.
  const finished = Promise.resolve(instance).then(() => {
    phase.signal?.removeEventListener('abort', stop);
    return performance.now();
  });
  return {
    cut(timeline) {
      const ended = recording;
      recording = newRecording(timeline);
      return metricsOf(ended, recording.startedAt);
    },
    async stop() {
      stop();
      return metricsOf(recording, await finished);
    },
  };
}

/** Lets `load` run `seconds` more (less when `signal` aborts, which stops the load itself), then stops it: the metrics of its current recording. */
export async function stopAfter(load: RunningLoad, seconds: number, signal: AbortSignal | undefined): Promise<PhaseMetrics> {
  await delay(seconds * 1000, undefined, { signal }).catch(() => {});
  return load.stop();
}

/** Runs one closed-model phase of `durationSeconds` (less when its signal aborts) with autocannon and returns its metrics. */
export function runClosedPhase(phase: ClosedPhase): Promise<PhaseMetrics> {
  return stopAfter(startClosedLoad({ ...phase, maxSeconds: phase.durationSeconds + 30 }), phase.durationSeconds, phase.signal);
}
