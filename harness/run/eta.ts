/** One store × scenario × payload (× prefill count) of a run, for the estimate of the time left. */
export interface EtaUnit {
  /** Units with the same key are expected to take alike (the scenario, and the prefill count when there is one). */
  scenario: string;
  /** Seconds its timed phases are planned to take; undefined when it is scripted (race) and has no planned length. */
  planned?: number;
  /** Seconds it really took, once done. */
  elapsed?: number;
  /**
   * A unit run in rounds (round-robin load repetitions): the rounds done and left and the
   * seconds spent so far, so a unit part-way through is projected from its own rounds.
   */
  rounds?: { done: number; left: number; spent: number };
  /** Skipped (no server): takes no time and teaches nothing. */
  skipped?: boolean;
}

const mean = (values: number[]): number | undefined => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : undefined);

/** What a unit takes in all: its elapsed time once done, or projected from the rounds it has done. */
function projected(unit: EtaUnit): number | undefined {
  if (unit.elapsed !== undefined) return unit.elapsed;
  const rounds = unit.rounds;
  return rounds && rounds.done > 0 ? (rounds.spent / rounds.done) * (rounds.done + rounds.left) : undefined;
}

/**
 * Time left for the units not done yet. A unit part-way through its rounds takes what its own
 * rounds so far project. A unit not started whose scenario already ran (or is running) on another
 * store is expected to take as long as it did there (mean); otherwise its planned seconds plus the
 * mean overhead (app start, verification, probes, prefill) seen so far. `atLeast` when a remaining
 * unit could not be estimated (a race not run yet) or no overhead has been seen yet: the figure is
 * then a lower bound.
 */
export function estimateRemaining(units: EtaUnit[]): { seconds: number; atLeast: boolean } {
  const seen = units.filter((unit) => !unit.skipped && projected(unit) !== undefined);
  const overhead = mean(seen.filter((unit) => unit.planned !== undefined).map((unit) => projected(unit)! - unit.planned!));
  let seconds = 0;
  let atLeast = false;
  for (const unit of units) {
    if (unit.elapsed !== undefined || unit.skipped) continue;
    const own = projected(unit);
    if (own !== undefined) {
      seconds += Math.max(0, own - unit.rounds!.spent);
      continue;
    }
    const alike = mean(seen.filter((other) => other.scenario === unit.scenario).map((other) => projected(other)!));
    if (alike !== undefined) seconds += alike;
    else if (unit.planned !== undefined) {
      seconds += unit.planned + Math.max(0, overhead ?? 0);
      if (overhead === undefined) atLeast = true;
    } else atLeast = true;
  }
  return { seconds, atLeast };
}
