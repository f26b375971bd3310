import type { FailedEntry, LoadModel, OkEntry, ResultEntry, SkippedEntry } from '../harness/result.ts';
import type { ServerInfo, StoreCapabilities, StoreId } from '../stores/types.ts';
import { formatBytes } from './format.ts';

/** Median and range of one metric across repetitions. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  /** Repetitions that contributed. */
  n: number;
}

/** The median and min–max of some values, or undefined when there are none. */
export function spreadOf(values: readonly number[]): Spread | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, n: sorted.length };
}

/**
 * Labels scenarios as readers should see them: the id, the settings variant, the
 * payload size when these entries sweep more than one, and the app instances when
 * more than one served it.
 */
export function scenarioLabeller(entries: readonly ResultEntry[]): (entry: ResultEntry) => string {
  const sweepsPayload = new Set(entries.map((entry) => entry.payloadBytes)).size > 1;
  return (entry) => {
    const variant = entry.variant ? ` [${entry.variant}]` : '';
    const payload = sweepsPayload && entry.payloadBytes !== undefined ? ` · ${formatBytes(entry.payloadBytes)} payload` : '';
    const instances = (entry.instances ?? 1) > 1 ? ` · ${entry.instances} instances` : '';
    return `${entry.scenario}${variant}${payload}${instances}`;
  };
}

/** All repetitions of one store × scenario (variant, payload) under one load model. */
export interface EntryGroup {
  key: string;
  store: StoreId;
  storeLabel: string;
  /** Scenario label including variant and payload size (see scenarioLabeller). */
  scenario: string;
  load: LoadModel;
  server?: ServerInfo;
  capabilities?: StoreCapabilities;
  ok: OkEntry[];
  notMeasured: (FailedEntry | SkippedEntry)[];
}

/** Groups entries by store × scenario label × load model, in first-seen order; repetitions share a group. */
export function groupEntries(entries: readonly ResultEntry[]): EntryGroup[] {
  const groups = new Map<string, EntryGroup>();
  const scenarioLabel = scenarioLabeller(entries);
  for (const entry of entries) {
    const scenario = scenarioLabel(entry);
    const key = `${entry.store}\u0000${scenario}\u0000${entry.load.model}`;
    let group = groups.get(key);
    if (!group) {
      group = { key, store: entry.store, storeLabel: entry.storeLabel, scenario, load: entry.load, ok: [], notMeasured: [] };
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

/** Sum of a named observation over a group's ok repetitions, or undefined when none reported it. */
export function observationTotal(entries: readonly OkEntry[], name: string): number | undefined {
  const values = entries.map((entry) => entry.observations?.[name]).filter((value): value is number => value !== undefined);
  return values.length === 0 ? undefined : values.reduce((sum, value) => sum + value, 0);
}
