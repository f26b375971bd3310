import type { EntryBase, OkEntry, RunResult } from '../../contract/result.ts';
import { scenarioKeyOf, scenarioLabeller } from '../figures/aggregate.ts';
import { formatBytes, formatCount, formatRate } from '../figures/format.ts';
import { appCpuPerRequestUs } from '../figures/metrics.ts';
import { spreadOf } from '../figures/spread.ts';
import type { TextTable } from '../figures/text-table.ts';
import type { LabelledRun, SectionCharts } from './chart-spec.ts';
import { tablesPerRun } from './chart-spec.ts';

/**
 * What each request costs, per store, settings variant and store options: the app's CPU, the store
 * calls and session bytes read and written, and the Set-Cookie bytes the client receives — beside the
 * throughput they came with. Counts barely vary between machines; the CPU figure does.
 */

/** The per-request figures of one measured load entry; a field is undefined when the entry did not measure it. */
export interface RequestCost {
  throughput: number;
  /** App process CPU per request in µs: CPU % of one core × 10,000 / req/s. */
  appCpuUs?: number;
  /** Store calls per request. */
  get?: number;
  set?: number;
  touch?: number;
  destroy?: number;
  /** Session JSON bytes per request returned by `get` (read) and handed to set and touch (written). */
  bytesRead?: number;
  bytesWritten?: number;
  /** Commands the store's server served per request, by command, as the server counted them (e.g. Redis GET, EXPIRE). */
  serverCalls?: Record<string, number>;
  /** Share of responses that carried Set-Cookie, and its wire bytes per response. */
  setCookieShare?: number;
  setCookieBytes?: number;
}

/** The per-request figures of one entry (closed- or open-model load with a measured phase). */
export function requestCost(entry: OkEntry): RequestCost {
  const { measured, storeWrites: writes } = entry;
  const appCpu = appCpuPerRequestUs(entry);
  const per = (value: number | undefined) => (writes && writes.requests > 0 && value !== undefined ? value / writes.requests : undefined);
  const responses = measured.requests;
  return {
    throughput: measured.throughput,
    ...(appCpu === undefined ? {} : { appCpuUs: appCpu }),
    ...(writes
      ? { get: per(writes.get), set: per(writes.set), touch: per(writes.touch), destroy: per(writes.destroy), bytesRead: per(writes.getBytes), bytesWritten: per(writes.setBytes + writes.touchBytes) }
      : {}),
    ...(writes?.serverCalls && writes.requests > 0 ? { serverCalls: Object.fromEntries(Object.entries(writes.serverCalls.calls).map(([command, calls]) => [command, calls / writes.requests])) } : {}),
    ...(measured.setCookie && responses > 0 ? { setCookieShare: measured.setCookie.responses / responses, setCookieBytes: measured.setCookie.bytes / responses } : {}),
  };
}

/** The settings an entry ran with, as a reader tells variants apart: "default" or e.g. "rolling · resave". */
export function settingsLabel(entry: Pick<EntryBase, 'settings' | 'storeOptions'>): string {
  const parts = [
    ...(entry.settings?.rolling ? ['rolling'] : []),
    ...(entry.settings?.resave ? ['resave'] : []),
    ...Object.entries(entry.storeOptions ?? {}).map(([key, value]) => `${key}=${value}`),
  ];
  if (!entry.settings && parts.length === 0) return 'not recorded';
  return parts.length === 0 ? 'default' : parts.join(' · ');
}

/** Whether an entry is a load measurement whose cost per request can be read. */
function isCostEntry(entry: RunResult['entries'][number]): entry is OkEntry {
  return entry.status === 'ok' && entry.kind === 'load' && entry.load.model !== 'scripted' && entry.measured.requests > 0;
}

const calls = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 });

function median(costs: readonly RequestCost[], pick: (cost: RequestCost) => number | undefined): number | undefined {
  return spreadOf(costs.map(pick).filter((value): value is number => value !== undefined))?.median;
}

const show = (value: number | undefined, format: (value: number) => string) => (value === undefined ? 'not measured' : format(value));

