import type { AppChild } from '../app/child.ts';
import type { RunPlan } from '../plan/plan.ts';
import type { EntryBase, LoadModel, ResultEntry } from '../../reports/result.ts';
import type { Scenario } from '../../scenarios/types.ts';
import type { AnyStoreId, ServerHandle, SessionSettings } from '../../stores/types.ts';

/** Where the runner reports what it is doing; the CLI decides how to show it. */
export interface RunObserver {
  log(line: string): void;
  phase(step: { store: AnyStoreId; scenario: string; repetition: number; phase: 'warm-up' | 'measured'; seconds: number }): void;
}

/** Everything a scenario runner needs for one store; apps it starts are verified and stopped for it. */
export interface ScenarioContext<S extends Scenario = Scenario> {
  plan: RunPlan;
  store: AnyStoreId;
  scenario: S;
  server?: ServerHandle;
  /** Process id of a local store server (for CPU), when sessionbench started it. */
  serverPid?: number;
  /** Session payload size of this run, in bytes. */
  payloadBytes: number;
  load: LoadModel;
  observer: RunObserver;
  signal: AbortSignal;
  /**
   * Boots and verifies a fresh app for this store, with the plan's settings
   * overridden by `settings`; the runner stops it when the scenario ends.
   */
  startApp(settings?: Partial<SessionSettings>): Promise<AppChild>;
  /** The fields every entry of this store × scenario shares. */
  entryBase(app: AppChild, repetitionIndex: number, variant?: string): EntryBase;
  /** Records an entry as soon as it is measured, so a later failure or Ctrl-C keeps it. */
  emit(entry: ResultEntry): void;
}

/** Runs one scenario on one store, emitting one entry per repetition/variant; a throw records a failure after them. */
export type ScenarioRunner<S extends Scenario = Scenario> = (context: ScenarioContext<S>) => Promise<void>;
