// The watchdog program (see watchdog.ts): guards from stdin; on EOF (the harness is gone) it ends what is still guarded.
import { rm } from 'node:fs/promises';
import readline from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { isRunning, processTree, startTimeOf } from './process-tree.ts';
import type { WatchdogMessage } from './watchdog.ts';

type Guard = Extract<WatchdogMessage, { type: 'guard' }>;

const POLL_MS = 50;
/** After SIGKILL, how long to wait for the kernel to take the processes away before removing the directory anyway. */
const REAP_MS = 1000;

/** How often the guarded trees are read while the harness lives (a root that ends first may leave children behind). */
const SNAPSHOT_MS = 1000;

interface Member {
  pid: number;
  startTime: string | undefined;
}

const guards = new Map<number, Guard>();
const lastSeen = new Map<number, Member[]>();

/** The guarded process and its descendants now; nothing if its pid now belongs to another process. */
function treeOf(guard: Guard): Member[] {
  if (startTimeOf(guard.pid) !== guard.startTime) return [];
  return processTree(guard.pid).map((pid) => ({ pid, startTime: startTimeOf(pid) }));
}

/** The tree now, and whoever of the last snapshot still runs as the same process. */
function membersOf(id: number, guard: Guard): number[] {
  const now = treeOf(guard);
  const earlier = (lastSeen.get(id) ?? []).filter((member) => member.startTime !== undefined && startTimeOf(member.pid) === member.startTime);
  return [...new Set([...now, ...earlier].map((member) => member.pid))];
}

function signal(pids: number[], name: NodeJS.Signals): void {
  // The watchdog is a child of the harness, so a guard on the harness's own tree (its app data dir) includes it.
  for (const pid of pids.filter((one) => one !== process.pid)) {
    try {
      process.kill(pid, name);
    } catch {
      /* already gone */
    }
  }
}

async function waitGone(pids: number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  let left = pids.filter(isRunning);
  while (left.length > 0 && Date.now() < deadline) {
    await delay(POLL_MS);
    left = left.filter(isRunning);
  }
  return left;
}

/** Resumes the guarded process tree (a stopped process acts on no signal but SIGKILL), ends it, then removes its directory. */
async function end(id: number, guard: Guard): Promise<void> {
  const pids = membersOf(id, guard);
  signal(pids, 'SIGCONT');
  signal(pids, 'SIGTERM');
  const left = await waitGone(pids, guard.killAfterMs);
  signal(left, 'SIGKILL');
  await waitGone(left, REAP_MS);
  if (guard.tempDir) await rm(guard.tempDir, { recursive: true, force: true }).catch(() => {});
}

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
  let message: WatchdogMessage;
  try {
    message = JSON.parse(line) as WatchdogMessage;
  } catch {
    return;
  }
  if (message.type === 'guard') guards.set(message.id, message);
  else {
    guards.delete(message.id);
    lastSeen.delete(message.id);
  }
});
lines.on('close', () => {
  clearInterval(snapshots);
  void Promise.all([...guards].map(([id, guard]) => end(id, guard))).finally(() => process.exit(0));
});
const snapshots = setInterval(() => {
  for (const [id, guard] of guards) lastSeen.set(id, treeOf(guard));
}, SNAPSHOT_MS);
snapshots.unref();
