import type { SkippedEntry } from '../../contract/result.ts';
import type { ScenarioContext } from './context.ts';
import { prefills } from '../plan/plan.ts';
import { storeDefinition } from '../../stores/index.ts';

/**
 * A skipped entry for a scenario that does not apply to this store (e.g. the
 * `none` baseline keeps no sessions, so there is nothing to race or expire):
 * a zero there would read as "correct".
 */
export function skippedEntry(context: ScenarioContext, reason: string): SkippedEntry {
  return {
    store: context.store,
    storeLabel: storeDefinition(context.store).label,
    scenario: context.scenario.id,
    kind: context.scenario.kind,
    payloadBytes: context.payloadBytes,
    ...(prefills(context.plan) ? { prefilledSessions: context.prefillSessions } : {}),
    repetition: 1,
    load: context.load,
    status: 'skipped',
    cause: 'not-applicable',
    reason,
  };
}
