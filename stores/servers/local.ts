import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { once } from 'node:events';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { ServerKind } from '../types.ts';
import { findBinary, findFerretdb, findPostgres } from './binaries.ts';
import type { ServerIdentity } from './identify.ts';
import { freePort, setprivUser, startProcess, userIds } from './process.ts';
import type { ProcessSpec, ServerProcess, UserIds } from './process.ts';
import { waitUntilReady } from './ready.ts';
import { track } from './registry.ts';
import { guard } from './watchdog.ts';


/** A server started from a local binary, answering at `connectUrl`. */
export interface LocalServer {
  connectUrl: string;
  identity: ServerIdentity;
  /** The binary's name, for the log line. */
  binary: string;
  /** Storage backend worth naming in the label (FerretDB's SQLite). */
  backend?: string;
  process: ServerProcess;
}

/** A local server, or why this machine cannot start one. */
export type LocalOutcome = { status: 'started'; server: LocalServer } | { status: 'unavailable'; reason: string };

interface Plan {
  binary: string;
  spec: ProcessSpec;
  connectUrl: string;
  backend?: string;
  /** Runs once the server answers (e.g. creating a database); returns the URL adapters use. */
  prepare?: (url: string) => Promise<string>;
}

const isRoot = (): boolean => process.getuid?.() === 0;

async function tempDir(kind: ServerKind, owner?: UserIds): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `sessionbench-${kind}-`));
  if (owner) await chown(dir, owner.uid, owner.gid);
  return dir;
}

async function redisPlan(): Promise<Plan | string> {
  const binary = findBinary('redis-server');
  if (!binary) return 'redis-server is not on PATH';
  const port = await freePort();
  const dir = await tempDir('redis');
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'];
  return { binary: 'redis-server', spec: { command: binary, args, tempDir: dir }, connectUrl: `redis://127.0.0.1:${port}` };
}

async function memcachedPlan(): Promise<Plan | string> {
  const binary = findBinary('memcached');
  if (!binary) return 'memcached is not on PATH';
  const port = await freePort();
  const args = ['-l', '127.0.0.1', '-p', String(port), '-U', '0'];
  // memcached refuses to run as root; setpriv switches user so the parent-death signal survives.
  return { binary: 'memcached', spec: { command: binary, args, user: isRoot() ? await userIds('nobody') : undefined }, connectUrl: `memcached://127.0.0.1:${port}` };
}

/**
 * Runs initdb in its own process group (a terminal's Ctrl-C must not kill it half-way) and tracked
 * like a server, so a stop (Ctrl-C, hang-up, exit) ends it and removes `dir` while it runs.
 */
async function runInitdb(args: string[], dir: string): Promise<void> {
  const child = spawn('setpriv', args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true, timeout: 60_000 });
  child.unref();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-300)));
  // A harness killed during initdb: the parent-death signal ends initdb, the watchdog removes `dir`.
  const release = child.pid === undefined ? () => {} : guard({ pid: child.pid, tempDir: dir, killAfterMs: 1000 });
  const untrack = track({
    stop: async () => {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
    killNow: () => {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  });
  try {
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    if (code !== 0) throw new Error(`postgres: initdb failed (${signal ?? `exit code ${code}`})${stderr.trim() ? `: ${stderr.trim().replace(/\s+/g, ' ')}` : ''}`);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  } finally {
    untrack();
    release(); // the server started in `dir` next is guarded in its turn
  }
}

async function postgresPlan(): Promise<Plan | string> {
  const binaries = findPostgres();
  if (!binaries) return 'postgres/initdb not found on PATH or under /usr/lib/postgresql';
  const user = isRoot() ? await userIds('postgres') : undefined;
  const dir = await tempDir('postgres', user);
  const data = join(dir, 'data');
  const initArgs = [binaries.initdb, '-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync'];
  await runInitdb([...setprivUser(user), '--pdeathsig=TERM', '--', ...initArgs], dir);
  const port = await freePort();
  const args = ['-D', data, '-k', dir, '-h', '127.0.0.1', '-p', String(port)];
  const base = `postgres://postgres@127.0.0.1:${port}`;
  return {
    binary: 'postgres',
    spec: { command: binaries.postgres, args, user, tempDir: dir },
    connectUrl: `${base}/postgres`,
    prepare: async () => {
      const client = new pg.Client({ connectionString: `${base}/postgres` });
      await client.connect();
      try {
        await client.query('CREATE DATABASE sessionbench');
      } finally {
        await client.end();
      }
      return `${base}/sessionbench`;
    },
  };
}

async function mongoPlan(): Promise<Plan | string> {
  const mongod = findBinary('mongod');
  const ferretdb = mongod ? undefined : findFerretdb();
  if (!mongod && !ferretdb) return 'neither mongod nor FerretDB found (FERRETDB_BIN, PATH, ~/.cache/sessionbench/bin; build it with .ci/build-ferretdb.sh)';
  const port = await freePort();
  const dir = await tempDir('mongo');
  const connectUrl = `mongodb://127.0.0.1:${port}/sessionbench`;
  if (mongod) {
    const args = ['--dbpath', dir, '--port', String(port), '--bind_ip', '127.0.0.1', '--quiet'];
    return { binary: 'mongod', spec: { command: mongod, args, tempDir: dir }, connectUrl };
  }
  const args = [
    '--handler=sqlite',
    `--sqlite-url=file:${dir}/`,
    `--listen-addr=127.0.0.1:${port}`,
    '--state-dir=-',
    '--debug-addr=-',
    '--telemetry=disable',
    '--log-level=error',
  ];
  return { binary: 'ferretdb', spec: { command: ferretdb!, args, tempDir: dir }, connectUrl, backend: 'SQLite' };
}

const PLANS: Record<ServerKind, () => Promise<Plan | string>> = {
  redis: redisPlan,
  memcached: memcachedPlan,
  postgres: postgresPlan,
  mongo: mongoPlan,
};

/** Starts a `kind` server from a binary on this machine, on a free port in a temp dir, and waits until it answers. */
export async function startLocalServer(kind: ServerKind): Promise<LocalOutcome> {
  const plan = await PLANS[kind]();
  if (typeof plan === 'string') return { status: 'unavailable', reason: plan };
  const child = startProcess(plan.spec);
  try {
    const identity = await waitUntilReady(kind, plan.connectUrl, { exited: child.exited, output: child.output });
    const connectUrl = plan.prepare ? await plan.prepare(plan.connectUrl) : plan.connectUrl;
    return { status: 'started', server: { connectUrl, identity, binary: plan.binary, backend: plan.backend, process: child } };
  } catch (error) {
    await child.stop();
    throw error;
  }
}
