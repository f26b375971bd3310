import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startTimeOf } from './process-tree.ts';

/** Something the watchdog ends if the harness dies without ending it: a process with its descendants, and a directory. */
export interface GuardTarget {
  pid: number;
  /** Removed once the processes are gone. */
  tempDir?: string;
  /** SIGTERM to SIGKILL, in ms. */
  killAfterMs: number;
}

/**
 * One line on the watchdog's stdin (JSON). `startTime` tells the guarded process from a
 * later one that got the same pid; a guard whose process has a different start time is left alone.
 */
export type WatchdogMessage =
  | { type: 'guard'; id: number; pid: number; startTime: string; tempDir?: string; killAfterMs: number }
  | { type: 'release'; id: number };

const MAIN = fileURLToPath(new URL('./watchdog-main.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

let watchdog: ChildProcess | undefined;
const guarded = new Set<number>();
let nextId = 1;

function send(message: WatchdogMessage): void {
  watchdog?.stdin?.write(`${JSON.stringify(message)}\n`);
}

/**
 * The watchdog: one detached process per harness, in its own session (a terminal's Ctrl-C or hang-up
 * does not reach it), reading guards from a pipe. The harness never closes the pipe, so EOF means
 * the harness has died (SIGKILL, out of memory), whatever the way: then the watchdog resumes
 * (SIGCONT) and ends every process still guarded, and removes its temp dir. A stopped process cannot
 * act on its parent-death signal, so without this a server paused by the outage scenario would stay
 * stopped for ever.
 */
function startWatchdog(): ChildProcess {
  const child = spawn(process.execPath, ['--import', TSX, MAIN], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  child.unref();
  (child.stdin as unknown as Socket).unref();
  child.stdin!.on('error', () => {}); // EPIPE if the watchdog died: nothing is guarded any more, nothing to do.
  child.once('exit', () => {
    if (watchdog === child) watchdog = undefined;
  });
  // A clean exit has stopped everything itself: a watchdog with nothing left to guard goes at once.
  // Anything still guarded (an exit while a server is paused) is left to it.
  process.once('exit', () => {
    if (guarded.size === 0) child.kill('SIGKILL');
  });
  return child;
}

/**
 * Hands `target` to the watchdog before anything can leave it behind; the returned release()
 * says the harness has ended it itself. The guard line reaches the pipe synchronously, so a
 * harness killed right after this call still has its target ended.
 */
export function guard(target: GuardTarget): () => void {
  const startTime = startTimeOf(target.pid);
  if (startTime === undefined) return () => {};
  watchdog ??= startWatchdog();
  const id = nextId++;
  guarded.add(id);
  send({ type: 'guard', id, pid: target.pid, startTime, tempDir: target.tempDir, killAfterMs: target.killAfterMs });
  return () => {
    if (!guarded.delete(id)) return;
    send({ type: 'release', id });
  };
}

/** The watchdog's process id, while one runs (for tests). */
export function watchdogPid(): number | undefined {
  return watchdog?.pid;
}
