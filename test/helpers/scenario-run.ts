import { buildPlan } from '../../harness/plan/plan.ts';
import { benchOptions } from '../../harness/plan/options.ts';
import type { RawBenchOptions } from '../../harness/plan/options.ts';
import type { ResultEntry } from '../../contract/result.ts';
import { SILENT_OBSERVER } from '../../harness/run/context.ts';
import { runBench } from '../../harness/run/runner.ts';
import { defineScenario } from '../../scenarios/index.ts';
import type { StoreId } from '../../contract/vocabulary.ts';

/**
 * Runs one scenario (given as data) on `stores` through the real runner —
 * provisioning, app children, verification, teardown — with a hard time bound.
 */
export async function runScenario(stores: StoreId[], data: unknown, timeoutMs = 90_000, options: Partial<RawBenchOptions> = {}): Promise<ResultEntry[]> {
  const raw = benchOptions({ store: stores.join(','), repeat: '1', duration: '1', warmup: '0', connections: '1', payload: '512', out: 'unused', probeOps: '50', ...options });
  const plan = buildPlan(raw, {});
  plan.scenarios = [defineScenario(data)];
  const signal = AbortSignal.timeout(timeoutMs);
  const result = await runBench(plan, SILENT_OBSERVER, signal);
  if (result.partial) throw new Error(`the run did not finish within ${timeoutMs} ms`);
  return result.entries;
}

/** The entry of `store` (and `variant`, when given). */
export function entryOf(entries: ResultEntry[], store: StoreId, variant?: string): ResultEntry {
  const entry = entries.find((e) => e.store === store && (variant === undefined || e.variant === variant));
  if (!entry) throw new Error(`no entry for ${store}${variant ? ` ${variant}` : ''} in ${JSON.stringify(entries.map((e) => [e.store, e.variant, e.status]))}`);
  return entry;
}
