import type { VirtualUser } from '../load/autocannon.ts';
import { measureLoad } from '../load/closed-model.ts';
import { measureOpenLoad } from '../load/open-model.ts';
import type { ScenarioRunner } from './context.ts';
import type { LoadScenario } from '../../scenarios/types.ts';

/**
 * Load on one app, warm-up once, then `repeat` measured repetitions: closed model
 * (autocannon, the same sessions throughout) or open model (k6 at a fixed rate).
 */
export const runLoadScenario: ScenarioRunner<LoadScenario> = async (context) => {
  const { plan, scenario, signal } = context;
  const app = await context.startApp();
  const users: VirtualUser[] = [];
  for (let repetition = 0; repetition < plan.repeat && !signal.aborted; repetition++) {
    const phases = {
      scenario,
      warmupSeconds: repetition === 0 ? plan.warmupSeconds : 0,
      durationSeconds: plan.durationSeconds,
      signal,
      serverPid: context.serverPid,
      onPhase: (phase: 'warm-up' | 'measured', seconds: number) => context.observer.phase({ store: context.store, scenario: scenario.id, repetition, phase, seconds }),
    };
    const measured = plan.k6
      ? await measureOpenLoad(app, { ...phases, ...plan.k6 })
      : await measureLoad(app, { ...phases, connections: plan.connections, users });
    const crashed = app.crashed();
    if (crashed) throw new Error(crashed);
    context.emit({ ...context.entryBase(app, repetition), status: 'ok', ...measured });
  }
};
