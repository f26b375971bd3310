import type { EntryBase, FailedEntry, OkEntry, ResultEntry, SkippedEntry } from '../../contract/result.ts';
import type { LoadModel } from '../../contract/metrics.ts';
import type { Observations } from '../../contract/kinds.ts';

/** A scenario kind that carries observations. */
export type ObservationKind = Observations['kind'];
/** The observations of one scenario kind. */
export type ObservationsOfKind<K extends ObservationKind> = Extract<Observations, { kind: K }>;
/** The numeric fields of one kind's observations. */
export type NumericObservation<K extends ObservationKind> = {
  [F in keyof ObservationsOfKind<K>]-?: ObservationsOfKind<K>[F] extends number | undefined ? F : never;
}[keyof ObservationsOfKind<K>];
import type { AnyStoreId, ServerInfo, StoreCapabilities } from '../../contract/vocabulary.ts';
import { formatBytes, formatCount } from './format.ts';
import { spreadOf } from './spread.ts';
import type { Spread } from './spread.ts';


/**
 * Labels scenarios as readers should see them: the id, the settings variant, the
 * payload size when these entries sweep more than one, and the app instances when
 * more than one served it.
 */
export function scenarioLabeller(entries: readonly ResultEntry[]): (entry: ResultEntry) => string {
  const sweepsPayload = new Set(entries.map((entry) => entry.payloadBytes)).size > 1;
  const sweepsStored = new Set(entries.map((entry) => entry.prefilledSessions ?? 0)).size > 1;
  const sweepsRtt = new Set(entries.flatMap((entry) => (entry.storeRttMs === undefined ? [] : [entry.storeRttMs]))).size > 1;
  return (entry) => {
    const stored = sweepsStored ? ` · ${formatCount(entry.prefilledSessions ?? 0)} stored` : '';
    const rtt = sweepsRtt && entry.storeRttMs !== undefined ? ` · ${entry.storeRttMs} ms to the store` : '';
    const variant = entry.variant ? ` [${entry.variant}]` : '';
    const payload = sweepsPayload && entry.payloadBytes !== undefined ? ` · ${formatBytes(entry.payloadBytes)} payload` : '';
    const instances = (entry.instances ?? 1) > 1 ? ` · ${entry.instances} instances` : '';
    return `${entry.scenario}${variant}${payload}${stored}${rtt}${instances}`;
  };
}

/** How the load was generated, as far as it changes the numbers: connections, arrival rate, or the script. */
function loadKey(load: LoadModel): string {
  switch (load.model) {
    case 'closed':
      return `closed/${load.connections}`;
    case 'open':
      return `open/${load.ratePerSecond}`;
    case 'scripted':
      return `scripted/${load.description}`;
  }
}

/**
 * What makes two entries the same measurement whatever the store, from structured fields
 * only: scenario, variant, payload size, sessions prefilled, app instances, the round trip to the store server, load model and its size (connections,
 * arrival rate or script). Independent of the display label, which names the payload only
 * when a run sweeps several, so runs with different sweeps still match.
 */
export function scenarioKeyOf(entry: EntryBase): string {
  // The round trip joins the key only when there is one, so results written before it match as they did.
  const rtt = entry.storeRttMs === undefined ? [] : [`rtt/${entry.storeRttMs}`];
  return JSON.stringify([entry.scenario, entry.variant ?? null, entry.payloadBytes ?? null, entry.prefilledSessions ?? 0, entry.instances ?? 1, loadKey(entry.load), ...rtt]);
}

/** All repetitions of one store × scenario (variant, payload, instances) under one load (model and size). */
export interface EntryGroup {
  /** Identity of the group within and across runs: store plus scenarioKey. */
  key: string;
  /** The group's identity without the store (see scenarioKeyOf): the same measurement of another store has the same one. */
  scenarioKey: string;
  /** Store id, stable across runs. */
  store: AnyStoreId;
  /** Store label as the run wrote it. */
  storeLabel: string;
  /** Scenario label for display, including variant and payload size (see scenarioLabeller); not an identity. */
  scenario: string;
  /** Load model of the group's entries (all the same, connections or rate included). */
  load: LoadModel;
  /** The server that answered, from the first entry that named one. */
  server?: ServerInfo;
  /** Store capabilities, from the first entry that gave them. */
  capabilities?: StoreCapabilities;
  /** Repetitions that ran to the end. */
  ok: OkEntry[];
  /** Repetitions that failed or were skipped. */
  notMeasured: (FailedEntry | SkippedEntry)[];
}

/** Groups entries by store × scenarioKeyOf, in first-seen order; repetitions share a group. */
export function groupEntries(entries: readonly ResultEntry[]): EntryGroup[] {
  const groups = new Map<string, EntryGroup>();
  const scenarioLabel = scenarioLabeller(entries);
  for (const entry of entries) {
    const scenarioKey = scenarioKeyOf(entry);
    const key = JSON.stringify([entry.store, scenarioKey]);
    let group = groups.get(key);
    if (!group) {
      group = { key, scenarioKey, store: entry.store, storeLabel: entry.storeLabel, scenario: scenarioLabel(entry), load: entry.load, ok: [], notMeasured: [] };
      groups.set(key, group);
    }
    group.server ??= entry.server;
    group.capabilities ??= entry.capabilities;
    if (entry.status === 'ok') group.ok.push(entry);
    else group.notMeasured.push(entry);
  }
  return [...groups.values()];
}

/** Spread of a metric over a group's ok repetitions. */
export function groupSpread(group: EntryGroup, pick: (entry: OkEntry) => number | undefined): Spread | undefined {
  return spreadOf(group.ok.map(pick).filter((value): value is number => value !== undefined));
}

/** The observations of an entry when they are of scenario kind `kind`. */
export function observationsOf<K extends ObservationKind>(entry: Pick<OkEntry, 'observations'>, kind: K): ObservationsOfKind<K> | undefined {
  const observations = entry.observations;
  return observations?.kind === kind ? (observations as ObservationsOfKind<K>) : undefined;
}

/** Sum of one numeric observation of scenario kind `kind` over entries, or undefined when none reported it. */
export function observationTotal<K extends ObservationKind>(entries: readonly OkEntry[], kind: K, field: NumericObservation<K>): number | undefined {
  const values = entries
    .map((entry) => observationsOf(entry, kind)?.[field] as number | undefined)
    .filter((value): value is number => value !== undefined);
  return values.length === 0 ? undefined : values.reduce((sum, value) => sum + value, 0);
}

/** Memory per session of an entry: measured on its own by logins (the default run), else the growth over the phase (churn). */
export function bytesPerSessionOf(entry: OkEntry): number | undefined {
  return entry.sessionMemory?.bytesPerSession ?? entry.memory?.bytesPerSession;
}
