import { resolve } from 'node:path';
import { startAppChild } from '../app/child.ts';
import { startAppCluster } from '../app/cluster.ts';
import type { AppChild } from '../app/child.ts';
import { describeEnvironment } from '../plan/environment.ts';
import { describeError, oneSentence, RunError } from '../errors.ts';
import { loadModelFor, loadPlanStores, serverKindsOf } from '../plan/plan.ts';
import type { RunPlan } from '../plan/plan.ts';
import type { EntryBase, LoadModel, ResultEntry, RunResult } from '../../reports/result.ts';
import { SCHEMA_VERSION } from '../../reports/result.ts';
import { VerificationError, verifyStore } from '../probes/verify.ts';
import { checkPayloadLimit } from '../probes/payload-limit.ts';
import { EntryFailure, failureCauseOf } from './failure.ts';
import { runLoadScenario } from './load.ts';
import { runOutageScenario } from './outage.ts';
import { runRaceScenario } from './race.ts';
import { runTtlScenario } from './ttl.ts';
import type { RunObserver, ScenarioContext, ScenarioRunner } from './context.ts';
import type { Scenario } from '../../scenarios/types.ts';
import { storeDefinition, storeLabel } from '../../stores/index.ts';
import { provisionServer } from '../../stores/servers/provision.ts';
import type { ProvisionedServer } from '../../stores/servers/types.ts';
import type { AnyStoreId, CustomStoreId, ServerKind } from '../../stores/types.ts';


type ServerSlot = { server: ProvisionedServer } | { skipped: string } | { unreachable: string };

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The plan as recorded in the result. */
function planSummary(plan: RunPlan): RunResult['plan'] {
  return {
    stores: plan.stores,
    scenarios: plan.scenarios.map((s) => s.id),
    repeat: plan.repeat,
    warmupSeconds: plan.warmupSeconds,
    durationSeconds: plan.durationSeconds,
    connections: plan.connections,
    payloadBytes: plan.payloads,
    driver: plan.driver,
    ...(plan.k6 ? { ratePerSecond: plan.k6.ratePerSecond } : {}),
  };
}

async function provisionAll(plan: RunPlan, observer: RunObserver): Promise<Map<ServerKind, ServerSlot>> {
  const kinds = serverKindsOf(plan);
  const outcomes = await Promise.all(
    kinds.map(async (kind) => {
      try {
        const outcome = await provisionServer({ kind, url: plan.serverUrls[kind], log: observer.log });
        return [kind, outcome.status === 'ready' ? { server: outcome.server } : { skipped: outcome.reason }] as const;
      } catch (error) {
        // A server the user pointed at that does not answer is a failed run, never a quiet skip.
        return [kind, plan.serverUrls[kind] ? { unreachable: message(error) } : { skipped: message(error) }] as const;
      }
    }),
  );
  return new Map<ServerKind, ServerSlot>(outcomes);
}

/** A run under way: its eventual result, and what it has gathered so far. */
export interface BenchRun {
  done: Promise<RunResult>;
  /** The entries gathered so far as a result marked partial (for a shutdown that cannot wait). */
  snapshot(): RunResult;
}

/**
 * Runs the plan: provisions servers, then for each store and scenario boots a
 * fresh app child, verifies the store, and measures. Stops everything it
 * started, also when `signal` aborts (the result is then marked partial).
 */
export function startBench(plan: RunPlan, observer: RunObserver, signal: AbortSignal): BenchRun {
  const startedAt = new Date().toISOString();
  const entries: ResultEntry[] = [];
  const packages: Record<string, string> = {};
  const assemble = (partial: boolean): RunResult => ({
    schemaVersion: SCHEMA_VERSION,
    startedAt,
    finishedAt: new Date().toISOString(),
    partial,
    env: describeEnvironment(packages),
    plan: planSummary(plan),
    entries: [...entries],
  });
  const done = (async () => {
    await runStores(plan, observer, signal, entries, packages);
    return assemble(signal.aborted);
  })();
  return { done, snapshot: () => assemble(true) };
}

/** Runs the plan to the end and returns its result. */
export function runBench(plan: RunPlan, observer: RunObserver, signal: AbortSignal): Promise<RunResult> {
  return startBench(plan, observer, signal).done;
}

