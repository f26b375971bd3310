import { foreignMemcached } from './helpers/foreign-data.ts';
import { ownServerSuite } from './helpers/own-server-suite.ts';

/** A user's memcached server holding other data: every scenario, prefill, conform and interrupt leave it byte-identical (issue 21). */
ownServerSuite({ kind: 'memcached', stores: ['memcached'], foreign: foreignMemcached, prefills: true });
