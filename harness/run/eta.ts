import type { RunPlan } from '../plan/plan.ts';
import type { Scenario } from '../../scenarios/types.ts';

/** One store × scenario × payload of a run, for the estimate of the time left. */
export interface EtaUnit {
  scenario: string;
  /** Seconds its timed phases are planned to take; undefined when it is scripted (race) and has no planned length. */
  planned?: number;
  /** Seconds it really took, once done. */
  elapsed?: number;
  /** Skipped (no server): takes no time and teaches nothing. */
  skipped?: boolean;
}

/** Seconds of timed phases a scenario is planned to take on one store; undefined for scripted races. */
export function plannedSeconds(plan: Pick<RunPlan, 'warmupSeconds' | 'durationSeconds' | 'repeat'>, scenario: Scenario, prefill = 0): number | undefined {
  switch (scenario.kind) {
    case 'load':
      // Each repetition runs on a fresh app with its own warm-up (round-robin across stores);
      // after a prefill they run back to back on one app, warmed up once. The prefill itself is not planned.
      return prefill > 0 ? plan.warmupSeconds + plan.repeat * plan.durationSeconds : plan.repeat * (plan.warmupSeconds + plan.durationSeconds);
    case 'expiry':
      return Math.max(1, plan.warmupSeconds) + scenario.beforeSeconds + scenario.cleanupSeconds;
    case 'outage':
      return Math.max(1, plan.warmupSeconds) + scenario.beforeSeconds + scenario.outageSeconds + scenario.afterSeconds;
    case 'ttl':
      return scenario.waitMs / 1000;
    case 'race':
      return undefined;
  }
}

const mean = (values: number[]): number | undefined => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : undefined);

/**
 * Time left for the units not done yet. A unit whose scenario already ran on an
 * earlier store is expected to take as long as it did there (mean); otherwise its
 * planned seconds plus the mean overhead (app start, verification, probes) seen so
 * far. `atLeast` when a remaining unit could not be estimated (a race not run yet)
 * or no overhead has been seen yet: the figure is then a lower bound.
 */
export function estimateRemaining(units: EtaUnit[]): { seconds: number; atLeast: boolean } {
  const done = units.filter((unit) => unit.elapsed !== undefined && !unit.skipped);
  const overhead = mean(done.filter((unit) => unit.planned !== undefined).map((unit) => unit.elapsed! - unit.planned!));
  let seconds = 0;
  let atLeast = false;
  for (const unit of units) {
    if (unit.elapsed !== undefined || unit.skipped) continue;
    const seen = mean(done.filter((other) => other.scenario === unit.scenario).map((other) => other.elapsed!));
    if (seen !== undefined) seconds += seen;
    else if (unit.planned !== undefined) {
      seconds += unit.planned + Math.max(0, overhead ?? 0);
      if (overhead === undefined) atLeast = true;
    } else atLeast = true;
  }
  return { seconds, atLeast };
}
