import { execFile, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { isRunning, processTree, signalTree } from './process-tree.ts';
import { track } from './registry.ts';
import { guard } from './watchdog.ts';

const run = promisify(execFile);

/** A server process sessionbench started. */
export interface ServerProcess {
  pid: number;
  /** Resolves when the process has exited, with its exit code or signal. */
  exited: Promise<string>;
  /** The last few kilobytes of its stdout and stderr, for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after `killAfterMs`; waits for exit and removes `tempDir`. Idempotent. */
  stop(): Promise<void>;
  /**
   * A crash and a restart: SIGKILL to the whole process tree (nothing flushed, nothing shut down
   * cleanly), then the same command again on the same data (`tempDir` kept). Resolves with the
   * processes killed once the new process is spawned; `pid` is the new one's from then on.
   */
  crashAndRestart(): Promise<{ killed: number }>;
}

/** How to start one server process. */
export interface ProcessSpec {
  command: string;
  args: string[];
  /** Run as this user (PostgreSQL and memcached refuse root). */
  user?: UserIds;
  /** Removed once the process has exited. */
  tempDir?: string;
  killAfterMs?: number;
}

const OUTPUT_LIMIT = 4096;

/** Numeric user and group of a system account. */
export interface UserIds {
  uid: number;
  gid: number;
}

/** The uid and primary gid of `name`, from `id`. */
export async function userIds(name: string): Promise<UserIds> {
  const id = async (flag: string): Promise<number> => Number((await run('id', [flag, name])).stdout.trim());
  return { uid: await id('-u'), gid: await id('-g') };
}

/** setpriv arguments that switch to `user`, if given. */
export function setprivUser(user: UserIds | undefined): string[] {
  return user ? [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups'] : [];
}

/** True when sessionbench runs as root (PostgreSQL, MariaDB and memcached then run as another user). */
export const isRoot = (): boolean => process.getuid?.() === 0;

/** A new temp dir `sessionbench-<name>-…` for a local server, owned by `owner` when given. */
export async function serverTempDir(name: string, owner?: UserIds): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `sessionbench-${name}-`));
  if (owner) await chown(dir, owner.uid, owner.gid);
  return dir;
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (!address || typeof address === 'string') throw new Error('could not read a free port');
  return address.port;
}

/**
 * Starts `spec` through setpriv so the kernel sends it SIGTERM if node dies
 * (and switches user without an extra process). The child is tracked until it stops,
 * and guarded by the watchdog, which ends it and removes `tempDir` if the harness dies
 * without stopping it (even while the outage scenario holds it stopped).
 */
export function startProcess(spec: ProcessSpec): ServerProcess {
  const killAfterMs = spec.killAfterMs ?? 5000;
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-OUTPUT_LIMIT);
  };
  /** One run of the command: a crash and restart starts another on the same data. */
  const spawnOnce = () => {
    // Its own process group (detached), so a terminal's Ctrl-C or hang-up reaches only the harness, which stops it in order.
    const child = spawn('setpriv', [...setprivUser(spec.user), '--pdeathsig=TERM', '--', spec.command, ...spec.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const exited = new Promise<string>((resolve) => {
      child.once('error', (error) => resolve(`failed to start: ${error.message}`));
      child.once('exit', (code, signal) => resolve(signal ?? `exit code ${code}`));
    });
    const run = { child, exited, running: true, release: () => {} };
    void exited.then(() => (run.running = false));
    child.unref();
    (child.stdout as Socket).unref();
    (child.stderr as Socket).unref();
    run.release = child.pid === undefined ? () => {} : guard({ pid: child.pid, tempDir: spec.tempDir, killAfterMs });
    return run;
  };
  let current = spawnOnce();
  // `exited` is the server's end, not a deliberate crash: across a restart it follows the new process.
  let restarting = false;
  let restarted: (run: typeof current) => void = () => {};
  let nextRun = new Promise<typeof current>((resolve) => (restarted = resolve));
  const exited = new Promise<string>((resolve) => {
    const follow = (run: typeof current): void => void run.exited.then((how) => (run === current && !restarting ? resolve(how) : void nextRun.then(follow)));
    follow(current);
  });
  let stopping: Promise<void> | undefined;
  const untrack = track({
    stop: () => stop(),
    killNow: () => {
      // The whole tree: a SIGKILLed postmaster would leave stopped backends behind.
      if (current.running && current.child.pid !== undefined) signalTree(current.child.pid, 'SIGKILL');
      if (spec.tempDir) rmSync(spec.tempDir, { recursive: true, force: true });
    },
  });
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      const { child } = current;
      if (current.running) {
        // A server still paused (SIGSTOP) would hold the signal until resumed.
        if (child.pid !== undefined) signalTree(child.pid, 'SIGCONT');
        child.kill('SIGTERM');
        const abort = new AbortController();
        const killer = delay(killAfterMs, undefined, { signal: abort.signal }).then(
          () => child.pid !== undefined && signalTree(child.pid, 'SIGKILL'),
          () => false,
        );
        await current.exited;
        abort.abort();
        await killer;
      }
      if (spec.tempDir) await rm(spec.tempDir, { recursive: true, force: true });
      untrack();
      current.release();
    })());
  const crashAndRestart = async (): Promise<{ killed: number }> => {
    if (stopping) throw new Error(`${spec.command}: stopped, not restarted`);
    const old = current;
    const pid = old.child.pid;
    if (pid === undefined || !old.running) throw new Error(`${spec.command} is not running: ${await old.exited}`);
    restarting = true;
    const tree = processTree(pid);
    signalTree(pid, 'SIGCONT');
    signalTree(pid, 'SIGKILL');
    await old.exited;
    // The rest of the tree (a postmaster's backends) may outlive the root by a moment: wait until none runs.
    const deadline = Date.now() + killAfterMs;
    while (tree.some(isRunning) && Date.now() < deadline) await delay(20);
    old.release();
    // A stop (Ctrl-C, the run's end) that came meanwhile has removed the data: start nothing it cannot reach.
    if (stopping) throw new Error(`${spec.command}: stopped while restarting`);
    current = spawnOnce();
    restarting = false;
    const announce = restarted;
    nextRun = new Promise((resolve) => (restarted = resolve));
    announce(current);
    return { killed: tree.length };
  };

  return {
    get pid() {
      return current.child.pid ?? -1;
    },
    exited,
    output: () => output,
    stop,
    crashAndRestart,
  };
}

/**
 * Runs a one-off setup command (initdb, mariadb-install-db) through setpriv, in its own process group
 * (a terminal's Ctrl-C must not kill it half-way) and tracked like a server, so a stop (Ctrl-C,
 * hang-up, exit) ends it and removes `dir` while it runs. Rejects with one line naming `what`.
 */
export async function runSetupCommand(what: string, setprivArgs: string[], dir: string, timeoutMs: number): Promise<void> {
  const child = spawn('setpriv', setprivArgs, { stdio: ['ignore', 'ignore', 'pipe'], detached: true, timeout: timeoutMs });
  child.unref();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-300)));
  // A harness killed meanwhile: the parent-death signal ends the command, the watchdog removes `dir`.
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
    if (code !== 0) throw new Error(`${what} failed (${signal ?? `exit code ${code}`})${stderr.trim() ? `: ${stderr.trim().replace(/\s+/g, ' ')}` : ''}`);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  } finally {
    untrack();
    release(); // the server started in `dir` next is guarded in its turn
  }
}
