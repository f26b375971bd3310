import type { ServerKind } from '../../../contract/vocabulary.ts';
import { memcachedOwnData } from './memcached.ts';
import { mongoOwnData } from './mongo.ts';
import { mysqlOwnData } from './mysql.ts';
import { postgresOwnData } from './postgres.ts';
import { redisOwnData } from './redis.ts';
import type { OwnData } from './types.ts';

export type { Capacity, Census, OwnData } from './types.ts';

/** sessionbench's own data, per server kind. */
export const OWN_DATA: Record<ServerKind, OwnData> = {
  redis: redisOwnData,
  memcached: memcachedOwnData,
  postgres: postgresOwnData,
  mysql: mysqlOwnData,
  mongo: mongoOwnData,
};
