import { z } from 'zod';
import type { LoadModel } from '../contract/metrics.ts';
import type { RequestDistribution } from '../contract/vocabulary.ts';

/** The app routes a load scenario can send, as "METHOD /path". */
export const LOAD_ROUTES = ['GET /session', 'POST /session', 'POST /counter', 'POST /items'] as const;
export type LoadRoute = (typeof LOAD_ROUTES)[number];

/** The routes a race burst can send: the two oracles (counter, items) and a read. */
export const RACE_ROUTES = ['POST /counter', 'POST /items', 'GET /session'] as const;
export type RaceRoute = (typeof RACE_ROUTES)[number];

/** One route of a request mix and its weight. */
export const mixEntry = z.object({
  route: z.enum(LOAD_ROUTES),
  weight: z.number().int().positive(),
});

/** Fields every scenario has. */
export const identity = {
  id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
  description: z.string().min(1),
};

/** The run settings a scenario's planned length depends on. */
export interface RunTiming {
  warmupSeconds: number;
  durationSeconds: number;
  repeat: number;
}

/** The run's load generator settings: closed model (connections) or open model (a rate). */
export interface RunLoad {
  connections: number;
  /** Present when the run uses the open model (k6). */
  ratePerSecond?: number;
  /** `--users`: logged-in users the load spreads over, and how each request picks one. */
  users?: number;
  distribution?: RequestDistribution;
  /** `--login-rate`: new users arriving per second. */
  loginsPerSecond?: number;
}

/** The load model of the run's own driver: autocannon's closed model, or k6's open model at a rate. */
export function driverLoadModel(load: RunLoad): LoadModel {
  const users = load.users !== undefined ? { users: load.users, distribution: load.distribution ?? 'zipfian', ...(load.loginsPerSecond !== undefined ? { loginsPerSecond: load.loginsPerSecond } : {}) } : {};
  return load.ratePerSecond !== undefined
    ? { driver: 'k6', model: 'open', ratePerSecond: load.ratePerSecond, ...users }
    : { driver: 'autocannon', model: 'closed', connections: load.connections, ...users };
}

/**
 * What sessionbench knows about one scenario kind, as pure data and functions (no I/O): each
 * scenarios/<kind>/scenario.ts exports one, and scenarios/index.ts lists them.
 */
export interface ScenarioKindDefinition<S extends { kind: string; id: string }> {
  /** Validates one scenario of this kind. */
  schema: z.ZodType<S>;
  /** The built-in scenarios of this kind, as plain data (validated when the registry loads). */
  builtIns: readonly unknown[];
  /** Seconds of timed phases one store takes; undefined when the kind sends scripted requests of no planned length. */
  plannedSeconds(timing: RunTiming, scenario: S, prefill: number): number | undefined;
  /** The load model that really produces this kind's numbers. */
  loadModel(load: RunLoad, scenario: S): LoadModel;
}