/**
 * One row per store (label, with its options) × scenario × settings variant: medians over its repetitions
 * of throughput, app CPU per request, store calls per request (get · set · touch · destroy), session bytes
 * read and written per request, and Set-Cookie per response.
 */
export function costTable(result: RunResult): TextTable {
  const label = scenarioLabeller(result.entries);
  const groups = new Map<string, { store: string; scenario: string; settings: string; costs: RequestCost[] }>();
  for (const entry of result.entries.filter(isCostEntry)) {
    const settings = settingsLabel(entry);
    const key = JSON.stringify([entry.storeLabel, scenarioKeyOf(entry), settings]);
    const group = groups.get(key) ?? { store: entry.storeLabel, scenario: label(entry), settings, costs: [] };
    group.costs.push(requestCost(entry));
    groups.set(key, group);
  }
  const rows = [...groups.values()].map(({ store, scenario, settings, costs }) => {
    const m = (pick: (cost: RequestCost) => number | undefined) => median(costs, pick);
    const storeCalls = (['get', 'set', 'touch', 'destroy'] as const).map((op) => m((cost) => cost[op]));
    const commands = [...new Set(costs.flatMap((cost) => Object.keys(cost.serverCalls ?? {})))];
    const server = commands.length === 0 ? 'not counted' : commands.map((command) => `${command} ${calls.format(m((cost) => cost.serverCalls?.[command]) ?? 0)}`).join(' · ');
    const share = m((cost) => cost.setCookieShare);
    const cookieBytes = m((cost) => cost.setCookieBytes);
    const each = share && cookieBytes !== undefined ? ` · ${formatBytes(cookieBytes / share)} each` : '';
    return [
      store,
      scenario,
      settings,
      formatRate(m((cost) => cost.throughput)!),
      show(m((cost) => cost.appCpuUs), (us) => `${formatCount(us)} µs`),
      storeCalls.every((value) => value === undefined) ? 'not measured' : storeCalls.map((value) => (value === undefined ? '–' : calls.format(value))).join(' · '),
      server,
      show(m((cost) => cost.bytesRead), formatBytes),
      show(m((cost) => cost.bytesWritten), formatBytes),
      share === undefined || cookieBytes === undefined ? 'not measured' : `${Math.round(share * 100)}% · ${formatBytes(cookieBytes)}${each}`,
    ];
  });
  const column = (title: string, numeric: boolean) => ({ title, numeric });
  return {
    columns: [
      column('Store', false),
      column('Scenario', false),
      column('Settings', false),
      column('Throughput', true),
      column('App CPU / request', true),
      column('Store calls / request: get · set · touch · destroy', true),
      column('Server commands / request', false),
      column('Session bytes read / request', true),
      column('Session bytes written / request', true),
      column('Set-Cookie: share of responses · bytes / response · each', true),
    ],
    rows,
    notes: rows.length
      ? [
          'Medians over repetitions. App CPU: the app process’s CPU (/proc) over the measured phase divided by its requests — the one timing here; it moves with the machine’s load, the counts do not.',
          'Store calls are counted around the Store’s methods inside the app; bytes are the session’s JSON returned by get (read) and handed to set and touch (written; a store’s own touch may write less, e.g. only an expiry), one call in 32 serialised and the rest counted at its mean. A call is a call to the Store: with disableTouch (connect-redis, connect-pg-simple) or within touchAfter (connect-mongo) the store’s touch returns without asking its server. Server commands are what the server itself counted during the phase (Redis: INFO commandstats of GET, SET, EXPIRE, DEL; any other client of a server given by URL included); “not counted” where the store cannot tell.',
          'Set-Cookie: the share of responses that carried one and its bytes on the wire per response, as the load driver received them (closed model only). Settings: express-session’s rolling and resave, and the store options the store ran with.',
        ]
      : [],
  };
}

/** The HTML report's part: the table per run; undefined when no run measured load. */
export function costCharts(runs: readonly LabelledRun[]): SectionCharts | undefined {
  const tables = tablesPerRun(runs, costTable);
  if (tables.length === 0) return undefined;
  return { intro: 'What one request costs the app, the store and the wire, per store, scenario and settings variant, beside the throughput it came with.', charts: [], tables };
}
