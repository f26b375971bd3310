import { randomBytes } from 'node:crypto';
import type { AppChild } from '../app/child.ts';
import type { PrefillRange } from '../app/prefill-sessions.ts';
import { prefillUserId } from '../app/prefill-sessions.ts';
import { SessionClient } from '../client/http-client.ts';
import { signedSessionCookie } from '../client/cookies.ts';
import { EntryFailure } from './failure.ts';
import type { Prefill } from '../../contract/metrics.ts';
import { formatCount } from '../../reports/figures/format.ts';
import { SESSION_COOKIE } from '../../stores/express-session.ts';

/** Sessions per bulk write: large enough to amortise a round trip, small enough to keep the app's batch in a few MB. */
const BATCH = 5000;
/** Bulk writes in flight at once: the app builds the next batch while the store takes the last. */
const IN_FLIGHT = 3;
/** The slowest prefill accepted: past `PREFILL_BASE_SECONDS + sessions / MIN_RATE` it fails as a timeout. */
const MIN_RATE = 2000;
const PREFILL_BASE_SECONDS = 60;
/** An in-process store stops before its projected heap passes this share of the app's heap limit. */
const HEAP_SHARE = 0.85;
/** Batches between heap readings after garbage collection (each costs a full GC of the app). */
const SETTLE_EVERY = 20;
const PROGRESS_EVERY_MS = 2000;
/** Sessions removed per request after the entry. */
const REMOVE_BATCH = 10_000;

/** The store has no bulk writer: the entry is skipped with this reason, never faked. */
export class PrefillUnsupported extends Error {
  override readonly name = 'PrefillUnsupported';
}

/** What a prefill needs besides the app. */
export interface PrefillRequest {
  sessions: number;
  /** Lifetime of each session from its write, in ms; negative writes them already expired. */
  ttlMs: number;
  /** The run's express-session secret, to sign cookies for prefilled ids. */
  secret: string;
  signal: AbortSignal;
  log(line: string): void;
  /** Names the store in progress lines. */
  label: string;
  /**
   * Remove what was written also after Ctrl-C: on a user's server under the libraries' names, where
   * nothing else can tell sessionbench's sessions apart (with its own names the runner removes them by name).
   */
  removeOnAbort?: boolean;
}

/** A prefill that ran: its record for the result, and the range to remove afterwards. */
export interface PrefillDone {
  record: Prefill;
  range: PrefillRange;
}

/** First, middle and last id of a range (or fewer): what the read-back checks. */
function sampleIndexes(count: number): number[] {
  return [...new Set([0, Math.floor(count / 2), count - 1])].filter((i) => i >= 0 && i < count);
}

/** Reads prefilled sessions back through the app with signed cookies; live ones must answer 200 with their user, expired ones 401. */
async function readBack(app: AppChild, range: PrefillRange, ttlMs: number, secret: string): Promise<number> {
  let verified = 0;
  for (const index of sampleIndexes(range.count)) {
    const id = `${range.idPrefix}${range.from + index}`;
    const client = new SessionClient(app.url);
    client.jar.set(SESSION_COOKIE, signedSessionCookie(id, secret));
    const answer = await client.send('GET', '/session');
    const live = ttlMs > 0;
    const expected = live ? `200 with user ${prefillUserId(id)}` : '401 (expired)';
    const ok = live ? answer.status === 200 && answer.body['user'] === prefillUserId(id) : answer.status === 401;
    if (!ok) throw new EntryFailure('verification', `prefilled session ${id} read back through the app answered ${answer.status} ${JSON.stringify(answer.body).slice(0, 120)}, expected ${expected}: the bulk encoding does not match the store's`);
    verified += 1;
  }
  return verified;
}

/**
 * Loads `sessions` sessions into the app's store through its bulk writer, in batches, with
 * progress, a time bound, Ctrl-C between batches, and a stop before an in-process store would
 * fill the app's heap. Reads a sample back through the app, and records time, rate and memory.
 */
