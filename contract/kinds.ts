import { z } from 'zod';
import { expiryObservationsSchema } from '../scenarios/expiry/observations.ts';
import { loadObservationsSchema } from '../scenarios/load/observations.ts';
import { outageObservationsSchema } from '../scenarios/outage/observations.ts';
import { restartObservationsSchema } from '../scenarios/restart/observations.ts';
import { raceObservationsSchema } from '../scenarios/race/observations.ts';
import { ttlObservationsSchema } from '../scenarios/ttl/observations.ts';

/**
 * THE list of scenario kinds. Each kind is one folder, scenarios/<kind>/, and this list holds its
 * observation schema (scenarios/<kind>/observations.ts, the kind's part of the results contract).
 * Every other list of kinds is typed `Record<ScenarioKind, …>` from it, so the compiler names each
 * registry a new kind still lacks (scenarios/index.ts, reports/sections/index.ts, harness/run/kinds.ts).
 */
const KIND_OBSERVATIONS = [loadObservationsSchema, raceObservationsSchema, ttlObservationsSchema, outageObservationsSchema, expiryObservationsSchema, restartObservationsSchema] as const;

/** The scenario kinds, derived from their observation schemas. */
export const SCENARIO_KINDS = KIND_OBSERVATIONS.map((schema) => schema.shape.kind.value);
export type ScenarioKind = (typeof KIND_OBSERVATIONS)[number]['shape']['kind']['value'];

/** Scenario-specific observations, one typed shape per scenario kind. */
export const observationsSchema = z.discriminatedUnion('kind', [loadObservationsSchema, raceObservationsSchema, ttlObservationsSchema, outageObservationsSchema, expiryObservationsSchema, restartObservationsSchema]);
export type Observations = z.infer<typeof observationsSchema>;
