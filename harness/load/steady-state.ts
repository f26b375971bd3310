import type { Timeline } from './timeline.ts';

/** When a warm-up counts as settled: the last `windows` full 1 s windows agree within `tolerance`. */
export interface SteadyStateRule {
  /** Largest (max − min) / mean allowed among the windows compared. */
  tolerance: number;
  /** How many consecutive windows must agree. */
  windows: number;
}

/** Three consecutive seconds within 10% of each other. */
export const STEADY_STATE: SteadyStateRule = { tolerance: 0.1, windows: 3 };

/** Whether the last `rule.windows` throughput windows agree within `rule.tolerance` (and carried traffic at all). */
export function isSteady(windows: readonly number[], rule: SteadyStateRule = STEADY_STATE): boolean {
  if (windows.length < rule.windows) return false;
  const last = windows.slice(-rule.windows);
  const mean = last.reduce((sum, value) => sum + value, 0) / last.length;
  return mean > 0 && (Math.max(...last) - Math.min(...last)) / mean <= rule.tolerance;
}

/** Completed requests (any status) in each full second of a timeline so far; a second with none is 0. */
export function fullWindows(timeline: Timeline): number[] {
  const rows = timeline.rows();
  return Array.from({ length: Math.floor(timeline.elapsedMs() / 1000) }, (_, second) => (rows[second] ? rows[second].ok + rows[second].non2xx : 0));
}
