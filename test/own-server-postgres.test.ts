import { foreignPostgres } from './helpers/foreign-data.ts';
import { ownServerSuite } from './helpers/own-server-suite.ts';

/** A user's postgres server holding other data: every scenario, prefill, conform and interrupt leave it byte-identical (issue 21). */
ownServerSuite({ kind: 'postgres', stores: ['postgres', 'knex-postgres'], foreign: foreignPostgres, prefills: true });
