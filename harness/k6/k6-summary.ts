import { UsageError } from '../errors.ts';
import { K6_COUNTERS, K6_KIND, arrivalsScenario } from './k6-script.ts';
import type { K6Phase } from './k6-script.ts';
import type { LatencySummary, LoadModel, PhaseMetrics } from '../../contract/metrics.ts';
import type { LoadObservations } from '../../scenarios/load/observations.ts';
import type { OkEntry } from '../../contract/result.ts';
import type { StoreId } from '../../contract/vocabulary.ts';

/** One phase of a k6 run as its summary tells it. */
export interface K6PhaseSummary {
  /**
   * The scenario's own requests (`kind:work`), logins left out: latency from k6's
   * trend stats (ms floats → µs); `histogram` is '' because a summary holds no histogram.
   */
  metrics: PhaseMetrics;
  iterations: number;
  droppedIterations: number;
  /** Logins in the phase (session set-up of VUs new to the k6 process; every request of a per-request scenario). */
  logins: number;
  /** False for a summary of a script without the `kind` tag (older exports): its figures include the logins. */
  loginsExcluded: boolean;
  /** New users (`--login-rate`) beside the phase: logins attempted, arrivals k6 dropped (no VU free), logins that failed. */
  arrivals?: { logins: number; dropped: number; failed: number };
}

/** What the summary itself does not say about the run it came from. */
export interface K6SummaryMeta {
  store: StoreId;
  storeLabel?: string;
  scenario: string;
  /** Target request rate the script ran at. */
  ratePerSecond: number;
  /** Length of the measured phase (the script's "measured" scenario). */
  durationSeconds: number;
  /** Length of the warm-up phase; without it the warm-up is left out (its rate cannot be told). */
  warmupSeconds?: number;
  repetition?: number;
}

type Values = Record<string, number>;

function metricValues(summary: unknown, name: string): Values | undefined {
  const metrics = (summary as { metrics?: Record<string, unknown> } | null)?.metrics;
  const metric = metrics?.[name] as (Values & { values?: Values }) | undefined;
  if (!metric || typeof metric !== 'object') return undefined;
  return metric.values ?? metric;
}

const us = (ms: number | undefined) => Math.round((ms ?? 0) * 1000);

function latency(values: Values | undefined, count: number): LatencySummary {
  return {
    min: us(values?.min),
    mean: us(values?.avg),
    p50: us(values?.med),
    p90: us(values?.['p(90)']),
    p99: us(values?.['p(99)']),
    p999: us(values?.['p(99.9)']),
    max: us(values?.max),
    count,
  };
}

/** True when `summary` looks like k6's summary JSON (`--summary-export` or handleSummary's data). */
export function isK6Summary(summary: unknown): boolean {
  return metricValues(summary, 'http_reqs') !== undefined || metricValues(summary, 'iterations') !== undefined;
}

/**
 * Reads one phase (a k6 scenario named "warmup" or "measured", as generated
 * scripts name them) from a k6 summary, in either of k6's JSON shapes.
 * Undefined when the summary has no such phase.
 */
export function readK6Phase(summary: unknown, phase: K6Phase, durationSeconds: number): K6PhaseSummary | undefined {
  const work = `scenario:${phase},${K6_KIND.tag}:${K6_KIND.work}`;
  const loginsExcluded = metricValues(summary, `http_reqs{${work}}`) !== undefined;
  // Older exported scripts have no kind tag: their per-phase figures (logins included) are all there is.
  const filter = loginsExcluded ? work : `scenario:${phase}`;
  const workCount = (metric: string) => metricValues(summary, `${metric}{${filter}}`)?.count;
  const phaseCount = (metric: string) => metricValues(summary, `${metric}{scenario:${phase}}`)?.count;
  const requests = workCount('http_reqs');
  if (requests === undefined) return undefined;
  const arrivalCount = (metric: string) => metricValues(summary, `${metric}{scenario:${arrivalsScenario(phase)}}`)?.count;
  const arrivalLogins = arrivalCount(K6_COUNTERS.logins);
  const arrivals =
    arrivalLogins === undefined
      ? undefined
      : { logins: arrivalLogins, dropped: arrivalCount('dropped_iterations') ?? 0, failed: (arrivalCount(K6_COUNTERS.errors) ?? 0) + (arrivalCount(K6_COUNTERS.timeouts) ?? 0) + (arrivalCount(K6_COUNTERS.non2xx) ?? 0) };
  return {
    metrics: {
      durationSeconds,
      requests,
      throughput: requests / durationSeconds,
      latencyUs: latency(metricValues(summary, `http_req_duration{${filter}}`), requests),
      histogram: '',
      errors: workCount(K6_COUNTERS.errors) ?? 0,
      non2xx: workCount(K6_COUNTERS.non2xx) ?? 0,
      timeouts: workCount(K6_COUNTERS.timeouts) ?? 0,
    },
    iterations: phaseCount('iterations') ?? 0,
    droppedIterations: phaseCount('dropped_iterations') ?? 0,
    // Logins of the phase's own VUs, and of the new users arriving beside it (--login-rate).
    logins: (phaseCount(K6_COUNTERS.logins) ?? 0) + (arrivals?.logins ?? 0),
    loginsExcluded,
    ...(arrivals ? { arrivals } : {}),
  };
}

