import { resolve } from 'node:path';
import { placeHarness } from './cpu-placement.ts';
import { startAppChild } from '../app/child.ts';
import { startAppCluster } from '../app/cluster.ts';
import type { AppChild } from '../app/child.ts';
import { describeEnvironment } from '../plan/environment.ts';
import { describeError, oneSentence, RunError } from '../errors.ts';
import { watchMachineLoad } from '../plan/machine-load.ts';
import { loadPlanStores, prefills, runLoadOf, serverKindsOf } from '../plan/plan.ts';
import type { RunPlan } from '../plan/plan.ts';
import type { EntryBase, ResultEntry, RunResult } from '../../contract/result.ts';
import type { LoadModel, StoreOpLatency } from '../../contract/metrics.ts';
import { SCHEMA_VERSION } from '../../contract/result.ts';
import { formatCount } from '../../reports/figures/format.ts';
import { VerificationError, verifyStore } from '../probes/verify.ts';
import { checkPayloadLimit } from '../probes/payload-limit.ts';
import { EntryFailure, failureCauseOf } from './failure.ts';
import { PrefillUnsupported, prefillStore, removePrefilled } from './prefill.ts';
import type { PrefillDone } from './prefill.ts';
import type { RunObserver, ScenarioContext } from './context.ts';
import { estimateRemaining } from './eta.ts';
import { runnerOf } from './kinds.ts';
import type { EtaUnit } from './eta.ts';
import { loadModelFor, plannedSeconds } from '../../scenarios/index.ts';
import type { Scenario } from '../../scenarios/index.ts';
import { storeDefinition, storeLabel } from '../../stores/index.ts';
import { missingPackages, notInstalled } from '../../stores/store-packages.ts';
import { provisionServer } from '../../stores/servers/provision.ts';
import { startStoreNetwork } from '../../stores/servers/network.ts';
import type { RunningStoreNetwork } from '../../stores/servers/network.ts';
import type { ProvisionedServer } from '../../stores/servers/types.ts';
import type { AnyStoreId, CustomStoreId, ServerKind, MitigationId } from '../../contract/vocabulary.ts';
import { MITIGATIONS } from '../app/mitigations/index.ts';
import type { ServerHandle, SessionSettings } from '../../stores/types.ts';
import { storeNamespace } from '../../stores/namespace.ts';
import { admitServer, cleanServer, watchEvictions } from './shared-server.ts';
import { atRatePlan, chooseRate } from './at-rate.ts';


type ServerSlot = { server: ProvisionedServer } | { skipped: string; fix?: string } | { unreachable: string };

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}


/** The plan as recorded in the result. */
function planSummary(plan: RunPlan): RunResult['plan'] {
  return {
    stores: plan.stores,
    scenarios: plan.scenarios.map((s) => s.id),
    repeat: plan.repeat,
    ...(plan.repeatAuto ? { repeatAuto: true as const } : {}),
    warmupSeconds: plan.warmupSeconds,
    durationSeconds: plan.durationSeconds,
    connections: plan.connections,
    payloadBytes: plan.payloads,
    ...(prefills(plan) ? { prefill: plan.prefill } : {}),
    driver: plan.driver,
    ...(plan.k6 ? { ratePerSecond: plan.k6.ratePerSecond } : {}),
    warmupCapSeconds: plan.warmupCapSeconds,
    probeOperations: plan.probeOperations,
    memorySessions: plan.memorySessions,
  };
}

async function provisionAll(plan: RunPlan, observer: RunObserver): Promise<Map<ServerKind, ServerSlot>> {
  const kinds = serverKindsOf(plan);
  const ticker = kinds.length ? observer.phase({ phase: 'provisioning', detail: kinds.join(', ') }) : undefined;
  const outcomes = await Promise.all(
    kinds.map(async (kind) => {
      try {
        const outcome = await provisionServer({ kind, url: plan.serverUrls[kind], namespace: plan.namespace, log: observer.log, options: plan.serverOptions?.[kind] });
        return [kind, outcome.status === 'ready' ? { server: outcome.server } : { skipped: outcome.reason, fix: outcome.fix }] as const;
      } catch (error) {
        // A server the user pointed at that does not answer is a failed run, never a quiet skip.
        return [kind, plan.serverUrls[kind] ? { unreachable: message(error) } : { skipped: message(error) }] as const;
      }
    }),
  ).finally(() => ticker?.end());
  return new Map<ServerKind, ServerSlot>(outcomes);
}

