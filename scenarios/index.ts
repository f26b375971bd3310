import { z } from 'zod';
import type { ScenarioKind } from '../contract/kinds.ts';
import type { LoadModel } from '../contract/metrics.ts';
import type { RunLoad, RunTiming, ScenarioKindDefinition } from './common.ts';
import { EXPIRY_KIND, expiryScenarioSchema } from './expiry/scenario.ts';
import { LOAD_KIND, loadScenarioSchema } from './load/scenario.ts';
import { OUTAGE_KIND, outageScenarioSchema } from './outage/scenario.ts';
import { RACE_KIND, raceScenarioSchema } from './race/scenario.ts';
import { RESTART_KIND, restartScenarioSchema } from './restart/scenario.ts';
import { TTL_KIND, ttlScenarioSchema } from './ttl/scenario.ts';

/** Every scenario kind, told apart by `kind`. */
export const scenarioSchema = z.discriminatedUnion('kind', [loadScenarioSchema, raceScenarioSchema, ttlScenarioSchema, outageScenarioSchema, expiryScenarioSchema, restartScenarioSchema]);

/** A workload as plain, validated data: it knows no store. */
export type Scenario = z.infer<typeof scenarioSchema>;
/** The scenario of one kind. */
export type ScenarioOf<K extends ScenarioKind> = Extract<Scenario, { kind: K }>;

/** The scenario kinds' definitions (scenarios/<kind>/scenario.ts): the compiler refuses a kind of contract/kinds.ts missing here. */
const KIND_DEFINITIONS: { [K in ScenarioKind]: ScenarioKindDefinition<ScenarioOf<K>> } = {
  load: LOAD_KIND,
  race: RACE_KIND,
  ttl: TTL_KIND,
  outage: OUTAGE_KIND,
  expiry: EXPIRY_KIND,
  restart: RESTART_KIND,
};

function definitionOf<S extends Scenario>(scenario: S): ScenarioKindDefinition<S> {
  return KIND_DEFINITIONS[scenario.kind] as unknown as ScenarioKindDefinition<S>;
}

/** Thrown when scenario data is invalid; `problems` lists every problem at once. */
export class ScenarioError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid scenario: ${problems.join('; ')}`);
  }
}

/** Validates scenario data, reporting every problem at once. */
export function defineScenario(data: unknown): Scenario {
  const parsed = scenarioSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  throw new ScenarioError(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
}

/** Every built-in scenario, by id, validated at load time, in the order of the kinds. */
export const SCENARIOS: Record<string, Scenario> = Object.fromEntries(
  Object.values(KIND_DEFINITIONS)
    .flatMap((kind) => kind.builtIns)
    .map((data) => {
      const scenario = defineScenario(data);
      return [scenario.id, scenario];
    }),
);

/**
 * The scenarios run when none is named: load to rank speed, and the correctness check that tells
 * stores apart (a write among parallel reads under resave=false, then the logout probe).
 */
export const DEFAULT_SCENARIOS = ['read-heavy', 'race-one-write'];

/** Seconds of timed phases a scenario is planned to take on one store; undefined for scripted races. */
export function plannedSeconds(timing: RunTiming, scenario: Scenario, prefill = 0): number | undefined {
  return definitionOf(scenario).plannedSeconds(timing, scenario, prefill);
}

/** The load model that really produces a scenario's numbers (the run's driver, or the harness's own scripted requests). */
export function loadModelFor(load: RunLoad, scenario: Scenario): LoadModel {
  return definitionOf(scenario).loadModel(load, scenario);
}
