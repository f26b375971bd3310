import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runMain } from './helpers/main.ts';
import { buildRunResultFixture } from './fixtures/run-result.ts';
import { renderMarkdown } from '../reports/render/markdown.ts';
import type { ResultEntry, RunResult } from '../contract/result.ts';
import { renderTerminalTable } from '../reports/render/terminal.ts';

/**
 * Hostile input, run in-process through main(argv, io): each case must end with one line on
 * stderr naming the problem, the expected exit code, no password, nothing on stdout and nothing
 * written. Cases that need a real process (the bin's exit code, signals) live in cli and shutdown tests.
 */

const root = mkdtempSync(path.join(tmpdir(), 'sessionbench-hostile-'));
const sockets = new Set<Socket>();

/** A TCP server on a free port that does `onConnection` with each socket. */
async function tcpServer(onConnection: (socket: Socket) => void): Promise<Server & { port: number }> {
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(server, { port: (server.address() as AddressInfo).port });
}

/** Accepts and never answers: every client and probe must give up on it in bounded time. */
const silent = await tcpServer(() => {});
/** Answers memcached's `version` with something no memcached says. */
const oddMemcached = await tcpServer((socket) => socket.on('data', () => socket.write('VERSION \u001b[31mred\u001b[0m\r\n')));
after(() => {
  for (const socket of sockets) socket.destroy();
  silent.close();
  oddMemcached.close();
  rmSync(root, { recursive: true, force: true });
});

const fixture = fileURLToPath(new URL('./fixtures/run-result.json', import.meta.url));
const corrupt = path.join(root, 'corrupt.json');
writeFileSync(corrupt, '{"schemaVersion": 1, "entries": [');
const otherSchema = path.join(root, 'v99.json');
writeFileSync(otherSchema, JSON.stringify({ schemaVersion: 99, entries: [] }));
const notResults = path.join(root, 'package.json');
writeFileSync(notResults, JSON.stringify({ name: 'x', version: '1.0.0' }));
const partial = path.join(root, 'partial.json');
writeFileSync(partial, JSON.stringify({ ...JSON.parse(readFileSync(fixture, 'utf8')), partial: true }));
const aFile = path.join(root, 'a-file');
writeFileSync(aFile, 'not a directory');
const aDir = path.join(root, 'a-dir');
mkdirSync(aDir);

const PASSWORD = 'hunter2-secret';

interface Case {
  what: string;
  args: string[];
  code: number;
  line: RegExp;
  env?: NodeJS.ProcessEnv;
  /** Also checked: no results directory appeared under the given --out (default: one added by the test). */
  ownOut?: boolean;
  /** Checked as a bound on the time the command took, in ms. */
  withinMs?: number;
}

const SILENT_BOUND_MS = 8000;
const silentUrl = (scheme: string, db: string) => `${scheme}://bench:${PASSWORD}@127.0.0.1:${silent.port}/${db}`;

