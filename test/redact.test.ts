import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { redactText, redactUrls } from '../harness/cli/redact.ts';
import { parseRunResult } from '../contract/read.ts';
import { provisionServer, stopAllServers } from '../stores/servers/provision.ts';
import { runCli } from './helpers/cli.ts';

const root = mkdtempSync(path.join(tmpdir(), 'sessionbench-redact-'));
after(async () => {
  await stopAllServers();
  rmSync(root, { recursive: true, force: true });
});

test('only the password field of a URL is hidden; the user name and all other text stay', () => {
  assert.equal(redactText('connect to postgres://bench:s3cr%40t@db:5432/x failed'), 'connect to postgres://bench:***@db:5432/x failed');
  assert.equal(redactText('redis://:e@127.0.0.1:6390 serves memory read-heavy'), 'redis://:***@127.0.0.1:6390 serves memory read-heavy');
  assert.equal(redactText('postgres://postgres:postgres@h/db postgres'), 'postgres://postgres:***@h/db postgres');
  assert.equal(redactText('redis://127.0.0.1:1 and postgres://u@h/d'), 'redis://127.0.0.1:1 and postgres://u@h/d');
  assert.equal(redactText('mongodb://u:secret@a:1,b:2/db?replicaSet=rs0'), 'mongodb://u:***@a:1,b:2/db?replicaSet=rs0');
});

test('a URL that does not parse loses everything between :// and the last @', () => {
  assert.equal(redactText('redis://:Leak/Me99@127.0.0.1:6379'), 'redis://:***@127.0.0.1:6379');
  assert.equal(redactText('mongodb://u:Leak/Me99@h:27017/db'), 'mongodb://u:***@h:27017/db');
  assert.equal(redactText('"redis://:p@ss@h:1" x'), '"redis://:***@h:1" x');
  assert.equal(redactText('redis://Leak/Me99@h'), 'redis://***@h', 'no colon, but not a plain user name either');
});

test('a document keeps its ids when a password is a common word', () => {
  const doc = { store: 'memory', scenario: 'read-heavy', server: { url: 'postgres://postgres:postgres@h/d' }, list: ['e', 'postgres'] };
  assert.deepEqual(redactUrls(doc), { ...doc, server: { url: 'postgres://postgres:***@h/d' } });
});

test("passwords 'e' and 'postgres' leave store and scenario ids intact, and report reads the file back", async () => {
  const outcome = await provisionServer({ kind: 'postgres', sources: ['local'] });
  assert.equal(outcome.status, 'ready', outcome.status === 'skipped' ? outcome.reason : '');
  if (outcome.status !== 'ready') return;
  // The local server trusts every password, so the official image's default one works.
  const postgresUrl = outcome.server.handle.connectUrl.replace('postgres://postgres@', 'postgres://postgres:postgres@');
  const out = path.join(root, 'run');
  const run = await runCli(['--store', 'memory,postgres', '--scenario', 'read-heavy', '--repeat', '1', '--duration', '1s', '--warmup', '0', '--connections', '2', '--quiet', '--out', out], {
    env: { POSTGRES_URL: postgresUrl, REDIS_URL: 'redis://:e@127.0.0.1:6390' },
    timeoutMs: 90_000,
  });
  assert.equal(run.code, 0, run.stderr);
  const [stamp] = readdirSync(out);
  const file = path.join(out, stamp!, 'results.json');
  const text = readFileSync(file, 'utf8');
  const result = parseRunResult(text, 'results.json');
  assert.deepEqual(result.entries.map((e) => [e.store, e.scenario, e.status]), [['memory', 'read-heavy', 'ok'], ['postgres', 'read-heavy', 'ok']]);
  const postgres = result.entries.find((e) => e.store === 'postgres');
  assert.match(postgres?.server?.url ?? '', /^postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/sessionbench$/);
  assert.ok(!text.includes('postgres:postgres@'), 'the password is not stored');
  assert.ok(!text.includes('***mory') && !text.includes('r***ad'), 'no id was touched');
  const report = await runCli(['report', file], { timeoutMs: 30_000 });
  assert.equal(report.code, 0, report.stderr);
  assert.match(report.stdout, /report: .*report\.html/);
});
