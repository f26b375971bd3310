import { sessionSettings } from '../harness/plan/plan.ts';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { STORES, createStoreAdapter } from '../stores/index.ts';
import { probeDocker } from '../stores/servers/docker.ts';
import { freePort } from '../stores/servers/process.ts';
import { provisionServer, stopAllServers } from '../stores/servers/provision.ts';
import { runningServerCount } from '../stores/servers/registry.ts';
import type { ProvisionedServer } from '../stores/servers/types.ts';
import { parseServerUrl, redactUrl } from '../stores/servers/url.ts';
import type { AdapterContext } from '../stores/types.ts';
import type { ServerKind } from '../contract/vocabulary.ts';
import { SERVER_KINDS } from '../contract/vocabulary.ts';

const SETTINGS = sessionSettings({ secret: 'provision', maxAgeMs: 60_000 });

/** True while `pid` is a live process (an exited, unreaped zombie counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The temp dir a local server was started in, from its command line or working directory (redis-server rewrites its title). */
function tempDirOf(pid: number): string | undefined {
  const places = [...readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'), readlinkSync(`/proc/${pid}/cwd`)];
  return places.map((place) => /(\/[^:=]*\/sessionbench-[a-z]+-[^/]+)/.exec(place)?.[1]).find(Boolean);
}

async function waitGone(pid: number, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive(pid) && Date.now() < deadline) await delay(50);
  return !alive(pid);
}

async function local(kind: ServerKind): Promise<ProvisionedServer> {
  const outcome = await provisionServer({ kind, sources: ['local'] });
  assert.equal(outcome.status, 'ready', outcome.status === 'skipped' ? outcome.reason : '');
  return (outcome as { server: ProvisionedServer }).server;
}

after(() => stopAllServers());

