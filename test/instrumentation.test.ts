import assert from 'node:assert/strict';
import { test } from 'node:test';
import { instrumentationMain } from '../harness/cli/instrumentation.ts';
import type { CliIo } from '../harness/cli/io.ts';

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    env: process.env,
    stderrIsTTY: false,
    onStopSignal: () => () => {},
  };
  const code = await instrumentationMain(argv, io);
  return { code, stdout, stderr };
}

test('bad input: one line naming the flag, exit 2, nothing run', async () => {
  for (const [argv, message] of [
    [['--pairs', '0'], /^--pairs: "0" must be a whole number from 1 to 50\n$/],
    [['--payload', 'huge'], /^--payload: "huge" is not a size/],
    [['--duration', '500ms'], /^--duration: /],
  ] as const) {
    const result = await run([...argv]);
    assert.equal(result.code, 2, argv.join(' '));
    assert.match(result.stderr, message);
    assert.equal(result.stderr.split('\n').filter(Boolean).length, 1);
    assert.equal(result.stdout, '');
  }
});

test('one short pair under wrk: both apps measured, the ratio, CPU per request and load average printed', async () => {
  const result = await run(['--pairs', '1', '--duration', '1s', '--warmup', '0s', '--connections', '2']);
  assert.ok(result.code === 0 || result.code === 1, `exit ${result.code}: ${result.stderr}`);
  assert.match(result.stdout, /^pair 1 \(bench first\): bench [\d,]+ req\/s, \d+ µs CPU\/request · plain [\d,]+ req\/s, \d+ µs CPU\/request · ratio \d+\.\d{3} \(CPU \d+\.\d{3}\); bench counted 0\.\d\d set \+ (0|1)\.\d\d touch/m);
  assert.match(result.stdout, /serialised \d+ of \d+ calls/);
  assert.match(result.stdout, /^ratio bench \/ plain \(throughput\): median \d+\.\d{3} .* over 1 pairs$/m);
  assert.match(result.stdout, /^load average [\d. ]+ at start, [\d. ]+ at end, \d+ cores$/m);
  assert.match(result.stdout, /^throughput ratio (NOT )?within the goal of 97\.0 %$/m);
});
