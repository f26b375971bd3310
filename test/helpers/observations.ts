import assert from 'node:assert/strict';
import { observationsOf } from '../../reports/figures/aggregate.ts';
import type { ObservationKind, ObservationsOfKind } from '../../reports/figures/aggregate.ts';
import type { OkEntry } from '../../contract/result.ts';

/** The entry's observations, asserted to be of scenario kind `kind`. */
export function observed<K extends ObservationKind>(entry: Pick<OkEntry, 'observations'> & Partial<Pick<OkEntry, 'store' | 'scenario'>>, kind: K): ObservationsOfKind<K> {
  const observations = observationsOf(entry, kind);
  assert.ok(observations, `${entry.store ?? '?'}/${entry.scenario ?? '?'}: no ${kind} observations (has ${entry.observations?.kind ?? 'none'})`);
  return observations;
}