/**
 * With `--store-rtt`: starts Toxiproxy and routes every provisioned server through a proxy of its own,
 * so the apps (and every probe) reach it across the network. Returns the network to stop after the servers.
 */
async function routeThroughNetwork(plan: RunPlan, servers: Map<ServerKind, ServerSlot>, observer: RunObserver): Promise<RunningStoreNetwork | undefined> {
  const ready = [...servers.values()].flatMap((slot) => ('server' in slot ? [slot.server] : []));
  if (!plan.storeNetwork || ready.length === 0) return undefined;
  const network = await startStoreNetwork(plan.storeNetwork);
  try {
    for (const server of ready) {
      const { handle } = server;
      handle.connectUrl = await network.route(handle.info.kind, handle.connectUrl);
      handle.network = network.record;
    }
  } catch (error) {
    await network.stop();
    throw error;
  }
  const { rttMs, upstreamMs, downstreamMs, jitterMs, proxy } = network.record;
  const sweep = plan.storeNetwork.rttsMs.length > 1 ? ` (then ${plan.storeNetwork.rttsMs.slice(1).join(', ')} ms, every store and scenario at each)` : '';
  observer.log(`store network: ${proxy} (pid ${network.pid}) adds ${rttMs} ms round trip (${upstreamMs} ms to the server, ${downstreamMs} ms back${jitterMs ? `, ± ${jitterMs} ms jitter each way` : ''})${sweep} in front of ${ready.map((s) => s.handle.info.kind).join(', ')}`);
  return network;
}

/** A run under way: its eventual result, and what it has gathered so far. */
export interface BenchRun {
  done: Promise<RunResult>;
  /** The entries gathered so far as a result marked partial (for a shutdown that cannot wait). */
  snapshot(): RunResult;
  /** Removes sessionbench's namespace from every server given by URL (for a shutdown that cannot wait for the run's own cleanup). */
  cleanUp(): Promise<void>;
}

/**
 * Runs the plan: provisions servers, then for each scenario boots a fresh app
 * per store, verifies the store, probes it alone and measures. Load scenarios
 * run their repetitions round-robin across stores (each on a fresh app) so that
 * drift and background noise spread evenly. Stops everything it started, also
 * when `signal` aborts (the result is then marked partial).
 */
export function startBench(planned: RunPlan, observer: RunObserver, signal: AbortSignal): BenchRun {
  const startedAt = new Date().toISOString();
  const machineLoad = watchMachineLoad();
  // Before any server or generator starts, so that they inherit the harness's CPUs.
  const { placement, restore } = placeHarness(planned.cpuPlacement, sharedCpusReason(planned));
  const plan: RunPlan = placement.mode === 'split' ? { ...planned, appCpus: placement.appCpus } : planned;
  const entries: ResultEntry[] = [];
  const packages: Record<string, string> = {};
  const assemble = (partial: boolean): RunResult => ({
    schemaVersion: SCHEMA_VERSION,
    startedAt,
    finishedAt: new Date().toISOString(),
    partial,
    env: { ...describeEnvironment(packages), machineLoad: machineLoad.read(), cpuPlacement: placement },
    plan: planSummary(plan),
    entries: [...entries],
  });
  const record = (entry: ResultEntry) => void entries.push({ ...entry, sequence: entries.length + 1 });
  const users: ServerHandle[] = [];
  const cleanUp = () => cleanUsersServers(users, observer);
  const done = (async () => {
    try {
      await runStores(plan, observer, signal, record, packages, users);
    } finally {
      restore();
    }
    return assemble(signal.aborted);
  })();
  return { done, snapshot: () => assemble(true), cleanUp };
}

/** Why a run asking for `split` shares every CPU anyway: several instances would all run on the app's CPUs (one core on two), and ab --duet's two sides run side by side. */
function sharedCpusReason(plan: RunPlan): string | undefined {
  return plan.sharedCpusBecause ?? (plan.instances > 1 ? `--instances ${plan.instances}: the instances share every CPU` : undefined);
}

/** Runs the plan to the end and returns its result. */
export function runBench(plan: RunPlan, observer: RunObserver, signal: AbortSignal): Promise<RunResult> {
  return startBench(plan, observer, signal).done;
}

