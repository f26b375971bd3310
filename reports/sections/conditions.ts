import type { RunResult } from '../../contract/result.ts';
import type { StoreNetwork } from '../../contract/conditions.ts';

/** A 1-minute load average at the start of at least this share of the cores means other work was running. */
export const BUSY_LOAD_PER_CORE = 0.5;
/** Steal time (% of CPU time the hypervisor gave to other guests) from which numbers are unreliable. */
export const BUSY_STEAL_PERCENT = 5;

/**
 * Warnings about the conditions a run's numbers were taken in: a machine that was busy
 * before the run started or lost CPU to steal time, and warm-ups that hit their cap
 * before throughput settled. Empty when nothing is known to be wrong.
 */
export function conditionWarnings(result: RunResult): string[] {
  const warnings: string[] = [];
  const { machineLoad, cpu } = result.env;
  if (machineLoad) {
    const [oneMinute] = machineLoad.loadAverageStart;
    if (oneMinute >= BUSY_LOAD_PER_CORE * cpu.count) {
      warnings.push(`The machine was busy: load average ${oneMinute.toFixed(2)} on ${cpu.count} cores before the run started (${machineLoad.loadAverageEnd[0].toFixed(2)} at the end). Other work competed for the CPU; treat differences between stores with caution and rerun on a quiet machine.`);
    }
    if (machineLoad.stealPercent !== undefined && machineLoad.stealPercent >= BUSY_STEAL_PERCENT) {
      warnings.push(`The hypervisor took ${machineLoad.stealPercent.toFixed(1)}% of the CPU time (steal) during the run: numbers from a shared virtual machine drift with its neighbours.`);
    }
  }
  const warmups = result.entries.flatMap((entry) => (entry.status === 'ok' && entry.warmupControl ? [entry.warmupControl] : []));
  const unsettled = warmups.filter((warmup) => !warmup.settled);
  if (unsettled.length > 0) {
    const { capSeconds, windowsCompared, tolerance } = unsettled[0]!;
    warnings.push(
      `${unsettled.length} of ${warmups.length} warm-ups reached their ${capSeconds} s cap before throughput settled (${windowsCompared} consecutive seconds within ${Math.round(tolerance * 100)}%): those measurements may still include warm-up drift.`,
    );
  }
  return warnings;
}

/**
 * The production conditions the run put around its stores, one sentence each, from the entries' data:
 * the network between app and store server (`storeNetwork`) and the stated rates latency was measured at (`atRate`).
 * Empty when the run asked for neither.
 */
export function runConditions(result: RunResult): string[] {
  const ok = result.entries.filter((entry) => entry.status === 'ok');
  // Each network the entries recorded, in run order: one, or one per round trip of a sweep.
  const networks = [...new Map(ok.flatMap((entry) => (entry.storeNetwork ? [[JSON.stringify(entry.storeNetwork), entry.storeNetwork] as const] : []))).values()];
  const delays = (n: StoreNetwork) => `${n.upstreamMs} ms to the server, ${n.downstreamMs} ms back${n.jitterMs > 0 ? `, each ± ${n.jitterMs} ms` : ''}`;
  const lines =
    networks.length > 1
      ? [
          // A sweep (--store-rtt 0,2ms): one proxy, its delay changed between the round trips.
          `Store network: ${networks[0]!.proxy} between the app and its store server, every store and scenario measured at each round trip in turn: ${networks.map((n) => `${n.rttMs} ms (${delays(n)})`).join(', ')}; the verdict ranks at the first (--store-rtt ${networks.map((n) => n.rttMs).join(',')}ms).`,
        ]
      : networks.map((n) => `Store network: ${n.proxy} between the app and its store server added ${n.rttMs} ms to every round trip (${delays(n)}; --store-rtt ${n.rttMs}ms).`);
  const rates = new Map(
    ok.flatMap((entry) => (entry.atRate ? [[`${entry.scenario}/${entry.atRate.ratePerSecond}/${entry.storeRttMs}`, { scenario: entry.scenario, rate: entry.atRate, rttMs: networks.length > 1 ? entry.storeRttMs : undefined }] as const] : [])),
  );
  for (const { scenario, rate, rttMs } of rates.values()) {
    const how = rate.basis === 'stated' ? 'as stated' : `${Math.round(rate.share * 100)}% of the slowest store's median saturated throughput (${rate.slowestStore}, ${Math.round(rate.slowestThroughput)} req/s)`;
    lines.push(`Latency at a stated rate: ${scenario}${rttMs === undefined ? '' : ` with ${rttMs} ms to the store`} at ${rate.ratePerSecond} req/s, ${how}, open model (k6), every store on a fresh app (--latency-at).`);
  }
  return lines;
}