const CASES: Case[] = [
  { what: 'unknown store', args: ['--store', 'nope'], code: 2, line: /--store: unknown "nope"; valid: .*all/ },
  { what: 'unknown store option', args: ['--store', 'memorystore', '--store-option', 'colour=blue'], code: 2, line: /--store-option colour=blue: no selected store takes "colour"/ },
  { what: 'invalid store option', args: ['--store', 'redis', '--store-option', 'disableTouch=maybe'], code: 2, line: /--store-option disableTouch=maybe: redis: disableTouch: give true or false/ },
  { what: 'a prune interval past Node\'s longest timer (it would fire every 1 ms)', args: ['--store', 'postgres', '--store-option', 'pruneSessionInterval=2147484'], code: 2, line: /--store-option pruneSessionInterval=2147484: postgres: pruneSessionInterval \(seconds between prunes\): at most 1431655 \(connect-pg-simple waits up to 1\.5× it/ },
  { what: 'a namespace that is neither own nor library', args: ['--store', 'redis', '--namespace', 'theirs'], code: 2, line: /--namespace: "theirs" is not one of own, library/ },
  { what: 'a CPU placement that is neither split nor shared', args: ['--store', 'memory', '--cpu-placement', 'pinned'], code: 2, line: /--cpu-placement: "pinned" is not one of split, shared; split gives the app CPUs of its own/ },
  { what: '--repeat neither a count nor auto', args: ['--store', 'memory', '--repeat', 'many'], code: 2, line: /--repeat: "many" must be a whole number from 1 to 100, or auto/ },
  { what: '--repeat 3 with --baseline (the gate could not fail)', args: ['--store', 'none', '--repeat', '3', '--baseline', fixture], code: 2, line: /--repeat 3 with --baseline: the gate's exact test needs 5 repetitions on each side to reach p ≤ 0\.01, so it could not fail; use --repeat 5 \(or sessionbench ab: A\/B in one job\)/ },
  { what: 'a baseline with fewer repetitions than the gate needs', args: ['--store', 'none', '--repeat', '5', '--baseline', fixture], code: 2, line: /--baseline: .*run-result\.json was made with 2 repetitions; the gate's exact test needs 5 on each side to reach p ≤ 0\.01, so it could not fail; make the baseline with --repeat 5/ },
  { what: '--quick with --baseline (one repetition cannot fail the gate)', args: ['--store', 'none', '--quick', '--baseline', fixture], code: 2, line: /--quick with --baseline: one repetition a side cannot fail the gate \(its exact test needs 5\); drop --quick and give --repeat 5/ },
  { what: '"all" in a list', args: ['--store', 'all,redis'], code: 2, line: /--store: "all" stands alone; give --store all, or a list of none, memory/ },
  { what: 'unknown scenario', args: ['--scenario', 'everything'], code: 2, line: /--scenario: unknown "everything"; valid: read-heavy/ },
  { what: 'malformed duration', args: ['--duration', 'abc'], code: 2, line: /--duration: "abc" is not a duration; use e\.g\. 10s/ },
  { what: 'negative duration', args: ['--duration=-5s'], code: 2, line: /--duration/ },
  { what: 'zero duration', args: ['--duration', '0'], code: 2, line: /--duration: 0 is out of range/ },
  { what: 'absurd duration', args: ['--duration', '100h'], code: 2, line: /--duration: 100h is out of range; use between 1s and 3600s/ },
  { what: 'fractional duration (load runs whole seconds)', args: ['--duration', '1.5'], code: 2, line: /--duration: 1\.5 is 1\.5 s, but load runs in whole seconds; use 1s or 2s/ },
  { what: 'warm-up ".5" is half a second, refused as a fraction', args: ['--warmup', '.5'], code: 2, line: /--warmup: \.5 is 0\.5 s, but load runs in whole seconds/ },
  { what: 'warm-up in ms that is not whole seconds', args: ['--warmup', '1500ms'], code: 2, line: /--warmup: 1500ms is 1\.5 s/ },
  { what: 'negative warm-up', args: ['--warmup=-1s'], code: 2, line: /--warmup/ },
  { what: 'zero connections', args: ['--connections', '0'], code: 2, line: /--connections: "0" must be a whole number from 1 to 10000/ },
  { what: 'negative connections', args: ['--connections=-3'], code: 2, line: /--connections/ },
  { what: 'absurd connections', args: ['--connections', '5000000'], code: 2, line: /--connections: "5000000" must be a whole number from 1 to 10000/ },
  { what: 'fractional repeat', args: ['--repeat', '1.5'], code: 2, line: /--repeat/ },
  { what: 'absurd payload', args: ['--payload', '3gb'], code: 2, line: /--payload: "3gb" is not a size/ },
  { what: 'malformed URL', args: ['--redis-url', 'redis//127.0.0.1'], code: 2, line: /--redis-url: not a valid URL/ },
  { what: 'wrong URL scheme', args: ['--postgres-url', 'http://127.0.0.1:5432'], code: 2, line: /--postgres-url: .*postgres/ },
  { what: 'password in a malformed URL', args: ['--postgres-url', `postgres://bench:${PASSWORD}@[::1:5432/db`], code: 2, line: /--postgres-url: not a valid URL: postgres:\/\/bench:\*\*\*@/ },
  { what: 'unencoded / in a Redis password', args: ['--redis-url', `redis://:${PASSWORD}/x@127.0.0.1:6379`], code: 2, line: /--redis-url: not a valid URL: redis:\/\/:\*\*\*@127\.0\.0\.1:6379/ },
  { what: 'unencoded / in a MongoDB password', args: ['--mongo-url', `mongodb://u:${PASSWORD}/x@127.0.0.1:27017/db`], code: 2, line: /--mongo-url: not a valid URL: mongodb:\/\/u:\*\*\*@127\.0\.0\.1:27017\/db/ },
  { what: 'unwritable --out (a file, not a directory)', args: ['--store', 'none', '--out', path.join(aFile, 'results')], code: 2, line: /--out: cannot write to ".*" \(ENOTDIR\)/, ownOut: true },
  { what: '--out is an existing file', args: ['--store', 'none', '--out', aFile], code: 2, line: /--out: ".*a-file" is a file, not a directory/, ownOut: true },
  { what: 'unwritable --out (/proc)', args: ['--store', 'none', '--out', '/proc/sessionbench'], code: 2, line: /--out: cannot write to "\/proc\/sessionbench"/, ownOut: true },
  { what: 'a newline in --out', args: ['--store', 'none', '--out', path.join(root, 'two\nlines')], code: 2, line: /--out: the path ".*two\\nlines" holds a control character/, ownOut: true },
  { what: 'report --out /proc/x', args: ['report', fixture, '--out', '/proc/x'], code: 2, line: /--out: cannot write to "\/proc\/x"/, ownOut: true, withinMs: 5000 },
  { what: 'report --out an existing file', args: ['report', fixture, '--out', aFile], code: 2, line: /--out: ".*a-file" is a file, not a directory/, ownOut: true },
  { what: 'report --out with a newline', args: ['report', fixture, '--out', path.join(root, 'x\ny')], code: 2, line: /--out: the path ".*x\\ny" holds a control character/, ownOut: true },
  { what: 'export k6 --out a directory', args: ['export', 'k6', '--scenario', 'read-heavy', '--rate', '10', '--target', 'http://127.0.0.1:1', '--out', aDir], code: 2, line: /--out: ".*a-dir" is a directory; give a file name/, ownOut: true },
  { what: 'export k6 --out under /proc', args: ['export', 'k6', '--scenario', 'read-heavy', '--rate', '10', '--target', 'http://127.0.0.1:1', '--out', '/proc/x/s.js'], code: 2, line: /--out: cannot write to "\/proc\/x\/s\.js"/, ownOut: true },
  { what: 'corrupt baseline', args: ['--store', 'none', '--baseline', corrupt], code: 2, line: /baseline .*corrupt\.json is not a sessionbench results file/ },
  { what: 'baseline of another schema', args: ['--store', 'none', '--baseline', otherSchema], code: 2, line: /schemaVersion 2 expected/ },
  { what: 'a JSON file that is not results', args: ['--store', 'none', '--baseline', notResults], code: 2, line: /is not a sessionbench results file/ },
  { what: 'a partial (interrupted) baseline', args: ['--store', 'none', '--baseline', partial], code: 2, line: /--baseline: .*partial\.json is a partial \(interrupted\) run; compare with a complete run/ },
  { what: 'missing baseline', args: ['--store', 'none', '--baseline', path.join(root, 'nope.json')], code: 2, line: /baseline .*nope\.json cannot be read \(no such file/ },
  { what: 'bad --fail-on', args: ['--store', 'none', '--fail-on', 'lots'], code: 2, line: /--fail-on: "lots" must be a percentage/ },
  { what: 'payload too large for the cookie store', args: ['--store', 'cookie', '--payload', '10kb'], code: 2, line: /--payload: 10240 bytes cannot fit cookie-session's cookie/ },
  { what: '--rate without the k6 driver', args: ['--rate', '100'], code: 2, line: /--rate: applies to --driver k6/ },
  { what: 'unknown driver', args: ['--driver', 'jmeter'], code: 2, line: /--driver: unknown "jmeter"/ },
  { what: 'unknown flag', args: ['--turbo'], code: 2, line: /unknown option '--turbo'/ },
  { what: 'a control character in a flag value', args: ['--store', 'no\u001b[2Jpe'], code: 2, line: /--store: unknown "no\\u001b\[2Jpe"/ },
  { what: 'unreachable server, store named', args: ['--store', 'redis', '--redis-url', `redis://:${PASSWORD}@127.0.0.1:1`], code: 3, line: /redis: cannot reach redis:\/\/:\*\*\*@127\.0\.0\.1:1/ },
  ...(
    [
      ['redis', 'REDIS_URL', 'redis', '0'],
      ['memcached', 'MEMCACHED_URL', 'memcached', ''],
      ['postgres', 'POSTGRES_URL', 'postgres', 'db'],
      ['mongo', 'MONGO_URL', 'mongodb', 'db'],
      ['mysql', 'MYSQL_URL', 'mysql', 'db'],
    ] as const
  ).map(([kind, variable, scheme, db]): Case => ({
    what: `${variable} at a server that accepts and never answers`,
    args: ['--store', kind, '--repeat', '1', '--scenario', 'read-heavy', '--duration', '1', '--warmup', '0'],
    env: { [variable]: silentUrl(scheme, db) },
    code: 3,
    line: new RegExp(`^sessionbench: ${kind}: cannot reach ${scheme}://bench:\\*\\*\\*@127\\.0\\.0\\.1:${silent.port}/${db} ?: (no answer within 2500 ms|Server selection timed out after 2500 ms)$`),
    withinMs: SILENT_BOUND_MS,
  })),
  {
    what: 'an unexpected memcached VERSION reply (control characters in it)',
    args: ['--store', 'memcached', '--memcached-url', `127.0.0.1:${oddMemcached.port}`],
    code: 3,
    line: /memcached: cannot reach memcached:\/\/127\.0\.0\.1:\d+: not a memcached reply to "version": "VERSION \?\[31mred\?\[0m"$/,
    withinMs: SILENT_BOUND_MS,
  },
];

for (const { what, args, code, line, env, ownOut, withinMs } of CASES) {
  test(`${what}: one line, exit ${code}, nothing written`, async (t) => {
    const out = path.join(root, `out-${what.replace(/\W+/g, '-')}`);
    const started = performance.now();
    const run = await runMain(ownOut ? args : [...args, '--out', out], { env });
    const took = performance.now() - started;
    t.diagnostic(`exit ${run.code} after ${took.toFixed(0)} ms: ${run.stderr.trim()}`);
    assert.equal(run.code, code, `exit code; stderr:\n${run.stderr}`);
    const lines = run.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `exactly one line on stderr, got:\n${run.stderr}`);
    assert.match(lines[0]!, /^sessionbench: /);
    assert.match(lines[0]!, line);
    assert.doesNotMatch(run.stderr, /[\u0000-\u0009\u000b-\u001f\u007f]/, 'no raw control character reaches the terminal');
    assert.ok(!run.stderr.includes(PASSWORD) && !run.stdout.includes(PASSWORD), 'the password never appears');
    assert.equal(run.stdout, '', 'nothing on stdout');
    if (!ownOut) assert.equal(existsSync(out), false, 'no results directory');
    if (withinMs !== undefined) assert.ok(took < withinMs, `took ${took.toFixed(0)} ms, bound ${withinMs} ms`);
  });
}

test('nothing was written beside the inputs, and no probe directory was left', () => {
  assert.deepEqual(readdirSync(root).filter((name) => name.startsWith('.sessionbench-probe-') || name.endsWith('.tmp')), []);
  assert.deepEqual(readdirSync(aDir), []);
  assert.ok(!existsSync(path.join(path.dirname(fixture), 'report.html')));
});


describe('untrusted text stays inert wherever it goes', () => {
  const HOSTILE = 'x\u001b[2J\u001b]0;owned\u0007\rback\u0085nel\u2028ls\u2029ps\r\nrow | cell `code` <b>';

  function hostileResult(): RunResult {
    const result = buildRunResultFixture();
    result.env.gitSha = `abc\u001b[31m`;
    result.entries = result.entries.map((entry, i) =>
      i === 0
        ? { ...entry, storeLabel: `label ${HOSTILE}`, ...(entry.server ? { server: { ...entry.server, version: HOSTILE, label: HOSTILE } } : {}) }
        : entry,
    );
    result.entries.push({ ...result.entries[0]!, status: 'failed', reason: `reason ${HOSTILE}`, cause: 'error' } as ResultEntry);
    return result;
  }

  test('the terminal table shows control characters as escapes, never raw', () => {
    const text = renderTerminalTable(hostileResult());
    assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/);
    assert.match(text, /\\u001b\[2J/);
  });

  test('every Markdown table row stays one row with its own cells', () => {
    const markdown = renderMarkdown(hostileResult());
    assert.doesNotMatch(markdown, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/);
    for (const table of markdown.split('\n\n').filter((block) => block.startsWith('| '))) {
      const rows = table.split('\n').filter((line) => line.startsWith('|'));
      const cells = (line: string) => line.split(/(?<!\\)\|/).length;
      for (const row of rows) assert.equal(cells(row), cells(rows[0]!), `row: ${row}`);
    }
    assert.ok(!markdown.includes('<b>'), 'inline HTML is escaped');
  });

  test('a crafted --target cannot add code to the exported k6 script', async () => {
    const dir = mkdtempSync(path.join(root, 'k6-'));
    const target = "http://127.0.0.1:1/a'+globalThis.x+'\nimport fs from 'k6/experimental/fs'; // */ \u2028 globalThis.pwned = 1;";
    const run = await runMain(['export', 'k6', '--scenario', 'read-heavy', '--rate', '10', '--target', target]);
    assert.equal(run.code, 0, run.stderr);
    const script = path.join(dir, 'script.mjs');
    writeFileSync(script, run.stdout);
    execFileSync(process.execPath, ['--check', script]);
    assert.ok(!/^import fs/m.test(run.stdout), 'no injected import line');
    assert.ok(!run.stdout.includes('globalThis.pwned = 1'), 'the target is percent-encoded, not pasted');
    const config = JSON.parse(/^const CONFIG = (.*);$/m.exec(run.stdout)![1]!) as { target: string };
    assert.equal(config.target, new URL(target).href.replace(/\/+$/, ''));
  });
});