/** The open-model facts of a measured phase: the load model, observations, and the note when the target rate was not met. */
export function openModelFindings(
  measured: K6PhaseSummary,
  ratePerSecond: number,
): { load: LoadModel; observations: LoadObservations; notes: string[] } {
  const { droppedIterations } = measured;
  const attempted = measured.iterations + droppedIterations;
  const achieved = measured.metrics.throughput;
  const notes: string[] = [];
  if (droppedIterations > 0) {
    const share = ((100 * droppedIterations) / Math.max(1, attempted)).toFixed(1);
    notes.push(
      `target rate not met: k6 dropped ${droppedIterations} of ${attempted} iterations (${share}%); achieved ${achieved.toFixed(1)} of ${ratePerSecond} req/s — the app or the VU pool could not keep up, so latency is that of an overloaded system`,
    );
  }
  const arrivals = measured.arrivals;
  if (arrivals && (arrivals.dropped > 0 || arrivals.failed > 0)) {
    notes.push(
      `new users (--login-rate): ${arrivals.logins} logged in or tried, k6 dropped ${arrivals.dropped} arrivals (no VU free) and ${arrivals.failed} logins failed (errors, timeouts, non-2xx), so fewer new sessions were written than the rate asks`,
    );
  }
  return {
    load: { driver: 'k6', model: 'open', ratePerSecond, droppedIterations },
    observations: { kind: 'load', droppedIterations, targetRate: ratePerSecond, achievedRate: Math.round(achieved * 100) / 100, logins: measured.logins },
    notes,
  };
}

/**
 * Turns a k6 summary JSON (from a script made by `sessionbench export k6`, run
 * anywhere) into an ok entry. Latency percentiles are k6's own; there is no HDR
 * histogram (`histogram` is ''), which a note says. Throws UsageError when the
 * document is not such a summary.
 */
export function k6SummaryToEntry(summary: unknown, meta: K6SummaryMeta): OkEntry {
  if (!isK6Summary(summary)) throw new UsageError('--k6-summary: not a k6 summary JSON (write one with k6 run --summary-export <file>)');
  const measured = readK6Phase(summary, 'measured', meta.durationSeconds);
  if (!measured) {
    throw new UsageError('--k6-summary: no "measured" phase in this summary; it must come from a script made by sessionbench export k6');
  }
  const warmup = meta.warmupSeconds ? readK6Phase(summary, 'warmup', meta.warmupSeconds) : undefined;
  const findings = openModelFindings(measured, meta.ratePerSecond);
  return {
    store: meta.store,
    storeLabel: meta.storeLabel ?? meta.store,
    scenario: meta.scenario,
    kind: 'load',
    repetition: meta.repetition ?? 1,
    load: findings.load,
    status: 'ok',
    ...(warmup ? { warmup: warmup.metrics } : {}),
    measured: measured.metrics,
    observations: findings.observations,
    notes: [
      ...findings.notes,
      'imported from a k6 summary: latency percentiles are k6\'s own, with no HDR histogram (cannot be merged with other runs)',
      ...(measured.loginsExcluded ? [] : ['the script tags no request kind (exported by an older sessionbench): its requests and latency include the VUs\' logins']),
    ],
  };
}