/**
 * The stores in the order round `round` (0-based) runs them: every other round goes the other way
 * (A B C, then C B A), so a machine that speeds up or slows down through a round favours no store for
 * its place in the order.
 */
function inRoundOrder<T>(runs: readonly T[], round: number): readonly T[] {
  return round % 2 === 0 ? runs : [...runs].reverse();
}

/**
 * The 0-based repetitions of one scenario, one call of runStoreScenario per group. Load runs go
 * round-robin (repetition 1 of every store, then repetition 2, …, every other round in reverse order)
 * so drift spreads evenly across stores. Other kinds check correctness, not speed: all repetitions of a store on one app. So do
 * prefilled load runs: loading millions of sessions again for every repetition would dominate the run.
 */
function roundsOf(plan: RunPlan, scenario: Scenario, prefill: number): number[][] {
  const all = Array.from({ length: plan.repeat }, (_, i) => i);
  return scenario.kind === 'load' && prefill === 0 ? all.map((repetition) => [repetition]) : [all];
}

/** Removes sessionbench's namespace from servers given by URL; says what it could not remove. */
async function cleanUsersServers(handles: readonly ServerHandle[], observer: RunObserver): Promise<void> {
  await Promise.all(
    handles.map((handle) =>
      cleanServer(handle).catch((error: unknown) =>
        observer.log(`${handle.info.kind}: could not remove sessionbench's data at ${handle.info.url}: ${message(error)} — run sessionbench clean --${handle.info.kind}-url <url>`),
      ),
    ),
  );
}

/**
 * Stores whose client packages are not installed (optional peer dependencies) are skipped, with the
 * command that installs them, before any server is provisioned for them; the plan without them runs.
 * A named store never gets here: the CLI refuses it as bad input first.
 */
function withoutMissingPackages(plan: RunPlan, observer: RunObserver, record: (entry: ResultEntry) => void): RunPlan {
  const runnable = plan.stores.filter((storeId) => {
    const missing = missingPackages(storeId);
    if (!missing) return true;
    observer.log(`${storeId}: skipped, ${notInstalled(missing)} (the command that installs them: "Not measured" in the results)`);
    for (const scenario of plan.scenarios) {
      for (const payloadBytes of plan.payloads) {
        for (const prefill of plan.prefill) {
          record({ ...base(plan, storeId, scenario, payloadBytes, 0, loadModelFor(runLoadOf(plan, prefill), scenario), prefill), status: 'skipped', cause: 'no-package', reason: `${notInstalled(missing)} — to run it: ${missing.install}` });
        }
      }
    }
    return false;
  });
  return { ...plan, stores: runnable };
}

