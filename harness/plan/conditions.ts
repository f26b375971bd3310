import { UsageError } from '../errors.ts';
import { findToxiproxy, splitRtt, TOXIPROXY_INSTALL_HINT } from '../../stores/servers/network.ts';
import type { StoreNetworkSettings } from '../../stores/servers/network.ts';
import { requireK6 } from './k6-binary.ts';

/** Production conditions a run asks for: a network in front of the store (`--store-rtt`), latency at a stated rate (`--latency-at`). */

/** Largest round trip or jitter accepted, in ms. */
const MAX_MS = 10_000;

/**
 * "2ms", "1.5s" or a bare number of milliseconds, as whole milliseconds: Toxiproxy's latency toxic
 * delays each direction by whole milliseconds, so a fraction (0.5ms) is refused rather than rounded.
 */
export function parseMillis(flag: string, value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$/i.exec(value);
  if (!match) throw new UsageError(`${flag}: "${value}" is not a time; use e.g. ${flag} 2ms (whole milliseconds)`);
  const ms = Number(match[1]) * (match[2]?.toLowerCase() === 's' ? 1000 : 1);
  if (!Number.isInteger(ms)) {
    throw new UsageError(`${flag}: ${value} is not a whole number of milliseconds; Toxiproxy's latency toxic delays each direction by whole ms — use 0, 1ms, 2ms, …`);
  }
  if (ms > MAX_MS) throw new UsageError(`${flag}: ${value} is above the ${MAX_MS} ms allowed`);
  return ms;
}

/**
 * `--store-rtt` and `--store-jitter` as settings, with toxiproxy-server found (a missing one is bad input:
 * one line with the command that builds it). Undefined when no `--store-rtt` was given: the app then talks
 * to the store directly. `--store-rtt 0` puts the proxy in with no delay (the proxy's own cost, for comparison);
 * `--store-rtt 0,2ms` sweeps: every store and scenario is measured at each round trip, in that order.
 */
export function parseStoreNetwork(raw: { storeRtt?: string; storeJitter?: string }, env: NodeJS.ProcessEnv): StoreNetworkSettings | undefined {
  if (raw.storeRtt === undefined) {
    if (raw.storeJitter !== undefined) throw new UsageError('--store-jitter: applies with --store-rtt; e.g. --store-rtt 2ms --store-jitter 1ms');
    return undefined;
  }
  const values = raw.storeRtt.split(',').map((value) => value.trim());
  const rttsMs = values.map((value) => parseMillis('--store-rtt', value));
  if (new Set(rttsMs).size !== rttsMs.length) throw new UsageError(`--store-rtt: ${raw.storeRtt} names a round trip twice; give each once, e.g. --store-rtt 0,2ms`);
  const jitterMs = raw.storeJitter === undefined ? 0 : parseMillis('--store-jitter', raw.storeJitter);
  const rttMs = Math.min(...rttsMs);
  const { downstreamMs } = splitRtt(rttMs);
  if (jitterMs > downstreamMs) {
    throw new UsageError(`--store-jitter: ${jitterMs} ms is more than each direction's delay (${downstreamMs} ms of --store-rtt ${rttMs}ms); a delay cannot go below 0 — use at most --store-jitter ${downstreamMs}ms, or a longer --store-rtt`);
  }
  const binary = findToxiproxy(env);
  if (!binary) {
    const problem = env['TOXIPROXY_BIN'] ? `TOXIPROXY_BIN=${env['TOXIPROXY_BIN']} is not an executable file` : 'toxiproxy-server not found (TOXIPROXY_BIN, PATH, ~/.cache/sessionbench/bin)';
    throw new UsageError(`--store-rtt: ${problem}; ${TOXIPROXY_INSTALL_HINT}`);
  }
  return { rttsMs, jitterMs, binary };
}

/** `--latency-at`: a rate in req/s, or a share of the slowest store's saturated throughput. */
export type LatencyAtSettings = ({ basis: 'stated'; ratePerSecond: number } | { basis: 'share-of-slowest'; share: number }) & {
  /** The k6 binary that runs the open model. */
  binary: string;
};

/**
 * `--latency-at 500` (req/s) or `--latency-at 50%` (of the slowest store's median saturated throughput in
 * each load scenario). Needs the closed model (the default driver) to measure saturation and k6 for the open model.
 */
export function parseLatencyAt(raw: { latencyAt?: string; driver: string }, env: NodeJS.ProcessEnv): LatencyAtSettings | undefined {
  if (raw.latencyAt === undefined) return undefined;
  if (raw.driver !== 'autocannon') throw new UsageError('--latency-at: applies with the closed model (--driver autocannon), whose saturated throughput it is quoted beside; with --driver k6 every figure is already at --rate');
  const value = raw.latencyAt.trim();
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(value);
  if (percent) {
    const share = Number(percent[1]) / 100;
    if (share <= 0 || share > 1) throw new UsageError(`--latency-at: ${value} must be above 0% and at most 100% of the slowest store's saturated throughput, e.g. 50%`);
    return { basis: 'share-of-slowest', share, binary: latencyAtK6(env) };
  }
  const rate = Number(value);
  if (!/^\d+$/.test(value) || rate < 1 || rate > 1_000_000) throw new UsageError(`--latency-at: "${value}" is neither a rate in req/s (1 to 1000000) nor a share such as 50%`);
  return { basis: 'stated', ratePerSecond: rate, binary: latencyAtK6(env) };
}

function latencyAtK6(env: NodeJS.ProcessEnv): string {
  try {
    return requireK6(env);
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/^--driver k6/, '--latency-at (runs k6)'));
  }
}
