import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { parseRunResult } from '../contract/read.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSC = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'sessionbench-pack-'));
const project = path.join(work, 'project');
after(() => rmSync(work, { recursive: true, force: true }));

/** The environment of a command run by hand in the project: no npm_* variables leaking in from an outer `npm test`. */
const env = { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_'))), CI: '1' };

async function sh(file: string, args: string[], cwd: string, timeout = 300_000): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, env, timeout, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? String(error) };
  }
}

/**
 * The path a team takes: `npm pack`, then an empty project that installs the tarball beside its own
 * Express 4 and express-session 1.18 (no store clients), and runs `npx sessionbench` there.
 */
describe('the packed tarball in an empty project with Express 4', { timeout: 900_000 }, () => {
  let tarball = '';
  let files: string[] = [];

  before(async () => {
    const packed = await sh('npm', ['pack', '--json', '--pack-destination', work], ROOT);
    assert.equal(packed.code, 0, packed.stderr);
    const [info] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
    tarball = path.join(work, info.filename);
    files = info.files.map((file) => file.path);
    mkdirSync(project);
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'team-app', version: '1.0.0', private: true }));
    const installed = await sh('npm', ['install', '--no-audit', '--no-fund', tarball, 'express@4', 'express-session@1.18'], project);
    assert.equal(installed.code, 0, installed.stderr);
  });

  test('the tarball holds the CLI, its sources and built types, and no tests', () => {
    for (const file of ['bin/sessionbench.js', 'harness/cli/main.ts', 'stores/index.ts', 'dist/types/stores/custom-store.d.ts', 'package.json']) assert.ok(files.includes(file), `${file} is packed`);
    assert.deepEqual(files.filter((file) => file.startsWith('test/')), []);
  });

  test('npx sessionbench --store memory runs on the project\'s Express 4 and express-session and records their versions', async () => {
    const out = path.join(work, 'results');
    const bench = await sh('npx', ['sessionbench', '--store', 'memory', '--scenario', 'read-heavy', '--repeat', '1', '--duration', '1s', '--warmup', '0s', '--out', out], project, 120_000);
    assert.equal(bench.code, 0, bench.stderr);
    const [stamp] = readdirSync(out);
    const result = parseRunResult(readFileSync(path.join(out, stamp!, 'results.json'), 'utf8'), 'results.json');
    assert.deepEqual(result.entries.map((entry) => [entry.store, entry.status]), [['memory', 'ok']]);
    const version = (name: string) => (JSON.parse(readFileSync(path.join(project, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    assert.match(version('express'), /^4\./);
    assert.equal(result.env.packages.express, version('express'));
    assert.equal(result.env.packages['express-session'], version('express-session'));
  });

  test('a built-in store whose client is not installed: one line naming the install command, exit 2', async () => {
    const bench = await sh('npx', ['sessionbench', '--store', 'redis', '--duration', '1s', '--warmup', '0s', '--out', path.join(work, 'none')], project, 60_000);
    assert.equal(bench.code, 2, bench.stderr);
    assert.equal(bench.stderr.trim(), 'sessionbench: --store redis: connect-redis is not installed; to run it: npm install -D connect-redis@^9.0.0');
  });

  test('the default run skips each store whose client is not installed, naming the install command, and runs the rest', async () => {
    const out = path.join(work, 'all');
    const bench = await sh('npx', ['sessionbench', '--scenario', 'read-heavy', '--repeat', '1', '--duration', '1s', '--warmup', '0s', '--out', out], project, 180_000);
    assert.equal(bench.code, 0, bench.stderr);
    const [stamp] = readdirSync(out);
    const result = parseRunResult(readFileSync(path.join(out, stamp!, 'results.json'), 'utf8'), 'results.json');
    assert.deepEqual(result.entries.filter((entry) => entry.status === 'ok').map((entry) => entry.store).sort(), ['memory', 'none']);
    const redis = result.entries.find((entry) => entry.store === 'redis');
    assert.equal(redis?.status, 'skipped');
    assert.equal(redis.status === 'skipped' && redis.cause, 'no-package');
    assert.equal(redis.status === 'skipped' && redis.reason, 'connect-redis is not installed — to run it: npm install -D connect-redis@^9.0.0');
    assert.doesNotMatch(bench.stderr, /provisioning/, 'no server is started for a store that cannot load its client');
  });

  test('store authors get the types from the installed package', async () => {
    writeFileSync(
      path.join(project, 'store.ts'),
      "import type { CustomStoreModule } from 'sessionbench';\n" +
        "const definition: CustomStoreModule = { label: 'mine', createStore: (session) => new session.MemoryStore() };\n" +
        "// @ts-expect-error: a label is required\nconst broken: CustomStoreModule = { createStore: (session) => new session.MemoryStore() };\n" +
        'export default [definition, broken];\n',
    );
    writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, skipLibCheck: false }, files: ['store.ts'] }));
    const checked = await sh(process.execPath, [TSC, '-p', project], project, 120_000);
    assert.equal(checked.code, 0, checked.stdout + checked.stderr);
  });
});