async function runStores(planned: RunPlan, observer: RunObserver, signal: AbortSignal, record: (entry: ResultEntry) => void, packages: Record<string, string>, users: ServerHandle[]): Promise<void> {
  await loadPlanStores(planned);
  const plan = withoutMissingPackages(planned, observer, record);
  const servers = await provisionAll(plan, observer);
  let network: RunningStoreNetwork | undefined;
  try {
    for (const slot of servers.values()) if ('unreachable' in slot) throw new RunError(slot.unreachable);
    network = await routeThroughNetwork(plan, servers, observer);
    // A server given by URL: consent when it holds other data, room for the prefill, earlier leftovers removed — before anything is written.
    const policy = { shared: plan.sharedServer, prefill: Math.max(...plan.prefill), payloadBytes: Math.max(...plan.payloads), settings: plan.settings };
    for (const slot of servers.values()) {
      if (!('server' in slot) || slot.server.handle.info.managed) continue;
      await admitServer(slot.server.handle, policy, observer.log);
      users.push(slot.server.handle);
    }
    for (const storeId of plan.stores) {
      const kind = storeDefinition(storeId).server;
      const slot = kind ? servers.get(kind) : undefined;
      if (plan.storesNamed && slot && 'skipped' in slot) {
        throw new RunError(`${storeId}: no ${kind} server available (${slot.skipped}); to run it: ${slot.fix ?? `pass --${kind}-url`}`);
      }
    }
    // --store-rtt: every store and scenario at each round trip, in the order given (one value: no sweep) — when a
    // network was put in front of a server; with no store server to delay, entries claim no round trip.
    if (plan.storeNetwork && !network) observer.log('store network: no store server to put it in front of; --store-rtt has nothing to delay');
    const rtts: Array<number | undefined> = network ? plan.storeNetwork!.rttsMs : [undefined];
    const sweepsRtt = rtts.length > 1;
    const units = new Map<string, EtaUnit & { rounds: NonNullable<EtaUnit['rounds']> }>();
    const unitKey = (storeId: AnyStoreId, scenario: Scenario, payloadBytes: number, prefill: number, mitigation: MitigationId, rttMs: number | undefined) => `${storeId}/${scenario.id}/${payloadBytes}/${prefill}/${mitigation}/${rttMs}`;
    for (const [storeId, mitigation] of storeMitigations(plan)) {
      const kind = storeDefinition(storeId).server;
      const skipped = Boolean(kind && 'skipped' in (servers.get(kind) ?? {})) || MITIGATIONS[mitigation].applies(storeId) !== true;
      for (const rttMs of rtts) {
        for (const scenario of plan.scenarios) {
          for (const payloadBytes of plan.payloads) {
            for (const prefill of plan.prefill) {
              const rounds = roundsOf(plan, scenario, prefill).length;
              units.set(unitKey(storeId, scenario, payloadBytes, prefill, mitigation, rttMs), { scenario: prefill > 0 ? `${scenario.id} with ${prefill} prefilled` : scenario.id, planned: plannedSeconds(plan, scenario, prefill), skipped, rounds: { done: 0, left: rounds, spent: 0 } });
            }
          }
        }
      }
    }
    const runs: StoreRun[] = [];
    for (const [storeId, mitigation] of storeMitigations(plan)) {
      const kind = storeDefinition(storeId).server;
      const slot = kind ? servers.get(kind) : undefined;
      if (slot && 'skipped' in slot) {
        // The reason and its fix are said once, in the entries (the "Not measured" table); the log only marks the skip.
        observer.log(`${storeId}: skipped, no ${kind} server (why, and the command that fixes it: "Not measured" in the results)`);
        const reason = slot.fix ? `${slot.skipped} — to run it: ${slot.fix}` : slot.skipped;
        for (const scenario of plan.scenarios) {
          for (const payloadBytes of plan.payloads) {
            for (const prefill of plan.prefill) {
              record({ ...base(plan, storeId, scenario, payloadBytes, 0, loadModelFor(runLoadOf(plan, prefill), scenario), prefill, mitigation), status: 'skipped', cause: 'no-server', reason });
            }
          }
        }
        continue;
      }
      const applies = MITIGATIONS[mitigation].applies(storeId);
      if (applies !== true) {
        for (const scenario of plan.scenarios) {
          for (const payloadBytes of plan.payloads) {
            for (const prefill of plan.prefill) {
              record({ ...base(plan, storeId, scenario, payloadBytes, 0, loadModelFor(runLoadOf(plan, prefill), scenario), prefill, mitigation), status: 'skipped', cause: 'not-applicable', reason: `mitigation ${mitigation}: ${applies}` });
            }
          }
        }
        continue;
      }
      runs.push({ plan, storeId, mitigation, server: slot && 'server' in slot ? slot.server : undefined, packages, observer, signal });
    }
    for (const rttMs of rtts) {
      if (rttMs !== undefined && network) {
        await network.setRtt(rttMs);
        for (const run of runs) if (run.server) run.server.handle.network = network.record;
        if (sweepsRtt) observer.log(`store network: now ${rttMs} ms round trip to every store server`);
      }
      // Every entry of a --store-rtt run says which round trip it ran at, those of stores without a server too.
      const recordAt = rttMs === undefined ? record : (entry: ResultEntry) => record({ ...entry, storeRttMs: rttMs });
      for (const scenario of plan.scenarios) {
        for (const payloadBytes of plan.payloads) {
          for (const prefill of plan.prefill) {
            const failed = new Set<StoreRun>();
            const saturated = new Map<AnyStoreId, number[]>();
            for (const [round, repetitions] of roundsOf(plan, scenario, prefill).entries()) {
              for (const run of inRoundOrder(runs, round)) {
                if (signal.aborted) return;
                if (failed.has(run)) continue;
                const unit = units.get(unitKey(run.storeId, scenario, payloadBytes, prefill, run.mitigation, rttMs))!;
                const label = [scenario.id, ...(plan.payloads.length > 1 ? [`${payloadBytes} B`] : []), ...(prefill > 0 ? [`${formatCount(prefill)} prefilled`] : []), ...(recordsMitigation(plan) ? [`mitigation ${run.mitigation}`] : []), ...(sweepsRtt ? [`${rttMs} ms to the store`] : [])].join(' · ');
                observer.position({ store: run.storeId, index: plan.stores.indexOf(run.storeId) + 1, count: plan.stores.length, scenario: label, eta: estimateRemaining([...units.values()]) });
                const started = performance.now();
                let measured = false;
                const ok = await runStoreScenario(run, scenario, { payloadBytes, prefill }, repetitions, (entry) => {
                  measured ||= entry.status === 'ok';
                  if (entry.status === 'ok' && entry.load.model === 'closed') saturated.set(run.storeId, [...(saturated.get(run.storeId) ?? []), entry.measured.throughput]);
                  recordAt(entry);
                });
                unit.rounds.spent += (performance.now() - started) / 1000;
                unit.rounds.done += 1;
                unit.rounds.left -= 1;
                // Only a measured unit says how long the next one takes; an instant skip or failure would not.
                if (!measured || !ok) {
                  unit.skipped = true;
                  failed.add(run);
                } else if (unit.rounds.left === 0) unit.elapsed = unit.rounds.spent;
              }
            }
            if (plan.latencyAt && scenario.kind === 'load') {
              const rate = chooseRate(plan.latencyAt, saturated);
              if (!rate) continue;
              observer.log(`${scenario.id}: latency at ${formatCount(rate.ratePerSecond)} req/s (${rate.basis === 'stated' ? 'stated' : `${Math.round(rate.share * 100)}% of ${rate.slowestStore}'s ${formatCount(Math.round(rate.slowestThroughput))} req/s, the slowest`}), open model, every store`);
              // Round-robin like the saturated repetitions, each on a fresh app, only for stores measured at saturation.
              for (let repetition = 0; repetition < plan.repeat; repetition += 1) {
                for (const run of inRoundOrder(runs, repetition)) {
                  if (signal.aborted) return;
                  if (failed.has(run) || !saturated.has(run.storeId)) continue;
                  observer.position({ store: run.storeId, index: plan.stores.indexOf(run.storeId) + 1, count: plan.stores.length, scenario: `${scenario.id} at ${formatCount(rate.ratePerSecond)} req/s`, eta: estimateRemaining([...units.values()]) });
                  const ok = await runStoreScenario({ ...run, plan: atRatePlan(run.plan, plan.latencyAt, rate) }, scenario, { payloadBytes, prefill }, [repetition], (entry) => recordAt({ ...entry, atRate: rate }));
                  if (!ok) failed.add(run);
                }
              }
            }
          }
        }
      }
    }
  } finally {
    await cleanUsersServers(users, observer);
    await Promise.all([...servers.values()].map((slot) => ('server' in slot ? slot.server.stop() : undefined)));
    await network?.stop();
  }
}

/** True when the run names a remedy: then every entry records its mitigation (`none` too) and shows it in its variant. */
function recordsMitigation(plan: RunPlan): boolean {
  return plan.mitigations.some((id) => id !== 'none');
}

/** Store × mitigation, in plan order: every mitigation of a store runs on its own apps. */
function storeMitigations(plan: RunPlan): Array<[AnyStoreId, MitigationId]> {
  return plan.stores.flatMap((storeId) => plan.mitigations.map((mitigation): [AnyStoreId, MitigationId] => [storeId, mitigation]));
}

/** The entry's variant with its mitigation, when the run records mitigations. */
function variantWith(plan: RunPlan, variant: string | undefined, mitigation: MitigationId): string | undefined {
  return recordsMitigation(plan) ? [variant, `mitigation=${mitigation}`].filter(Boolean).join(' · ') : variant;
}

function base(plan: RunPlan, store: AnyStoreId, scenario: Scenario, payloadBytes: number, repetitionIndex: number, load: LoadModel, prefilledSessions: number, mitigation: MitigationId = 'none'): EntryBase {
  const storeOptions = plan.storeOptions[store];
  const { source } = storeDefinition(store);
  const namespace = storeNamespace(store, plan.namespace);
  return {
    store,
    storeLabel: storeLabel(store, storeOptions),
    ...(source ? { storeSource: source } : {}),
    scenario: scenario.id,
    kind: scenario.kind,
    payloadBytes,
    ...(prefills(plan) ? { prefilledSessions } : {}),
    repetition: repetitionIndex + 1,
    ...(recordsMitigation(plan) ? { mitigation, variant: variantWith(plan, undefined, mitigation) } : {}),
    ...(storeOptions && Object.keys(storeOptions).length > 0 ? { storeOptions } : {}),
    ...(namespace ? { namespace } : {}),
    load,
  };
}

/** A custom store's module as an absolute path, for the app child to load; undefined for a built-in store. */
function customModule(plan: RunPlan, storeId: AnyStoreId): string | undefined {
  const path = plan.customStores[storeId as CustomStoreId];
  return path === undefined ? undefined : resolve(path);
}

/** The settings an entry records: what changes store traffic, never the secret. */
function recordedSettings({ resave, rolling, saveUninitialized, maxAgeMs }: SessionSettings): NonNullable<EntryBase['settings']> {
  return { resave, rolling, saveUninitialized, maxAgeMs };
}

/** One store's share of a run: what every scenario on it needs. */
interface StoreRun {
  plan: RunPlan;
  storeId: AnyStoreId;
  /** The remedy this run's apps install. */
  mitigation: MitigationId;
  server: ProvisionedServer | undefined;
  packages: Record<string, string>;
  observer: RunObserver;
  signal: AbortSignal;
}


/** How long a failed scenario waits for an app exit already under way, so a crash is named as the cause. */
const CRASH_SETTLE_MS = 500;

/** Runs `repetitions` (0-based) of one scenario on one store; false when it recorded a failure. */
async function runStoreScenario(run: StoreRun, scenario: Scenario, { payloadBytes, prefill }: { payloadBytes: number; prefill: number }, repetitions: readonly number[], record: (entry: ResultEntry) => void): Promise<boolean> {
  const { plan, storeId, packages, observer, signal } = run;
  const load = loadModelFor(runLoadOf(plan, prefill), scenario);
  const server = run.server?.handle;
  const apps: AppChild[] = [];
  const prefilled: Array<PrefillDone & { app: AppChild }> = [];
  const intrinsic = new Map<AppChild, StoreOpLatency>();
  const appSettings = new Map<AppChild, SessionSettings>();
  const intrinsicReadsStored = new Set<AppChild>();
  let emitted = 0;
  const context: ScenarioContext = {
    plan,
    store: storeId,
    scenario,
    server,
    serverPid: run.server?.pid,
    ...(run.server?.crashAndRestart ? { crashAndRestartServer: run.server.crashAndRestart } : {}),
    payloadBytes,
    prefillSessions: prefill,
    load,
    observer,
    signal,
    repetitions,
    async startApp(settings) {
      const config = { store: storeId, storeModule: customModule(plan, storeId), settings: { ...plan.settings, ...settings }, server, storeOptions: plan.storeOptions[storeId], app: { payloadBytes, addedLatencyMs: plan.addedLatencyMs, addedCpuUs: plan.addedCpuUs ?? 0, addedStoreCalls: plan.addedStoreCalls ?? 0 }, ...(run.mitigation !== 'none' ? { mitigation: { id: run.mitigation } } : {}), ...(plan.appCpus ? { cpus: plan.appCpus } : {}) };
      const cluster = plan.instances > 1 ? await startAppCluster(config, plan.instances) : undefined;
      const app = cluster ?? (await startAppChild(config));
      apps.push(app);
      appSettings.set(app, config.settings);
      Object.assign(packages, app.packages);
      const first = cluster?.instances[0] ?? app;
      const problem = await checkPayloadLimit(first, payloadBytes);
      if (problem?.cause === 'payload-limit') throw new EntryFailure('payload-limit', problem.text);
      if (problem) throw new EntryFailure('verification', `verification failed: ${problem.text}`);
      await verifyStore(first, storeId).catch((error: unknown) => {
        throw new EntryFailure('verification', error instanceof VerificationError ? error.message : `verification failed: ${message(error)}`);
      });
      // A scenario of its own kind (expiry) prefills what it needs itself; any other starts on a store holding `prefill` live sessions.
      if (prefill > 0 && scenario.kind !== 'expiry') {
        for (const earlier of prefilled.splice(0)) await removePrefilled(earlier.app, earlier.range, signal);
        const removeOnAbort = server !== undefined && !server.info.managed && server.namespace === 'library';
        const done = await prefillStore(app, { sessions: prefill, ttlMs: plan.settings.maxAgeMs, secret: plan.settings.secret, signal, log: observer.log, label: storeId, removeOnAbort });
        prefilled.push({ ...done, app });
      }
      // After the prefill: the store's latency alone, at the size it is measured at, once per store and
      // load scenario (on its first repetition's app): it is a property of the store, not of the app
      // process, and repeating it on every fresh app cost a default run more than a minute. Other kinds
      // report no intrinsic latency; expiry prefills inside its own runner, after this.
      if (plan.probeOperations > 0 && scenario.kind === 'load' && repetitions[0] === 0 && intrinsic.size === 0) {
        const stored = prefilled.find((done) => done.app === app)?.range;
        const ops = await first.ask('probeStore', { operations: plan.probeOperations, ...(stored ? { stored } : {}) });
        if (Object.keys(ops).length > 0) intrinsic.set(app, ops);
        if (stored) intrinsicReadsStored.add(app);
      }
      return app;
    },
    prefilledRange: (app) => prefilled.find((done) => done.app === app)?.range,
    entryBase: (app, repetitionIndex, variant) => ({
      ...base(plan, storeId, scenario, payloadBytes, repetitionIndex, load, prefill, run.mitigation),
      ...(prefilled.at(-1) ? { prefill: prefilled.at(-1)!.record } : {}),
      storeLabel: app.label,
      ...(variantWith(plan, variant, run.mitigation) ? { variant: variantWith(plan, variant, run.mitigation) } : {}),
      ...(plan.instances > 1 ? { instances: plan.instances } : {}),
      server: server?.info,
      ...(server?.network ? { storeNetwork: server.network } : {}),
      ...(appSettings.has(app) ? { settings: recordedSettings(appSettings.get(app)!) } : {}),
      capabilities: app.capabilities,
      ...(intrinsic.has(app) ? { storeOpsIntrinsic: intrinsic.get(app), storeOpsIntrinsicGets: intrinsicReadsStored.has(app) ? 'random-prefilled' as const : 'just-written' as const } : {}),
    }),
    emit(entry) {
      emitted += 1;
      record(entry);
    },
  };
  try {
    const evictions = await watchEvictions(server);
    const runner = runnerOf(scenario);
    await runner(context);
    await evictions();
    return true;
  } catch (error) {
    if (signal.aborted) return true;
    if (error instanceof PrefillUnsupported) {
      observer.log(`${storeId}/${scenario.id}: skipped — ${error.message}`);
      record({ ...base(plan, storeId, scenario, payloadBytes, repetitions[0] ?? 0, load, prefill, run.mitigation), server: server?.info, status: 'skipped', cause: 'not-applicable', reason: error.message });
      return false;
    }
    const crash = (await Promise.all(apps.map((app) => app.crashedWithin(CRASH_SETTLE_MS)))).find(Boolean);
    const reason = oneSentence(crash ?? describeError(error));
    observer.log(`${storeId}/${scenario.id}: failed — ${reason}`);
    const repetition = repetitions[Math.min(emitted, repetitions.length - 1)] ?? 0;
    record({ ...base(plan, storeId, scenario, payloadBytes, repetition, load, prefill, run.mitigation), server: server?.info, ...(server?.network ? { storeNetwork: server.network } : {}), status: 'failed', cause: failureCauseOf(error, Boolean(crash)), reason });
    return false;
  } finally {
    // Leave the store as it was: the next count of the sweep starts from its own prefill (a managed server is stopped anyway).
    // On a user's server everything under sessionbench's names goes after the apps stop (churn and prefill alike);
    // with the libraries' names only the prefill can be told apart, and it is removed even after Ctrl-C.
    const cleansByName = server !== undefined && !server.info.managed && server.namespace !== 'library';
    for (const { app, range } of cleansByName ? [] : prefilled) {
      const until = server && !server.info.managed ? new AbortController().signal : signal;
      if (!app.crashed()) await removePrefilled(app, range, until).catch((error: unknown) => observer.log(`${storeId}: could not remove prefilled sessions: ${message(error)}`));
    }
    await Promise.all(apps.map((app) => app.stop()));
    if (cleansByName) {
      await cleanServer(server).catch((error: unknown) => observer.log(`${storeId}: could not remove sessionbench's data at ${server.info.url}: ${message(error)}`));
    }
  }
}
