import type { PrefillRange } from '../app/prefill-sessions.ts';
import type { AppChild } from '../app/child.ts';
import type { RunPlan } from '../plan/plan.ts';
import type { EntryBase, ResultEntry } from '../../contract/result.ts';
import type { LoadModel } from '../../contract/metrics.ts';
import type { Scenario } from '../../scenarios/index.ts';
import type { AnyStoreId } from '../../contract/vocabulary.ts';
import type { ServerHandle, SessionSettings } from '../../stores/types.ts';

/** A stretch of a run worth showing progress for. */
export interface PhaseStep {
  phase: 'provisioning' | 'warm-up' | 'measured' | 'bursts' | 'ttl wait' | 'outage';
  store?: AnyStoreId;
  scenario?: string;
  /** Zero-based repetition, for measured phases. */
  repetition?: number;
  /** What else names it: the servers being provisioned, a race's settings variant. */
  detail?: string;
  /** Planned length of a timed phase. */
  seconds?: number;
  /** Steps of a scripted phase (race bursts), reported through `advance`. */
  steps?: number;
}

/** One phase's progress; the observer stops showing it at `end()` (idempotent), or when the next phase starts. */
export interface PhaseTicker {
  /** `done` of the phase's `steps` are finished. */
  advance(done: number): void;
  end(): void;
}

/** Where the run stands as a store × scenario starts. */
export interface RunPosition {
  store: AnyStoreId;
  /** One-based index of the store among the plan's stores, and their count. */
  index: number;
  count: number;
  scenario: string;
  /** Estimated time left in the whole run; `atLeast` when part of it could not be estimated yet. */
  eta: { seconds: number; atLeast: boolean };
}

/** Where the runner reports what it is doing; the CLI decides how to show it. */
export interface RunObserver {
  log(line: string): void;
  position(where: RunPosition): void;
  phase(step: PhaseStep): PhaseTicker;
}

/** An observer that shows nothing (tests, library use). */
export const SILENT_OBSERVER: RunObserver = {
  log: () => {},
  position: () => {},
  phase: () => ({ advance: () => {}, end: () => {} }),
};

/** Everything a scenario runner needs for one store; apps it starts are verified and stopped for it. */
export interface ScenarioContext<S extends Scenario = Scenario> {
  plan: RunPlan;
  store: AnyStoreId;
  scenario: S;
  server?: ServerHandle;
  /** Process id of a local store server (for CPU), when sessionbench started it. */
  serverPid?: number;
  /**
   * Present for a local server sessionbench started: SIGKILL to its process tree, then the same server
   * started again on its data and port; resolves with the processes killed once it answers.
   */
  crashAndRestartServer?(): Promise<{ killed: number }>;
  /** Session payload size of this run, in bytes. */
  payloadBytes: number;
  /** Sessions this entry loads into the store before measuring (`--prefill`); 0 for none. */
  prefillSessions: number;
  load: LoadModel;
  observer: RunObserver;
  signal: AbortSignal;
  /**
   * The repetitions (0-based) this call runs. Load scenarios get one at a time, each on a
   * fresh app, so the runner can interleave them across stores; prefilled load runs and
   * other kinds get them all.
   */
  repetitions: readonly number[];
  /**
   * Boots, verifies and probes (the store's intrinsic latency, see `entryBase`) a fresh app for this store, with the plan's settings
   * overridden by `settings`; the runner stops it when the scenario ends.
   */
  startApp(settings?: Partial<SessionSettings>): Promise<AppChild>;
  /** The sessions prefilled for `app` (`--prefill`), which a `--users` load reads; undefined when none were. */
  prefilledRange(app: AppChild): PrefillRange | undefined;
  /** The fields every entry of this store × scenario shares, with the intrinsic latency of `app`'s store when it was probed. */
  entryBase(app: AppChild, repetitionIndex: number, variant?: string): EntryBase;
  /** Records an entry as soon as it is measured, so a later failure or Ctrl-C keeps it. */
  emit(entry: ResultEntry): void;
}

/** Runs one scenario on one store, emitting one entry per repetition/variant; a throw records a failure after them. */
export type ScenarioRunner<S extends Scenario = Scenario> = (context: ScenarioContext<S>) => Promise<void>;
