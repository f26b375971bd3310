import { prefillSessions } from '../app/prefill-sessions.ts';
import { UsageError } from '../errors.ts';
import { EntryFailure } from './failure.ts';
import { formatCount } from '../../reports/figures/format.ts';
import { makePayload } from '../../scenarios/payload.ts';
import { namespaceChoice, OWN_KEY_PREFIX, OWN_TABLE_PREFIX, storeNamespace } from '../../stores/namespace.ts';
import { storeDefinition } from '../../stores/index.ts';
import { STORE_IDS } from '../../contract/vocabulary.ts';
import { OWN_DATA } from '../../stores/servers/own/index.ts';
import type { ServerHandle, SessionSettings } from '../../stores/types.ts';

/**
 * Rules for a server sessionbench did not start (given by URL): it is used only with consent when it
 * holds data that is not sessionbench's, a prefill must fit its memory, evictions fail the entry, and
 * whatever sessionbench wrote there (its namespace) is removed after each entry and on interrupt.
 */

/** What a run on a user's server asked for. */
export interface SharedServerPolicy {
  /** `--shared-server`: the user accepts that the server holds other data. */
  shared: boolean;
  /** The largest prefill and payload the run will write (0 for none). */
  prefill: number;
  payloadBytes: number;
  settings: SessionSettings;
}

function isUsers(handle: ServerHandle): boolean {
  return !handle.info.managed;
}

/** Where sessionbench writes on this server, in words, e.g. "keys sessionbench:*". */
export function describeNamespace(handle: ServerHandle): string {
  if (namespaceChoice(handle) === 'library') return "the store libraries' default names (--namespace library)";
  const { kind } = handle.info;
  if (kind === 'redis' || kind === 'memcached') return `keys ${OWN_KEY_PREFIX}*`;
  const sessions = STORE_IDS.filter((id) => storeDefinition(id).server === kind).flatMap((id) => storeNamespace(id, 'own')?.name ?? []);
  return `${kind === 'mongo' ? 'collections' : 'tables'} ${[...new Set(sessions), `${OWN_TABLE_PREFIX}probe_<pid>_<id>`].join(', ')}`;
}

/** "1.3 MB" for bytes. */
function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;
}

/** Bytes one prefilled session takes on the server, at least: its real key and encoded value, and the server's per-item overhead. */
function bytesPerSession(handle: ServerHandle, policy: SharedServerPolicy, perItem: (key: number, value: number) => number): number {
  const [one] = prefillSessions({ idPrefix: 'prefill-00000000-', from: Math.max(0, policy.prefill - 1), count: 1 }, policy.settings.maxAgeMs, makePayload(policy.payloadBytes), policy.settings);
  return perItem(Buffer.byteLength(`${OWN_KEY_PREFIX}${one!.id}`), Buffer.byteLength(JSON.stringify(one!.session)));
}

/**
 * Before anything is written to a user's server: removes what an earlier, killed run left in
 * sessionbench's namespace, refuses a server holding other data without `--shared-server`, and
 * refuses a prefill that would not fit the server's memory. Throws a UsageError (exit 2, nothing written).
 */
export async function admitServer(handle: ServerHandle, policy: SharedServerPolicy, log: (line: string) => void): Promise<void> {
  if (!isUsers(handle)) return;
  const { kind, url } = handle.info;
  const own = OWN_DATA[kind];
  const where = `${kind} at ${url}`;
  const census = await own.census(handle.connectUrl);
  if (census.foreign > 0 && !policy.shared) {
    throw new UsageError(
      `${where} holds ${formatCount(census.foreign)} ${census.unit} not sessionbench's; the benchmark's load would compete with whatever uses them (and their load would skew the figures) — pass --shared-server to use it anyway (sessionbench then writes only ${describeNamespace(handle)} and removes them), or point it at an empty server`,
    );
  }
  if (census.own > 0 && namespaceChoice(handle) === 'own') {
    const { removed, unit } = await own.clean(handle.connectUrl);
    log(`${kind}: removed ${formatCount(removed)} ${unit} an earlier sessionbench run left at ${url}`);
  }
  log(`${kind}: ${where} is not sessionbench's: it writes only ${describeNamespace(handle)} there${census.foreign > 0 ? ` (beside ${formatCount(census.foreign)} ${census.unit} of other data, --shared-server)` : ''} and removes them after each entry`);
  if (policy.prefill > 0 && own.capacity && own.bytesPerItem) {
    const capacity = await own.capacity(handle.connectUrl);
    const needed = policy.prefill * bytesPerSession(handle, policy, own.bytesPerItem);
    if (capacity.limitBytes !== undefined && capacity.usedBytes + needed > capacity.limitBytes) {
      throw new UsageError(
        `${where}: --prefill ${formatCount(policy.prefill)} needs at least ${megabytes(needed)}, but the server holds ${megabytes(capacity.usedBytes)} of its ${megabytes(capacity.limitBytes)} limit (${capacity.source}; at the limit it ${capacity.policy === 'noeviction' ? 'refuses writes' : `evicts (${capacity.policy})`}, which may be other data); prefill fewer sessions, raise the limit, or let sessionbench start its own server`,
      );
    }
  }
}

/** Removes sessionbench's namespace from a user's server (a no-op on a server it started, or with library names); resolves with what was removed. */
export async function cleanServer(handle: ServerHandle | undefined): Promise<{ removed: number; unit: string } | undefined> {
  if (!handle || !isUsers(handle) || namespaceChoice(handle) === 'library') return undefined;
  return OWN_DATA[handle.info.kind].clean(handle.connectUrl);
}

/**
 * Reads a user's server's eviction counter now; the returned check fails the entry with cause `capacity`
 * when it grew meanwhile (sessionbench's writes pushed data out, possibly not its own).
 */
export async function watchEvictions(handle: ServerHandle | undefined): Promise<() => Promise<void>> {
  const evictions = handle && isUsers(handle) ? OWN_DATA[handle.info.kind].evictions : undefined;
  if (!handle || !evictions) return async () => {};
  const before = await evictions(handle.connectUrl);
  return async () => {
    const grown = (await evictions(handle.connectUrl)) - before;
    if (grown > 0) {
      throw new EntryFailure(
        'capacity',
        `${handle.info.kind} at ${handle.info.url} evicted ${formatCount(grown)} items during this entry: its memory limit was reached, and what went may be other data on the server, not only sessionbench's`,
      );
    }
  };
}