export async function prefillStore(app: AppChild, request: PrefillRequest): Promise<PrefillDone> {
  const ability = app.capabilities.prefill;
  if (!ability || 'reason' in ability) throw new PrefillUnsupported(`cannot prefill ${app.label}: ${ability?.reason ?? 'it declares no bulk writer'}`);
  const range: PrefillRange = { idPrefix: `prefill-${randomBytes(4).toString('hex')}-`, from: 0, count: request.sessions };
  const serverBefore = await app.ask('serverStats');
  const heapBefore = await app.ask('heap');
  const boundMs = (PREFILL_BASE_SECONDS + request.sessions / MIN_RATE) * 1000;
  const started = performance.now();
  let written = 0;
  let heap = heapBefore;
  let next = 0;
  let settled = { used: heapBefore.used, written: 0 };
  let lastProgress = started;
  const batchSize = ability.batchSize ?? BATCH;
  const batches = Math.ceil(request.sessions / batchSize);
  let failed = false;
  let seconds = 0;
  let serverAfter: Awaited<ReturnType<typeof app.ask<'serverStats'>>> = null;
  let storedAfter: number | undefined;
  let verified = 0;
  // Sessions in the app's own heap (MemoryStore, memorystore) are projected from readings after garbage collection.
  const inProcess = !app.capabilities.sharedAcrossInstances;
  const batch = async (index: number, settle: boolean) => {
    const from = index * batchSize;
    const count = Math.min(batchSize, request.sessions - from);
    heap = await app.ask('prefill', { ...range, from, count, ttlMs: request.ttlMs });
    written += count;
    if (inProcess && settle) settled = { used: (await app.ask('heap')).used, written };
    const perSession = Math.max(0, settled.used - heapBefore.used) / Math.max(1, settled.written);
    const projected = inProcess ? Math.max(heap.used, settled.used + perSession * (request.sessions - settled.written)) : heap.used;
    if (projected > heap.limit * HEAP_SHARE) {
      throw new EntryFailure(
        'capacity',
        `${app.label} keeps sessions in the app's heap: ${formatCount(request.sessions)} sessions need about ${Math.round(projected / 2 ** 20)} MiB, over ${Math.round(HEAP_SHARE * 100)} % of the app's ${Math.round(heap.limit / 2 ** 20)} MiB heap limit; stopped at ${formatCount(written)} before the app runs out of memory`,
      );
    }
  };
  const worker = async () => {
    while (next < batches && !failed) {
      if (request.signal.aborted) throw new Error('interrupted during the prefill');
      const elapsed = performance.now() - started;
      if (elapsed > boundMs) {
        throw new EntryFailure('timeout', `prefill of ${formatCount(request.sessions)} sessions did not finish within ${Math.round(boundMs / 1000)} s (${formatCount(written)} written, ${formatCount(written / (elapsed / 1000))}/s)`);
      }
      const index = next++;
      await batch(index, index % SETTLE_EVERY === 0);
      const now = performance.now();
      if (now - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = now;
        request.log(`${request.label}: prefilled ${formatCount(written)}/${formatCount(request.sessions)} sessions (${formatCount(written / ((now - started) / 1000))}/s)`);
      }
    }
  };
  try {
    // The first batch alone, then a reading after GC: what one session costs the heap, before anything runs beside it.
    if (batches > 0) await batch(next++, true);
    await Promise.all(
      Array.from({ length: Math.min(IN_FLIGHT, batches) }, () =>
        worker().catch((error: unknown) => {
          failed = true;
          throw error;
        }),
      ),
    );
    seconds = (performance.now() - started) / 1000;
    heap = await app.ask('heap');
    serverAfter = await app.ask('serverStats');
    // Counting through MemoryStore reads every session and drops the expired ones: never count an expired prefill that way.
    storedAfter = (request.ttlMs > 0 ? await app.ask('count') : null) ?? serverAfter?.sessions;
    if (request.ttlMs > 0 && storedAfter !== undefined && storedAfter < request.sessions) {
      throw new EntryFailure('capacity', `${app.label} holds ${formatCount(storedAfter)} sessions after ${formatCount(request.sessions)} were prefilled: the server evicted or refused the rest (its memory limit)`);
    }
    verified = await readBack(app, range, request.ttlMs, request.secret);
  } catch (error) {
    // Leave no half prefill behind (after Ctrl-C a managed server goes anyway, and a user's is cleaned by name unless removeOnAbort).
    const until = request.removeOnAbort ? new AbortController().signal : request.signal;
    if (!until.aborted && !app.crashed()) await removePrefilled(app, { ...range, count: Math.min(request.sessions, next * batchSize) }, until).catch(() => {});
    throw error;
  }
  const server = serverBefore && serverAfter ? { before: serverBefore.bytes, after: serverAfter.bytes, source: serverAfter.source } : undefined;
  const grown = server ? server.after - server.before : heap.used - heapBefore.used;
  const ratePerSecond = seconds > 0 ? request.sessions / seconds : 0;
  request.log(`${request.label}: prefilled ${formatCount(request.sessions)} sessions in ${seconds.toFixed(1)} s (${formatCount(ratePerSecond)}/s)`);
  return {
    range,
    record: {
      sessions: request.sessions,
      method: ability.method,
      ttlMs: request.ttlMs,
      seconds,
      ratePerSecond,
      verified,
      ...(server ? { server } : {}),
      ...(storedAfter !== undefined ? { storedAfter } : {}),
      appHeap: { before: heapBefore.used, after: heap.used, limit: heap.limit },
      ...(request.sessions > 0 ? { bytesPerSession: Math.round(grown / request.sessions) } : {}),
    },
  };
}

/** Removes a prefilled range through the app's bulk writer, in batches; stops early on Ctrl-C. */
export async function removePrefilled(app: AppChild, range: PrefillRange, signal: AbortSignal): Promise<void> {
  const ability = app.capabilities.prefill;
  const batch = ability && 'method' in ability && ability.batchSize ? ability.batchSize : REMOVE_BATCH;
  for (let from = range.from; from < range.from + range.count && !signal.aborted; from += batch) {
    await app.ask('unprefill', { idPrefix: range.idPrefix, from, count: Math.min(batch, range.from + range.count - from) });
  }
}
