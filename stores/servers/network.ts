import { setTimeout as delay } from 'node:timers/promises';
import type { StoreNetwork } from '../../contract/conditions.ts';
import type { ServerKind } from '../../contract/vocabulary.ts';
import { findTool } from './binaries.ts';
import { serverKind } from './kinds/index.ts';
import { freePort, startProcess } from './process.ts';
import type { ServerProcess } from './process.ts';

/**
 * A network between the app and its store servers (`--store-rtt`), made by Toxiproxy
 * (github.com/Shopify/toxiproxy): one toxiproxy-server per run, started and stopped like a store
 * server, one TCP proxy per store server, each with a latency toxic on both directions.
 */

/** What `--store-rtt` and `--store-jitter` asked for, and the binary that makes it. */
export interface StoreNetworkSettings {
  /**
   * Round-trip times to add, in whole ms (Toxiproxy's latency toxic counts whole milliseconds per
   * direction), in the order given: one for a plain run, several for a sweep (`--store-rtt 0,2ms`),
   * whose first is the one the verdict ranks on.
   */
  rttsMs: number[];
  /** ± variation of each direction's delay, in whole ms. */
  jitterMs: number;
  /** The toxiproxy-server binary. */
  binary: string;
}

/** How to get toxiproxy-server when it is missing. */
export const TOXIPROXY_INSTALL_HINT =
  'build it with .ci/build-toxiproxy.sh (cached in ~/.cache/sessionbench/bin) or `GOFLAGS=-mod=mod go install github.com/Shopify/toxiproxy/v2/cmd/server@v2.5.0` and set TOXIPROXY_BIN to it';

/** toxiproxy-server: `TOXIPROXY_BIN` when set, else on PATH, else the newest `toxiproxy-server-v*` in the sessionbench cache. */
export function findToxiproxy(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findTool('toxiproxy-server', 'TOXIPROXY_BIN', env);
}

/**
 * The round trip split over the two directions in whole milliseconds, as Toxiproxy's latency
 * toxic takes them: the odd millisecond goes upstream (a request–response exchange pays both).
 */
export function splitRtt(rttMs: number): { upstreamMs: number; downstreamMs: number } {
  const downstreamMs = Math.floor(rttMs / 2);
  return { upstreamMs: rttMs - downstreamMs, downstreamMs };
}

/** A running network: route a server through it, and what every entry records about it. */
export interface RunningStoreNetwork {
  /** What entries measured now record: the proxy and the round trip it adds at the moment. */
  readonly record: StoreNetwork;
  /** The toxiproxy-server process (for tests: gone after `stop`). */
  pid: number;
  /** Creates a proxy to the server at `connectUrl` and returns the same URL pointing at the proxy. */
  route(kind: ServerKind, connectUrl: string): Promise<string>;
  /** Sets every proxy's added round trip to `rttMs` (a sweep's next value); connections stay open. */
  setRtt(rttMs: number): Promise<void>;
  /** Stops toxiproxy-server; idempotent. */
  stop(): Promise<void>;
}

/** `connectUrl`'s host:port (the kind's default port when it names none); throws for a URL without one host (a MongoDB seed list). */
export function upstreamOf(kind: ServerKind, connectUrl: string): { url: URL; hostPort: string } {
  let url: URL;
  try {
    url = new URL(connectUrl);
  } catch {
    throw new Error(`${kind}: --store-rtt needs a URL with one host:port, not ${connectUrl.replace(/\/\/[^@/]*@/, '//***@')}`);
  }
  if (!url.hostname) throw new Error(`${kind}: --store-rtt needs a URL with one host:port`);
  return { url, hostPort: `${url.hostname}:${url.port || serverKind(kind).docker.port}` };
}

/** Calls Toxiproxy's HTTP API (GET without a body, POST with one, or DELETE); resolves with the response body as text (JSON, except /version's plain version). */
async function api(base: string, path: string, body?: unknown, method: 'GET' | 'POST' | 'DELETE' = body === undefined ? 'GET' : 'POST'): Promise<string> {
  const response = await fetch(`${base}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    signal: AbortSignal.timeout(5000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`Toxiproxy ${method} ${path}: HTTP ${response.status} ${text.trim().slice(0, 200)}`);
  return text;
}

async function waitForApi(base: string, child: ServerProcess, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let exit: string | undefined;
  void child.exited.then((how) => (exit = how));
  let lastError: unknown;
  while (Date.now() < deadline && exit === undefined) {
    try {
      return (await api(base, '/version')).trim();
    } catch (error) {
      lastError = error;
      await delay(50);
    }
  }
  const tail = child.output().trim().split('\n').slice(-3).join(' ').slice(-300);
  throw new Error(`toxiproxy-server not ready: ${exit !== undefined ? `the process ended (${exit})` : `no answer within ${timeoutMs} ms (${(lastError as Error | undefined)?.message ?? ''})`}${tail ? `; its last output: ${tail}` : ''}`);
}

/** Starts toxiproxy-server on a free local port, tracked and guarded like a store server, and waits for its API. */
export async function startStoreNetwork(settings: StoreNetworkSettings): Promise<RunningStoreNetwork> {
  const port = await freePort();
  const child = startProcess({ command: settings.binary, args: ['-host', '127.0.0.1', '-port', String(port)], killAfterMs: 2000 });
  const base = `http://127.0.0.1:${port}`;
  let version: string;
  try {
    version = await waitForApi(base, child);
  } catch (error) {
    await child.stop();
    throw error;
  }
  const proxy = `Toxiproxy ${version}`;
  const recordAt = (rttMs: number): StoreNetwork => ({ proxy, rttMs, ...splitRtt(rttMs), jitterMs: settings.jitterMs });
  let record = recordAt(settings.rttsMs[0]!);
  const proxies: string[] = [];
  /** The latency toxics of `record` on one proxy: one per direction with a delay (a 0 ms direction has none). */
  const addToxics = async (name: string) => {
    for (const [stream, latency] of [['upstream', record.upstreamMs], ['downstream', record.downstreamMs]] as const) {
      if (latency === 0) continue; // the plan keeps jitter within the smaller direction's delay
      await api(base, `/proxies/${name}/toxics`, { name: `latency-${stream}`, type: 'latency', stream, toxicity: 1, attributes: { latency, jitter: settings.jitterMs } });
    }
  };
  return {
    get record() {
      return record;
    },
    pid: child.pid,
    async route(kind, connectUrl) {
      const { url, hostPort } = upstreamOf(kind, connectUrl);
      const name = `${kind}-${proxies.length + 1}`;
      const created = JSON.parse(await api(base, '/proxies', { name, listen: '127.0.0.1:0', upstream: hostPort, enabled: true })) as { listen: string };
      proxies.push(name);
      await addToxics(name);
      const listen = new URL(`tcp://${created.listen}`);
      url.hostname = listen.hostname;
      url.port = listen.port;
      return url.href;
    },
    async setRtt(rttMs) {
      if (rttMs === record.rttMs) return;
      for (const name of proxies) {
        const toxics = JSON.parse(await api(base, `/proxies/${name}/toxics`)) as Array<{ name: string }>;
        for (const toxic of toxics) await api(base, `/proxies/${name}/toxics/${toxic.name}`, undefined, 'DELETE');
      }
      record = recordAt(rttMs);
      for (const name of proxies) await addToxics(name);
    },
    stop: () => child.stop(),
  };
}
