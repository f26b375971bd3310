import type { VirtualUser } from '../../harness/load/autocannon.ts';
import { measureLoad } from '../../harness/load/closed-model.ts';
import { createUserPool } from '../../harness/load/user-pool.ts';
import { usersAt } from '../../harness/plan/plan.ts';
import { SESSION_COOKIE } from '../../stores/express-session.ts';
import { measureOpenLoad } from '../../harness/load/open-model.ts';
import { measureSessionMemory } from '../../harness/probes/session-memory.ts';
import type { PhaseTicker, ScenarioRunner } from '../../harness/run/context.ts';
import type { LoadScenario } from './scenario.ts';

/**
 * Load on one app: warm-up, then the context's measured repetitions (the runner
 * passes one at a time, interleaved across stores, or all of them after a prefill): closed model (autocannon,
 * the same sessions throughout the app's life) or open model (k6 at a fixed rate).
 */
export const runLoadScenario: ScenarioRunner<LoadScenario> = async (context) => {
  const { plan, scenario, signal } = context;
  const app = await context.startApp();
  // Memory per session once per store and scenario, before its first repetition's warm-up; a store
  // with no server-side sessions (cookies, the baseline) has none to measure.
  const sessionMemory =
    plan.memorySessions > 0 && context.repetitions[0] === 0 && app.capabilities.serverSide && context.prefillSessions === 0
      ? await measureSessionMemory(app, plan.memorySessions, signal)
      : undefined;
  const connectionUsers: VirtualUser[] = [];
  // --users: the load spreads over that many users, the prefilled sessions first (the runner prefilled them for this app).
  const range = context.prefilledRange(app);
  const users = usersAt(plan.users, context.prefillSessions);
  const pool = users && !plan.k6 ? createUserPool({ ...users, ...(range ? { prefilled: { range, secret: plan.settings.secret } } : {}) }) : undefined;
  for (const [index, repetition] of context.repetitions.entries()) {
    if (signal.aborted) break;
    let ticker: PhaseTicker | undefined;
    const phases = {
      scenario,
      warmupSeconds: index === 0 ? plan.warmupSeconds : 0,
      durationSeconds: plan.durationSeconds,
      signal,
      serverPid: context.serverPid,
      onPhase: (phase: 'warm-up' | 'measured', seconds: number) => {
        ticker?.end();
        ticker = context.observer.phase({ store: context.store, scenario: scenario.id, repetition, phase, seconds });
      },
    };
    const measured = await (plan.k6
      ? measureOpenLoad(app, { ...phases, ...plan.k6, ...(users ? { users: { ...users, ...(range ? { prefilled: { ...range, secret: plan.settings.secret, cookieName: SESSION_COOKIE } } : {}) } } : {}) })
      : measureLoad(app, { ...phases, connections: plan.connections, users: connectionUsers, ...(pool ? { pool, loginsPerSecond: users?.loginsPerSecond } : {}) })
    ).finally(() => ticker?.end());
    const crashed = app.crashed();
    if (crashed) throw new Error(crashed);
    context.emit({ ...context.entryBase(app, repetition), status: 'ok', ...measured, ...(index === 0 && sessionMemory ? { sessionMemory } : {}) });
  }
};
