import type { VirtualUser } from './drivers/autocannon.ts';
import { measureLoad } from './measure-load.ts';
import type { ResultEntry } from './result.ts';
import type { ScenarioRunner } from './scenario-context.ts';
import type { LoadScenario } from '../scenarios/types.ts';

/** Closed-model load: one app, warm-up once, then `repeat` measured repetitions on the same sessions. */
export const runLoadScenario: ScenarioRunner<LoadScenario> = async (context) => {
  const { plan, scenario, signal } = context;
  const app = await context.startApp();
  const users: VirtualUser[] = [];
  const entries: ResultEntry[] = [];
  for (let repetition = 0; repetition < plan.repeat && !signal.aborted; repetition++) {
    const measured = await measureLoad(app, {
      scenario,
      connections: plan.connections,
      warmupSeconds: repetition === 0 ? plan.warmupSeconds : 0,
      durationSeconds: plan.durationSeconds,
      users,
      signal,
      serverPid: context.serverPid,
      onPhase: (phase, seconds) => context.observer.phase({ store: context.store, scenario: scenario.id, repetition, phase, seconds }),
    });
    const crashed = app.crashed();
    if (crashed) throw new Error(crashed);
    entries.push({ ...context.entryBase(app, repetition), status: 'ok', ...measured });
  }
  return entries;
};
