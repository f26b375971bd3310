import type { ScenarioKind } from '../../contract/kinds.ts';
import type { Scenario, ScenarioOf } from '../../scenarios/index.ts';
import { runExpiryScenario } from '../../scenarios/expiry/run.ts';
import { runLoadScenario } from '../../scenarios/load/run.ts';
import { runOutageScenario } from '../../scenarios/outage/run.ts';
import { runRaceScenario } from '../../scenarios/race/run.ts';
import { runRestartScenario } from '../../scenarios/restart/run.ts';
import { runTtlScenario } from '../../scenarios/ttl/run.ts';
import type { ScenarioRunner } from './context.ts';

/** Each scenario kind's runner (scenarios/<kind>/run.ts): the compiler refuses a kind of contract/kinds.ts missing here. */
const RUNNERS: { [K in ScenarioKind]: ScenarioRunner<ScenarioOf<K>> } = {
  load: runLoadScenario,
  race: runRaceScenario,
  ttl: runTtlScenario,
  outage: runOutageScenario,
  expiry: runExpiryScenario,
  restart: runRestartScenario,
};

/** The runner of a scenario's kind. */
export function runnerOf(scenario: Scenario): ScenarioRunner {
  return RUNNERS[scenario.kind] as ScenarioRunner;
}
