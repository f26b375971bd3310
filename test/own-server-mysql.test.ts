import { foreignMysql } from './helpers/foreign-data.ts';
import { ownServerSuite } from './helpers/own-server-suite.ts';

/** A user's mysql server holding other data: every scenario, prefill, conform and interrupt leave it byte-identical (issue 21). */
ownServerSuite({ kind: 'mysql', stores: ['mysql'], foreign: foreignMysql, prefills: true });
