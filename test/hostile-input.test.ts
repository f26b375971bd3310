import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { runCli } from './helpers/cli.ts';

const root = mkdtempSync(path.join(tmpdir(), 'sessionbench-hostile-'));
after(() => rmSync(root, { recursive: true, force: true }));

const corrupt = path.join(root, 'corrupt.json');
writeFileSync(corrupt, '{"schemaVersion": 1, "entries": [');
const otherSchema = path.join(root, 'v99.json');
writeFileSync(otherSchema, JSON.stringify({ schemaVersion: 99, entries: [] }));
const notResults = path.join(root, 'package.json');
writeFileSync(notResults, JSON.stringify({ name: 'x', version: '1.0.0' }));
const aFile = path.join(root, 'a-file');
writeFileSync(aFile, 'not a directory');

const PASSWORD = 'hunter2-secret';

/** [what, arguments, exit code, the one line must match]. Every case must leave --out unwritten. */
const CASES: Array<[string, string[], number, RegExp]> = [
  ['unknown store', ['--store', 'nope'], 2, /--store: unknown "nope"; valid: .*all/],
  ['unknown scenario', ['--scenario', 'everything'], 2, /--scenario: unknown "everything"; valid: read-heavy/],
  ['malformed duration', ['--duration', 'abc'], 2, /--duration: "abc" is not a duration; use e\.g\. 10s/],
  ['negative duration', ['--duration=-5s'], 2, /--duration/],
  ['zero duration', ['--duration', '0'], 2, /--duration: 0 is out of range/],
  ['absurd duration', ['--duration', '100h'], 2, /--duration: 100h is out of range; use between 1s and 3600s/],
  ['negative warm-up', ['--warmup=-1s'], 2, /--warmup/],
  ['zero connections', ['--connections', '0'], 2, /--connections: "0" must be a whole number from 1 to 10000/],
  ['negative connections', ['--connections=-3'], 2, /--connections/],
  ['absurd connections', ['--connections', '5000000'], 2, /--connections: "5000000" must be a whole number from 1 to 10000/],
  ['fractional repeat', ['--repeat', '1.5'], 2, /--repeat/],
  ['absurd payload', ['--payload', '3gb'], 2, /--payload: "3gb" is not a size/],
  ['malformed URL', ['--redis-url', 'redis//127.0.0.1'], 2, /--redis-url: not a valid URL/],
  ['wrong URL scheme', ['--postgres-url', 'http://127.0.0.1:5432'], 2, /--postgres-url: .*postgres/],
  ['password in a malformed URL', ['--postgres-url', `postgres://bench:${PASSWORD}@[::1:5432/db`], 2, /--postgres-url/],
  ['unwritable --out (a file, not a directory)', ['--store', 'none', '--out', path.join(aFile, 'results')], 2, /--out: cannot write to .* \(ENOTDIR\)/],
  ['unwritable --out (/proc)', ['--store', 'none', '--out', '/proc/sessionbench'], 2, /--out: cannot write to \/proc\/sessionbench/],
  ['corrupt baseline', ['--store', 'none', '--baseline', corrupt], 2, /baseline .*corrupt\.json is not a sessionbench results file/],
  ['baseline of another schema', ['--store', 'none', '--baseline', otherSchema], 2, /schemaVersion 1 expected/],
  ['a JSON file that is not results', ['--store', 'none', '--baseline', notResults], 2, /is not a sessionbench results file/],
  ['missing baseline', ['--store', 'none', '--baseline', path.join(root, 'nope.json')], 2, /baseline .*nope\.json cannot be read \(no such file/],
  ['bad --fail-on', ['--store', 'none', '--fail-on', 'lots'], 2, /--fail-on: "lots" must be a percentage/],
  ['payload too large for the cookie store', ['--store', 'cookie', '--payload', '10kb'], 2, /--payload: 10240 bytes cannot fit cookie-session's cookie/],
  ['--rate without the k6 driver', ['--rate', '100'], 2, /--rate: applies to --driver k6/],
  ['unknown driver', ['--driver', 'jmeter'], 2, /--driver: unknown "jmeter"/],
  ['unknown flag', ['--turbo'], 2, /unknown option '--turbo'/],
  ['unknown store option', ['--store', 'memorystore', '--store-option', 'colour=blue'], 2, /--store-option colour=blue: no selected store takes "colour"/],
  ['invalid store option', ['--store', 'redis', '--store-option', 'disableTouch=maybe'], 2, /--store-option disableTouch=maybe: redis: disableTouch: give true or false/],
  ['unreachable server, store named', ['--store', 'redis', '--redis-url', `redis://:${PASSWORD}@127.0.0.1:1`], 3, /redis/],
];

for (const [what, args, code, expected] of CASES) {
  test(`${what}: one line, exit ${code}, nothing written`, async () => {
    const out = path.join(root, `out-${what.replace(/\W+/g, '-')}`);
    const hasOut = args.includes('--out');
    const run = await runCli(hasOut ? args : [...args, '--out', out], { timeoutMs: 30_000 });
    assert.equal(run.code, code, `exit code; stderr:\n${run.stderr}`);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `exactly one line on stderr, got:\n${run.stderr}`);
    assert.match(lines[0]!, /^sessionbench: /);
    assert.match(lines[0]!, expected);
    assert.ok(!run.stderr.includes(PASSWORD) && !run.stdout.includes(PASSWORD), 'the password never appears');
    assert.equal(run.stdout, '', 'nothing on stdout');
    if (!hasOut) assert.equal(existsSync(out), false, 'no results directory');
  });
}

test('the table has at least 15 cases', () => assert.ok(CASES.length >= 15));
