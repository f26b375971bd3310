import { foreignRedis } from './helpers/foreign-data.ts';
import { ownServerSuite } from './helpers/own-server-suite.ts';

/** A user's redis server holding other data: every scenario, prefill, conform and interrupt leave it byte-identical (issue 21). */
ownServerSuite({ kind: 'redis', stores: ['redis'], foreign: foreignRedis, prefills: true });
