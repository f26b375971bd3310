import type { ScenarioKind } from './kinds.ts';

/**
 * Reads a schemaVersion 1 results file (sessionbench before the one-schema change) as
 * version 2. Version 1 kept observations as a flat map of numbers, failures and skips as
 * prose, and fewer capabilities; each is mapped to its typed form here, once, so no
 * reporter ever sees the old shape. The result is validated by the v2 schema afterwards.
 */

type Json = Record<string, unknown>;

const PAYLOAD_FAILURE = /^payload \d+ bytes:/;

/** What v1 recorded for an entry, by the observation names each runner wrote. */
function kindOf(entry: Json): ScenarioKind {
  const observations = (entry.observations ?? {}) as Json;
  if ('outagePausedAtMs' in observations || entry.scenario === 'outage') return 'outage';
  if ('lostUpdates' in observations || String(entry.scenario).startsWith('race')) return 'race';
  if ('acceptedAfterExpiry' in observations || entry.scenario === 'ttl') return 'ttl';
  return 'load';
}

function observationsV2(kind: ScenarioKind, v1: Json): Json {
  switch (kind) {
    case 'outage': {
      const { outagePausedAtMs, outageResumedAtMs, throughputBeforeOutage, throughputDuringOutage, failuresDuringOutage, failuresAfterResume, recovered, ...rest } = v1;
      return {
        kind,
        ...rest,
        pausedAtMs: outagePausedAtMs,
        resumedAtMs: outageResumedAtMs,
        throughputBefore: throughputBeforeOutage ?? 0,
        throughputDuring: throughputDuringOutage ?? 0,
        failuresDuring: failuresDuringOutage ?? 0,
        failuresAfter: failuresAfterResume ?? 0,
        recovered: Number(recovered) > 0,
      };
    }
    case 'load':
      return { logins: 0, ...v1, kind };
    default:
      return { ...v1, kind };
  }
}

/** v1 had no `sharedAcrossInstances`/`keepsSessions`: they follow from the store, as v1's reports assumed. */
function capabilitiesV2(store: string, capabilities: Json): Json {
  return { keepsSessions: store !== 'none', sharedAcrossInstances: store !== 'memory' && store !== 'none', ...capabilities };
}

function entryV2(entry: Json): Json {
  const kind = kindOf(entry);
  const out: Json = { ...entry, kind };
  if (entry.capabilities) out.capabilities = capabilitiesV2(String(entry.store), entry.capabilities as Json);
  if (entry.status === 'ok' && entry.observations) out.observations = observationsV2(kind, entry.observations as Json);
  if (entry.status === 'failed') {
    const payloadLimit = PAYLOAD_FAILURE.test(String(entry.reason));
    out.cause = payloadLimit ? 'payload-limit' : /^verif/.test(String(entry.reason)) ? 'verification' : 'error';
    if (payloadLimit) out.reason = String(entry.reason).replace(PAYLOAD_FAILURE, '').trim();
  }
  if (entry.status === 'skipped') out.cause = entry.server === undefined && /server/.test(String(entry.reason)) ? 'no-server' : 'not-applicable';
  return out;
}

/** The v1 document as a v2 document (not yet validated). */
export function migrateV1(document: Json): Json {
  const entries = Array.isArray(document.entries) ? (document.entries as Json[]).map(entryV2) : document.entries;
  return { ...document, schemaVersion: 2, entries };
}