describe('provisioning', () => {
  test('without a container runtime, Docker is ruled out in well under a second and local takes over', async (t) => {
    const started = performance.now();
    const probe = await probeDocker();
    if (probe.available) return t.skip(`a container runtime answers here (${probe.reason})`);
    const outcome = await provisionServer({ kind: 'memcached', sources: ['docker', 'local'] });
    const total = performance.now() - started;
    assert.equal(outcome.status, 'ready');
    if (outcome.status !== 'ready') return;
    assert.equal(outcome.server.handle.info.source, 'local');
    assert.ok(probe.ms < 1000, `probe took ${probe.ms} ms`);
    assert.ok(total < 1000, `docker → local fail-over took ${total} ms`);
    t.diagnostic(`docker probe ${probe.ms.toFixed(1)} ms (${probe.reason}); fail-over to a ready local memcached ${total.toFixed(0)} ms`);
    await outcome.server.stop();
  });

  test('an explicit URL is used as is: no server started, never stopped, labelled from the server', async () => {
    const started = await local('redis');
    const before = runningServerCount();
    const outcome = await provisionServer({ kind: 'redis', url: started.handle.connectUrl });
    assert.equal(outcome.status, 'ready');
    if (outcome.status !== 'ready') return;
    const { info } = outcome.server.handle;
    assert.deepEqual([info.source, info.managed, info.product, outcome.server.pid], ['url', false, 'Redis', undefined]);
    assert.match(info.label, /^Redis \d+\.\d+\.\d+$/);
    assert.equal(runningServerCount(), before, 'nothing was started for the URL');
    await outcome.server.stop();
    assert.ok(alive(started.pid!), 'stopping a URL server leaves the server running');
    await started.stop();
  });

  test('local servers report honest labels; stop() ends the process and removes the temp dir, twice safely', async (t) => {
    for (const kind of SERVER_KINDS) {
      const outcome = await provisionServer({ kind, sources: ['local'] });
      assert.equal(outcome.status, 'ready', outcome.status === 'skipped' ? `${kind}: ${outcome.reason}` : '');
      if (outcome.status !== 'ready') continue;
      const { server } = outcome;
      const pid = server.pid!;
      const dir = tempDirOf(pid);
      assert.ok(alive(pid));
      const { info } = server.handle;
      assert.equal(info.managed, true);
      assert.doesNotMatch(info.label, kind === 'mongo' && info.product === 'FerretDB' ? /MongoDB/ : /^$/);
      t.diagnostic(`${kind}: ${info.label} pid ${pid} ${dir ?? '(no temp dir)'}`);
      await server.stop();
      await server.stop();
      assert.equal(alive(pid), false, `${kind} pid ${pid} still running`);
      if (dir) assert.equal(existsSync(dir), false, `${dir} left behind`);
    }
  });

  test('stopAllServers stops everything still running', async () => {
    const servers = await Promise.all([local('redis'), local('memcached')]);
    assert.ok(runningServerCount() >= 2);
    await stopAllServers();
    assert.equal(runningServerCount(), 0);
    for (const server of servers) assert.equal(alive(server.pid!), false);
  });

  for (const ending of ['exits without stopping', 'is killed with SIGKILL'] as const) {
    test(`a server dies with node when node ${ending}`, async () => {
      const script = `
        import { provisionServer } from ${JSON.stringify(new URL('../stores/servers/provision.ts', import.meta.url).pathname)};
        const outcome = await provisionServer({ kind: 'redis', sources: ['local'] });
        console.log(outcome.server.pid);
        ${ending === 'exits without stopping' ? 'setTimeout(() => process.exit(0), 500);' : 'setInterval(() => {}, 1000);'}`;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      const pid = await new Promise<number>((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
      assert.ok(pid > 0 && alive(pid));
      const dir = tempDirOf(pid);
      if (ending === 'is killed with SIGKILL') child.kill('SIGKILL');
      assert.ok(await waitGone(pid), `redis-server ${pid} outlived its node parent`);
      assert.ok(dir, 'the server runs in a temp dir');
      // A SIGKILLed node runs no code: the kernel ends the server (parent-death signal), the watchdog removes its temp dir.
      const deadline = Date.now() + 5000;
      while (existsSync(dir) && Date.now() < deadline) await delay(50);
      assert.equal(existsSync(dir), false, ending === 'exits without stopping' ? 'the exit hook removed the temp dir' : 'the watchdog removed the temp dir');
    });
  }
});

describe('unreachable servers fail fast with a clear error', () => {
  for (const kind of SERVER_KINDS) {
    test(`${kind}: explicit URL to a closed port`, async () => {
      const port = await freePort();
      const url = { redis: `redis://:pw@127.0.0.1:${port}`, memcached: `127.0.0.1:${port}`, postgres: `postgres://u:pw@127.0.0.1:${port}/db`, mongo: `mongodb://u:pw@127.0.0.1:${port}/db`, mysql: `mysql://u:pw@127.0.0.1:${port}/db` }[kind];
      const started = performance.now();
      await assert.rejects(provisionServer({ kind, url }), (error: Error) => {
        assert.match(error.message, new RegExp(`^${kind}: cannot reach .*127\\.0\\.0\\.1:${port}`));
        assert.doesNotMatch(error.message, /pw@/, 'the password is redacted');
        return true;
      });
      assert.ok(performance.now() - started < 3000, `took ${performance.now() - started} ms`);
    });

    test(`${kind}: adapter given a dead server`, async () => {
      const port = await freePort();
      const connectUrl = { redis: `redis://127.0.0.1:${port}`, memcached: `memcached://127.0.0.1:${port}`, postgres: `postgres://u@127.0.0.1:${port}/db`, mongo: `mongodb://127.0.0.1:${port}/db`, mysql: `mysql://u@127.0.0.1:${port}/db` }[kind];
      const info = { kind, url: connectUrl, source: 'url' as const, product: kind, version: '0', label: kind, managed: false };
      const create = (context: Omit<AdapterContext, 'label'>) => createStoreAdapter(kind, context);
      const started = performance.now();
      await assert.rejects(create({ settings: SETTINGS, server: { info, connectUrl } }), { message: new RegExp(`^${kind}: cannot connect to `) });
      assert.ok(performance.now() - started < 3000, `took ${performance.now() - started} ms`);
    });
  }

  test('a URL of the wrong kind is refused before connecting', () => {
    assert.throws(() => parseServerUrl('postgres', 'redis://127.0.0.1:6379'), /scheme redis: is not one of postgres: postgresql:/);
    assert.throws(() => parseServerUrl('redis', 'not a url'), /not a valid URL/);
  });

  test('passwords are redacted, multi-host MongoDB URLs included', () => {
    assert.equal(redactUrl('redis://:secret@h:6379/0'), 'redis://:***@h:6379/0');
    assert.equal(redactUrl('mongodb://u:secret@a:1,b:2/db?replicaSet=rs0'), 'mongodb://u:***@a:1,b:2/db?replicaSet=rs0');
    assert.equal(redactUrl('postgres://u@h/d'), 'postgres://u@h/d');
  });
});
