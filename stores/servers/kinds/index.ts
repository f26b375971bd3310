import type { ServerKind } from '../../../contract/vocabulary.ts';
import type { ServerKindDefinition } from '../kind.ts';
import { memcached } from './memcached.ts';
import { mongo } from './mongo.ts';
import { mysql } from './mysql.ts';
import { postgres } from './postgres.ts';
import { redis } from './redis.ts';

/** Every server kind, one file each; provisioning, CLI flags and reports read them from here. */
export const SERVER_KIND_DEFINITIONS: Record<ServerKind, ServerKindDefinition> = { redis, memcached, postgres, mongo, mysql };

/** The definition of one server kind. */
export function serverKind(kind: ServerKind): ServerKindDefinition {
  return SERVER_KIND_DEFINITIONS[kind];
}
