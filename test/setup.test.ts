import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { findBinary } from '../stores/servers/binaries.ts';
import { provisionServer } from '../stores/servers/provision.ts';

const run = promisify(execFile);
const ENSURE = new URL('../.ci/ensure.sh', import.meta.url).pathname;
const temp = mkdtempSync(join(tmpdir(), 'sessionbench-setup-'));
after(() => rmSync(temp, { recursive: true, force: true }));

/** A PATH directory holding only `tools` (symlinks to the real ones): everything else looks uninstalled. */
function pathWith(name: string, tools: string[]): string {
  const dir = join(temp, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  for (const tool of tools) {
    const real = findBinary(tool);
    assert.ok(real, `${tool} must be on this machine's PATH for the test to hide the rest`);
    symlinkSync(real, join(dir, tool));
  }
  return dir;
}

describe('what npm test needs (.ci/ensure.sh)', () => {
  test('with nothing installable it changes nothing, names every missing piece with how to get it, and exits 1', async () => {
    const path = pathWith('bare', ['bash', 'env', 'dirname', 'id', 'uname', 'sed']);
    const failed = await run(ENSURE, ['--dry-run'], { env: { PATH: path, HOME: temp, SESSIONBENCH_CACHE: join(temp, 'cache') } }).then(
      () => assert.fail('ensure.sh passed with nothing installed'),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(failed.code, 1);
    const lines = failed.stderr.trim().split('\n');
    for (const piece of [/redis-server: missing .* redis-server$/, /memcached: missing .* memcached$/, /chromium: missing .* chromium$/, /setpriv: missing .* util-linux$/, /ferretdb: not found .*Go 1\.25/, /k6: not found .*Go 1\.25/]) {
      assert.equal(lines.filter((line) => piece.test(line)).length, 1, `one line matching ${piece} in\n${failed.stderr}`);
    }
    assert.match(failed.stderr, /wrk: missing, needed only by npm run calibrate/);
    assert.match(lines.at(-1)!, /^sessionbench test setup: \d+ missing: nothing was installed or tested$/);
  });

  test('a K6_BIN that is not executable is named, not silently replaced', async () => {
    const failed = await run(ENSURE, ['--dry-run'], { env: { ...process.env, K6_BIN: join(temp, 'no-such-k6') } }).then(
      () => assert.fail('ensure.sh passed with a wrong K6_BIN'),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /k6: K6_BIN=.*no-such-k6 is not an executable file — fix or unset K6_BIN/);
  });
});

describe('a server bench cannot find', () => {
  test('is skipped with the one command that gets it', async () => {
    const saved = process.env.PATH;
    process.env.PATH = pathWith('apt-only', ['apt-get']);
    try {
      const outcome = await provisionServer({ kind: 'redis', sources: ['local'] });
      assert.equal(outcome.status, 'skipped');
      assert.equal(outcome.status === 'skipped' ? outcome.fix : undefined, `${process.getuid?.() === 0 ? '' : 'sudo '}apt-get install -y redis-server`);
    } finally {
      process.env.PATH = saved;
    }
  });
});
