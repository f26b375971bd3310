import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { parseRunResult } from '../contract/read.ts';
import type { ResultEntry } from '../contract/result.ts';
import { provisionServer, stopAllServers } from '../stores/servers/provision.ts';
import type { ProvisionedServer } from '../stores/servers/types.ts';
import type { ServerKind } from '../contract/vocabulary.ts';
import { crashLine } from '../harness/child-process.ts';
import { runCli } from './helpers/cli.ts';

/**
 * Failures must read as failures (class 3 of "a hostile world"): a store that refuses the work is a
 * failed verification, not a payload limit and exit 0; a server that dies mid-measurement fails the
 * entry with one readable sentence, never an empty reason or the tail of a stack dump. Real servers.
 */

const root = mkdtempSync(path.join(tmpdir(), 'sessionbench-faults-'));
chmodSync(root, 0o755);
after(async () => {
  await stopAllServers();
  rmSync(root, { recursive: true, force: true });
});

async function localServer(kind: ServerKind): Promise<ProvisionedServer> {
  const outcome = await provisionServer({ kind, sources: ['local'] });
  assert.equal(outcome.status, 'ready', outcome.status === 'skipped' ? `${kind}: ${outcome.reason}` : '');
  return (outcome as { server: ProvisionedServer }).server;
}

/** The only entry of a run's results.json. */
function onlyEntry(out: string): ResultEntry {
  const [stamp] = readdirSync(out);
  assert.ok(stamp, 'a results directory was written');
  const result = parseRunResult(readFileSync(path.join(out, stamp, 'results.json'), 'utf8'), 'results');
  assert.equal(result.entries.length, 1, JSON.stringify(result.entries));
  return result.entries[0]!;
}

/** One line of words, not a stack dump, not a placeholder. */
function assertReadableSentence(reason: string): void {
  assert.ok(reason.trim().length >= 15, `a reason worth reading: "${reason}"`);
  assert.doesNotMatch(reason, /\n/, 'one line');
  assert.doesNotMatch(reason, /\bat [^ ]+ \(?(node:|file:|\/)[^)]*:\d+:\d+/, 'no stack frame');
  assert.doesNotMatch(reason, /[{}]|spawnargs|errno:|Node\.js v\d/, 'not the tail of a stack dump');
  assert.doesNotMatch(reason, /without a message|no reason given|^undefined|\[object Object\]/, 'not a placeholder');
  assert.match(reason, /[A-Za-z]{3,} [A-Za-z]{2,}/, 'words');
}

test("a crashed Node process's reason is its error line, not the fields and version printed after it", () => {
  const dump = [
    'node:events:497',
    "      throw er; // Unhandled 'error' event",
    '      ^',
    '',
    'Error: spawn ping ENOENT',
    '    at ChildProcess._handle.onexit (node:internal/child_process:285:19)',
    "Emitted 'error' event on ChildProcess instance at:",
    "  spawnargs: [ '-c', '3', '127.0.0.1' ]",
    '}',
    '',
    'Node.js v20.20.2',
  ].join('\n');
  assert.equal(crashLine(dump), 'Error: spawn ping ENOENT');
  assert.equal(crashLine('TypeError [ERR_INVALID_ARG_TYPE]: The "path" argument must be of type string\n    at x (y.js:1:2)'), 'TypeError [ERR_INVALID_ARG_TYPE]: The "path" argument must be of type string');
  assert.equal(crashLine('listening\nshutting down'), undefined);
});

describe('a PostgreSQL role without rights on an existing session table', () => {
  test('bench exits 3 and the entry is a failed verification with a one-sentence reason', { timeout: 90_000 }, async (t) => {
    const server = await localServer('postgres');
    try {
      const admin = new pg.Client({ connectionString: server.handle.connectUrl });
      await admin.connect();
      try {
        await admin.query(`CREATE TABLE "session" ("sid" varchar NOT NULL COLLATE "default" PRIMARY KEY, "sess" json NOT NULL, "expire" timestamp(6) NOT NULL)`);
        await admin.query('CREATE INDEX "IDX_session_expire" ON "session" ("expire")');
        await admin.query('CREATE ROLE bench_without_rights LOGIN');
      } finally {
        await admin.end();
      }
      const restricted = new URL(server.handle.connectUrl);
      restricted.username = 'bench_without_rights';
      const out = path.join(root, 'no-rights');
      // The app's own `session` table, so the library's names (--namespace library) on a server holding it (--shared-server).
      const run = await runCli(['--store', 'postgres', '--scenario', 'read-heavy', '--repeat', '1', '--duration', '2s', '--warmup', '0s', '--namespace', 'library', '--shared-server', '--out', out], {
        env: { POSTGRES_URL: restricted.href },
        timeoutMs: 60_000,
      });
      t.diagnostic(`exit ${run.code}; ${run.stderr.split('\n').find((line) => /failed —/.test(line))}`);
      assert.equal(run.code, 3, `${run.stdout}\n${run.stderr}`);
      const entry = onlyEntry(out);
      assert.equal(entry.status, 'failed');
      if (entry.status !== 'failed') return;
      assert.equal(entry.cause, 'verification', entry.reason);
      assertReadableSentence(entry.reason);
      assert.match(entry.reason, /permission denied for table session/);
    } finally {
      await server.stop();
    }
  });
});

describe('a store server killed (SIGKILL) mid-measurement', () => {
  for (const kind of ['redis', 'memcached', 'postgres'] as const) {
    test(`${kind}: exit 3, the entry failed with one readable sentence`, { timeout: 90_000 }, async (t) => {
      const server = await localServer(kind);
      try {
        const out = path.join(root, `killed-${kind}`);
        let killedAt = 0;
        const run = await runCli(['--store', kind, '--scenario', 'read-heavy', '--repeat', '1', '--duration', '4s', '--warmup', '1s', '--out', out], {
          env: { [`${kind.toUpperCase()}_URL`]: server.handle.connectUrl },
          timeoutMs: 80_000,
          onStderr: (stderr) => {
            if (killedAt || !/measured/.test(stderr)) return;
            killedAt = Date.now();
            setTimeout(() => process.kill(server.pid!, 'SIGKILL'), 1000);
          },
        });
        const line = run.stderr.split('\n').find((l) => /failed —/.test(l));
        t.diagnostic(`exit ${run.code} ${Date.now() - killedAt} ms after the measured phase began; ${line}`);
        assert.ok(killedAt > 0, run.stderr);
        assert.equal(run.code, 3, `${run.stdout}\n${run.stderr}`);
        const entry = onlyEntry(out);
        assert.equal(entry.status, 'failed', JSON.stringify(entry).slice(0, 400));
        if (entry.status !== 'failed') return;
        assertReadableSentence(entry.reason);
        assert.ok(line?.endsWith(entry.reason), 'the log line gives the same reason');
      } finally {
        await server.stop();
      }
    });
  }
});
