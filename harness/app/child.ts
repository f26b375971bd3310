import { setTimeout as delay } from 'node:timers/promises';
import { fork } from 'node:child_process';
import { guard } from '../../stores/servers/watchdog.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { outputTail, terminate } from '../child-process.ts';
import type { AppChildConfig, ChildAnswers, ChildEvent, ChildRequest } from './ipc.ts';
import { DATA_DIR_ENV } from '../../stores/data-dir.ts';
import type { StoreCapabilities } from '../../contract/vocabulary.ts';

const ENTRY = fileURLToPath(new URL('./process-main.ts', import.meta.url));
/** sessionbench's own tsx, not whatever `tsx` the working directory's project resolves to. */
const TSX = import.meta.resolve('tsx');

type RequestOf<K extends keyof ChildAnswers> = Omit<Extract<ChildRequest, { type: K }>, 'id' | 'type'>;

/** A running app-under-test child process. */
export interface AppChild {
  /** Every process serving this app (one, or the instances behind a balancer). */
  readonly pids: readonly number[];
  /** Base URL, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  readonly label: string;
  readonly capabilities: StoreCapabilities;
  readonly packages: Record<string, string>;
  /** Asks the child a question (inspection, memory, store timings). */
  ask<K extends keyof ChildAnswers>(type: K, args?: RequestOf<K>): Promise<ChildAnswers[K]>;
  /** Why the child exited early, or undefined while it runs. */
  crashed(): string | undefined;
  /**
   * Like `crashed`, but gives an exit already under way up to `ms` to be seen: a request that
   * failed because the child died (ECONNRESET) can arrive before the child's exit event.
   */
  crashedWithin(ms: number): Promise<string | undefined>;
  /** Stops the child (SIGTERM, then SIGKILL after a bound); idempotent. */
  stop(): Promise<void>;
}

/** What each question asks for, in words for a failure reason. */
const ASKED: Record<keyof ChildAnswers, string> = {
  count: 'the number of stored sessions',
  get: 'a stored session',
  serverStats: "the store server's memory figures",
  serverCache: "the store server's hit counters",
  startSampling: 'memory sampling to start',
  stopSampling: 'the memory samples',
  storeOps: 'store-operation timings',
  probeStore: 'the store measured alone',
  prefill: 'a batch of prefilled sessions written',
  heap: 'its heap after garbage collection',
  unprefill: 'prefilled sessions removed',
  pruneExpired: "the store's removal of expired sessions",
  mitigationCounts: 'the saves its remedy refused or retried',
};

const running = new Set<ChildProcess>();
const ASK_TIMEOUT_MS = 30_000;

let dataDir: string | undefined;

/**
 * One temp dir per run where app children keep embedded stores' files; removed when this process
 * exits, after the exit hook killed the children (a SIGKILLed child cannot clean up after itself).
 */
function appDataDir(): string {
  if (!dataDir) {
    const dir = mkdtempSync(join(tmpdir(), 'sessionbench-appdata-'));
    let release = () => {};
    process.once('exit', () => {
      rmSync(dir, { recursive: true, force: true });
      release();
    });
    // A harness killed outright (SIGKILL, out of memory) runs no exit hook: the watchdog removes the dir then.
    release = guard({ pid: process.pid, tempDir: dir, killAfterMs: 0 });
    dataDir = dir;
  }
  return dataDir;
}

/** Kills every app child still running (used on Ctrl-C and at exit). */
export function killAllAppChildren(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** Spawns the app for one store and resolves once it listens; rejects with the child's own reason otherwise. */
export async function startAppChild(config: AppChildConfig, options: { readyTimeoutMs?: number } = {}): Promise<AppChild> {
  const child = fork(ENTRY, [], {
    execArgv: ['--import', TSX, '--expose-gc'],
    env: { ...process.env, SESSIONBENCH_APP_CONFIG: JSON.stringify(config), [DATA_DIR_ENV]: appDataDir() },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  running.add(child);
  const stderr = outputTail(child.stderr);
  let exitReason: string | undefined;
  let listening = false;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const exited = once(child, 'exit').then(([code, signal]) => {
    running.delete(child);
    const lastLine = stderr.reason();
    exitReason = `app process exited (${signal ?? `code ${code}`})${listening ? '' : ' before it was ready'}${lastLine ? `: ${lastLine}` : ''}`;
    for (const { reject } of pending.values()) reject(new Error(exitReason));
    pending.clear();
  });

  const ready = await new Promise<Extract<ChildEvent, { type: 'ready' }>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`app did not report ready within ${options.readyTimeoutMs ?? 20_000} ms`)), options.readyTimeoutMs ?? 20_000);
    child.on('message', (event: ChildEvent) => {
      if (event.type === 'ready') {
        listening = true;
        clearTimeout(timer);
        resolve(event);
      } else if (event.type === 'startFailed') {
        clearTimeout(timer);
        reject(new Error(event.message));
      } else if (event.type === 'reply') {
        const waiter = pending.get(event.id);
        pending.delete(event.id);
        if (event.ok) waiter?.resolve(event.value);
        else waiter?.reject(new Error(event.message));
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(exitReason));
    });
  }).catch(async (error: unknown) => {
    child.kill('SIGKILL');
    await exited;
    throw error;
  });

  let nextId = 1;
  let stopping: Promise<void> | undefined;
  return {
    pids: [child.pid!],
    url: `http://127.0.0.1:${ready.port}`,
    label: ready.label,
    capabilities: ready.capabilities,
    packages: ready.packages,
    ask(type, args) {
      if (exitReason) return Promise.reject(new Error(exitReason));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        // A hung store (e.g. a paused server) must not hang the harness.
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`the app did not answer "${type}" within ${ASK_TIMEOUT_MS / 1000} s`));
        }, ASK_TIMEOUT_MS);
        const settle = <A extends unknown[]>(fn: (...a: A) => void) => (...a: A) => {
          clearTimeout(timer);
          fn(...a);
        };
        // The child's own error names the cause (e.g. "connect ECONNREFUSED …"); say which question it stopped.
        const failed = (error: Error) => reject(new Error(`the app could not give ${ASKED[type]}: ${error.message}`));
        pending.set(id, { resolve: settle(resolve as (v: unknown) => void), reject: settle(failed) });
        child.send({ ...(args ?? {}), id, type } as ChildRequest);
      });
    },
    crashed: () => exitReason,
    crashedWithin: async (ms) => exitReason ?? (await Promise.race([exited.then(() => exitReason), delay(ms).then(() => exitReason)])),
    stop() {
      stopping ??= (async () => {
        if (!exitReason) await terminate(child, exited);
      })();
      return stopping;
    },
  };
}