async function runStores(plan: RunPlan, observer: RunObserver, signal: AbortSignal, entries: ResultEntry[], packages: Record<string, string>): Promise<void> {
  await loadPlanStores(plan);
  const servers = await provisionAll(plan, observer);
  try {
    for (const slot of servers.values()) if ('unreachable' in slot) throw new RunError(slot.unreachable);
    for (const storeId of plan.stores) {
      const kind = storeDefinition(storeId).server;
      const slot = kind ? servers.get(kind) : undefined;
      if (plan.storesNamed && slot && 'skipped' in slot) {
        throw new RunError(`${storeId}: no ${kind} server available (${slot.skipped}); pass --${kind}-url or install the server`);
      }
    }
    for (const storeId of plan.stores) {
      if (signal.aborted) break;
      const kind = storeDefinition(storeId).server;
      const slot = kind ? servers.get(kind) : undefined;
      if (slot && 'skipped' in slot) {
        observer.log(`${storeId}: skipped — ${slot.skipped}`);
        for (const scenario of plan.scenarios) {
          for (const payloadBytes of plan.payloads) {
            entries.push({ ...base(plan, storeId, scenario, payloadBytes, 0, loadModelFor(plan, scenario)), status: 'skipped', cause: 'no-server', reason: slot.skipped });
          }
        }
        continue;
      }
      const server = slot && 'server' in slot ? slot.server : undefined;
      for (const scenario of plan.scenarios) {
        for (const payloadBytes of plan.payloads) {
          if (signal.aborted) break;
          await runStoreScenario({ plan, storeId, server, packages, observer, signal }, scenario, payloadBytes, (entry) => entries.push(entry));
        }
      }
    }
  } finally {
    await Promise.all([...servers.values()].map((slot) => ('server' in slot ? slot.server.stop() : undefined)));
  }
}

function base(plan: RunPlan, store: AnyStoreId, scenario: Scenario, payloadBytes: number, repetitionIndex: number, load: LoadModel): EntryBase {
  const storeOptions = plan.storeOptions[store];
  const { source } = storeDefinition(store);
  return {
    store,
    storeLabel: storeLabel(store, storeOptions),
    ...(source ? { storeSource: source } : {}),
    scenario: scenario.id,
    kind: scenario.kind,
    payloadBytes,
    repetition: repetitionIndex + 1,
    ...(storeOptions && Object.keys(storeOptions).length > 0 ? { storeOptions } : {}),
    load,
  };
}

/** A custom store's module as an absolute path, for the app child to load; undefined for a built-in store. */
function customModule(plan: RunPlan, storeId: AnyStoreId): string | undefined {
  const path = plan.customStores[storeId as CustomStoreId];
  return path === undefined ? undefined : resolve(path);
}

/** One store's share of a run: what every scenario on it needs. */
interface StoreRun {
  plan: RunPlan;
  storeId: AnyStoreId;
  server: ProvisionedServer | undefined;
  packages: Record<string, string>;
  observer: RunObserver;
  signal: AbortSignal;
}

const RUNNERS: { [K in Scenario['kind']]: ScenarioRunner<Extract<Scenario, { kind: K }>> } = {
  load: runLoadScenario,
  race: runRaceScenario,
  ttl: runTtlScenario,
  outage: runOutageScenario,
};

async function runStoreScenario(run: StoreRun, scenario: Scenario, payloadBytes: number, record: (entry: ResultEntry) => void): Promise<void> {
  const { plan, storeId, packages, observer, signal } = run;
  const load = loadModelFor(plan, scenario);
  const server = run.server?.handle;
  const apps: AppChild[] = [];
  let emitted = 0;
  const context: ScenarioContext = {
    plan,
    store: storeId,
    scenario,
    server,
    serverPid: run.server?.pid,
    payloadBytes,
    load,
    observer,
    signal,
    async startApp(settings) {
      const config = { store: storeId, storeModule: customModule(plan, storeId), settings: { ...plan.settings, ...settings }, server, storeOptions: plan.storeOptions[storeId], app: { payloadBytes, addedLatencyMs: plan.addedLatencyMs } };
      const cluster = plan.instances > 1 ? await startAppCluster(config, plan.instances) : undefined;
      const app = cluster ?? (await startAppChild(config));
      apps.push(app);
      Object.assign(packages, app.packages);
      const problem = await checkPayloadLimit(cluster?.instances[0] ?? app, payloadBytes);
      if (problem?.cause === 'payload-limit') throw new EntryFailure('payload-limit', problem.text);
      if (problem) throw new EntryFailure('verification', `verification failed: ${problem.text}`);
      await verifyStore(cluster?.instances[0] ?? app, storeId).catch((error: unknown) => {
        throw new EntryFailure('verification', error instanceof VerificationError ? error.message : `verification failed: ${message(error)}`);
      });
      return app;
    },
    entryBase: (app, repetitionIndex, variant) => ({
      ...base(plan, storeId, scenario, payloadBytes, repetitionIndex, load),
      storeLabel: app.label,
      ...(variant ? { variant } : {}),
      ...(plan.instances > 1 ? { instances: plan.instances } : {}),
      server: server?.info,
      capabilities: app.capabilities,
    }),
    emit(entry) {
      emitted += 1;
      record(entry);
    },
  };
  try {
    const runner = RUNNERS[scenario.kind] as ScenarioRunner;
    await runner(context);
  } catch (error) {
    if (signal.aborted) return;
    const crash = apps.map((app) => app.crashed()).find(Boolean);
    const reason = oneSentence(crash ?? describeError(error));
    observer.log(`${storeId}/${scenario.id}: failed — ${reason}`);
    record({ ...base(plan, storeId, scenario, payloadBytes, emitted, load), server: server?.info, status: 'failed', cause: failureCauseOf(error, Boolean(crash)), reason });
  } finally {
    await Promise.all(apps.map((app) => app.stop()));
  }
}
