/**
 * A store box: a child process (node + tsx, like the app child) that hosts one store, so a store
 * module's code never runs in the harness process. The harness side is an express-session Store
 * whose calls cross IPC, each bounded in time. A module's `process.exit`, an uncaught throw, a
 * promise that never settles, a callback that never comes or comes twice, and output on stdout
 * become errors with their reason (StoreBoxError) — never the harness's exit code or output.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import session from 'express-session';
import type { Store } from 'express-session';
import { outputTail, terminate } from '../child-process.ts';
import { getStoredSession } from '../../stores/store-calls.ts';
import { CustomStoreError, defineCustomStore } from '../../stores/custom.ts';
import type { AdapterContext, StoreAdapter, StoreDefinition } from '../../stores/types.ts';
import type { AnyStoreId } from '../../contract/vocabulary.ts';
import type { BoxAnswers, BoxedStoreFacts, BoxError, BoxEvent, BoxRequest, StoreMethod } from './store-box-protocol.ts';

const ENTRY = fileURLToPath(new URL('./store-box-main.ts', import.meta.url));

/** Bounds, in milliseconds: the child's start, loading a module, `createStore`, one Store call, closing. */
export const BOX_BOUNDS = { startMs: 20_000, describeMs: 20_000, createMs: 10_000, callMs: 10_000, closeMs: 5_000 } as const;

/** How a store misbehaved, as data. */
export type StoreFault =
  /** The Store method threw instead of calling back with the error. */
  | 'threw'
  /** No callback within the bound. */
  | 'no-callback'
  /** The store threw outside any call (an async throw, an unhandled rejection), which ended its process. */
  | 'uncaught'
  /** The store's process ended otherwise: `process.exit`, a signal, or an empty event loop with a promise pending. */
  | 'process-ended'
  /** A load, `createStore` or close that did not finish within its bound. */
  | 'timeout';

/** A Store call, load or `createStore` that failed because of how the store behaved, with the reason. */
export class StoreBoxError extends Error {
  override name = 'StoreBoxError';
  constructor(readonly fault: StoreFault, message: string, readonly code?: string) {
    super(message);
  }
}

/** A store's own error, given through its callback (or its `createStore`/load failing), with its code. */
function ownError(error: BoxError): Error {
  return Object.assign(new Error(error.message), error.code ? { code: error.code } : {});
}

const open = new Set<ChildProcess>();
let exitHook = false;

type Waiter = { resolve: (value: unknown) => void; reject: (error: Error) => void };
type Callback = (error: Error | null, value?: unknown) => void;

/** The running child: requests with a bound, Store calls with their callbacks, and why it ended. */
class Box {
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private readonly replies = new Map<number, Waiter>();
  private readonly callbacks = new Map<number, { method: StoreMethod; callback: Callback; timer: NodeJS.Timeout; done: boolean; timedOut: boolean }>();
  private readonly stdoutTail: ReturnType<typeof outputTail>;
  private readonly stderrTail: ReturnType<typeof outputTail>;
  private ended: string | undefined;
  private endedBy: StoreFault = 'process-ended';
  private thrown: string | undefined;
  private nextId = 1;
  /** Bytes the store wrote to stdout (kept off the harness's stdout). */
  stdoutBytes = 0;

  constructor() {
    if (!exitHook) {
      exitHook = true;
      process.once('exit', () => open.forEach((child) => child.kill('SIGKILL')));
    }
    this.child = fork(ENTRY, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced' });
    open.add(this.child);
    this.stdoutTail = outputTail(this.child.stdout);
    this.child.stdout?.on('data', (chunk: Buffer) => (this.stdoutBytes += chunk.length));
    this.stderrTail = outputTail(this.child.stderr);
    this.child.on('message', (event: BoxEvent) => this.receive(event));
    // A send racing the child's exit fails: the exit event then says why (an unhandled 'error' would end the harness).
    this.child.on('error', () => {});
    this.exited = once(this.child, 'exit').then(([code, signal]) => {
      open.delete(this.child);
      this.ended = this.thrown ?? `the store's process ended (${signal ?? `exit code ${code}`})${this.lastWords()}`;
      const failure = new StoreBoxError(this.endedBy, this.ended);
      for (const waiter of this.replies.values()) waiter.reject(failure);
      this.replies.clear();
      for (const [id, pending] of this.callbacks) if (!pending.done) this.settle(id, failure);
    });
  }

  private lastWords(): string {
    const said = this.stderrTail.reason() || this.stdoutTail.lastLines(1);
    return said ? `: ${said}` : '';
  }

  /** Why the box is gone, or undefined while it runs. */
  fault(): string | undefined {
    return this.ended;
  }

  /** What the store printed on stdout, for a note (never printed on the harness's stdout). */
  stdout(): { bytes: number; lastLine: string } {
    return { bytes: this.stdoutBytes, lastLine: this.stdoutTail.lastLines(1) };
  }

  private receive(event: BoxEvent): void {
    if (event.type === 'ready') return this.replies.get(0)?.resolve(null);
    if (event.type === 'uncaught') {
      this.thrown = `the store threw outside any call, which ends its process: ${event.error.message}`;
      this.endedBy = 'uncaught';
      return;
    }
    if (event.type === 'reply') {
      const waiter = this.replies.get(event.id);
      this.replies.delete(event.id);
      return event.ok ? waiter?.resolve(event.value) : waiter?.reject(ownError(event.error));
    }
    const pending = this.callbacks.get(event.id);
    if (!pending) return;
    if (event.type === 'threw') return this.settle(event.id, new StoreBoxError('threw', `${pending.method}() threw instead of calling back: ${event.error.message}`, event.error.code));
    // A callback after the bound ran out is dropped (the caller has its error); a second callback
    // reaches the caller like the first: a proxy that hid it would hide the bug.
    if (pending.timedOut) return;
    clearTimeout(pending.timer);
    pending.done = true;
    pending.callback(event.error ? ownError(event.error) : null, event.value);
  }

  private settle(id: number, error: Error): void {
    const pending = this.callbacks.get(id);
    if (!pending || pending.done) return;
    clearTimeout(pending.timer);
    pending.done = true;
    pending.timedOut = true;
    pending.callback(error);
  }

  /** Resolves once the child runs, rejects with why it could not start. */
  async started(): Promise<void> {
    await this.wait(0, 'start', BOX_BOUNDS.startMs);
  }

  private wait(id: number, what: string, boundMs: number): Promise<unknown> {
    if (this.ended) return Promise.reject(new StoreBoxError(this.endedBy, this.ended));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.replies.delete(id);
        reject(new StoreBoxError('timeout', `${what} did not finish within ${boundMs / 1000} s`));
      }, boundMs);
      const done = <A>(fn: (a: A) => void) => (a: A) => {
        clearTimeout(timer);
        fn(a);
      };
      this.replies.set(id, { resolve: done(resolve), reject: done(reject) });
    });
  }

  /** Asks the child; rejects with the store's own error, or a StoreBoxError past `boundMs` or when the process ends. */
  async ask<K extends Exclude<BoxRequest['type'], 'call'>>(type: K, request: Omit<Extract<BoxRequest, { type: K }>, 'id' | 'type'>, what: string, boundMs: number): Promise<BoxAnswers[K]> {
    const id = this.nextId++;
    const answer = this.wait(id, what, boundMs);
    this.child.send({ ...request, type, id }, (error) => error && this.replies.get(id)?.reject(new StoreBoxError(this.endedBy, this.ended ?? `the store's process is gone: ${error.message}`)));
    return (await answer) as BoxAnswers[K];
  }

  /** Makes a Store call in the child; `callback` gets each callback the store gives, or one StoreBoxError. */
  call(method: StoreMethod, args: unknown[], callback: Callback, boundMs: number): void {
    const id = this.nextId++;
    const timer = setTimeout(() => this.settle(id, new StoreBoxError('no-callback', `${method}() did not call back within ${boundMs / 1000} s`)), boundMs);
    this.callbacks.set(id, { method, callback, timer, done: false, timedOut: false });
    if (this.ended) return this.settle(id, new StoreBoxError(this.endedBy, this.ended));
    // Structured clone: a session crosses as a plain object (Dates, BigInts and cycles kept; the child gives its cookie its class back).
    try {
      this.child.send({ type: 'call', id, method, args } satisfies BoxRequest, (error) => error && this.settle(id, new StoreBoxError(this.endedBy, this.ended ?? `the store's process is gone: ${error.message}`)));
    } catch (error) {
      // An argument structured clone cannot copy (a function in the session): the call's own error.
      this.settle(id, new Error(`${method}() could not be sent to the store's process: ${(error as Error).message}`));
    }
  }

  /** Asks the store to release what it holds (bounded), then ends the child. */
  async close(): Promise<void> {
    if (!this.ended) await this.ask('close', {}, 'closing the store', BOX_BOUNDS.closeMs).catch(() => {});
    for (const pending of this.callbacks.values()) clearTimeout(pending.timer);
    if (!this.ended) await terminate(this.child, this.exited, 1000);
    await this.exited;
  }
}

/** Opens a box; a child that cannot start is a StoreBoxError. */
async function openBox(): Promise<Box> {
  const box = new Box();
  try {
    await box.started();
    return box;
  } catch (error) {
    await box.close();
    throw error;
  }
}

/** A box's store, as an express-session Store: every call crosses to the child. */
function boxedStore(box: Box, methods: readonly StoreMethod[], callMs: number): Store {
  const store = new (session.Store as unknown as new () => Store)() as Store & Record<string, unknown>;
  for (const method of methods) {
    store[method] = (...args: unknown[]) => {
      const last = args.at(-1);
      const callback: Callback = typeof last === 'function' ? (last as Callback) : () => {};
      box.call(method, typeof last === 'function' ? args.slice(0, -1) : args, callback, callMs);
    };
  }
  return store;
}

/** A store adapter whose store runs in a box; `fault()` says why the box ended, `stdout()` what the store printed. */
export interface BoxedAdapter extends StoreAdapter {
  fault(): string | undefined;
  stdout(): { bytes: number; lastLine: string };
}

/**
 * Builds store `store` (a built-in id, or a custom store from module `path`) in a new box:
 * `createStore` and every Store call are bounded. A module that ends its process, throws or hangs
 * rejects with a StoreBoxError naming it; the store's own error rejects as itself.
 */
export async function createBoxedAdapter(store: AnyStoreId, path: string | undefined, context: Omit<AdapterContext, 'label'>, bounds: { callMs?: number } = {}): Promise<BoxedAdapter> {
  const box = await openBox();
  let facts: BoxedStoreFacts;
  try {
    facts = await box.ask('create', { store, ...(path ? { path } : {}), context: { settings: context.settings, ...(context.server ? { server: context.server } : {}), ...(context.options ? { options: context.options } : {}) } }, 'createStore', BOX_BOUNDS.createMs);
  } catch (error) {
    await box.close();
    throw error instanceof StoreBoxError ? new StoreBoxError(error.fault, `${store}: ${error.message}`) : new Error(`${store}: createStore failed: ${(error as Error).message}`);
  }
  const proxy = boxedStore(box, facts.methods, bounds.callMs ?? BOX_BOUNDS.callMs);
  const length = facts.methods.includes('length') ? proxy.length!.bind(proxy) : undefined;
  return {
    id: store,
    label: facts.label,
    capabilities: facts.capabilities,
    packages: facts.packages,
    ...(facts.bookkeepingFields ? { bookkeepingFields: facts.bookkeepingFields } : {}),
    store: facts.hasStore ? proxy : undefined,
    middleware: () => {
      throw new Error(`${store}: a boxed store serves no app (the app child runs its own)`);
    },
    inspect: {
      count: async () =>
        facts.capabilities.countsSessions && length ? await new Promise<number | undefined>((resolve, reject) => length((error, n) => (error ? reject(error) : resolve(n)))) : undefined,
      get: async (sessionId) => (await getStoredSession(proxy, sessionId)) as Record<string, unknown> | undefined,
      serverStats: async () => undefined,
    },
    close: () => box.close(),
    fault: () => box.fault(),
    stdout: () => box.stdout(),
  };
}

/**
 * Checks the store module at `path` in a box and registers it (id `custom:<file name>`); its
 * adapters are built in boxes too. Loading the same file again returns the same definition.
 * A module that does not load — its own error, an exit, a throw, a hang — is a CustomStoreError (one line).
 */
export async function loadBoxedCustomStore(path: string, cwd = process.cwd()): Promise<StoreDefinition> {
  const absolute = resolve(cwd, path);
  if (!existsSync(absolute) || !statSync(absolute).isFile()) throw new CustomStoreError(`--store ${path}: no such file; give the path of a store module, e.g. --store ./my-store.mjs`);
  return defineCustomStore(
    path,
    async () => {
      const box = await openBox().catch((error: unknown) => {
        throw new CustomStoreError(`--store ${path}: could not start a process to load it in: ${(error as Error).message}`);
      });
      try {
        return await box.ask('describe', { path: absolute }, 'loading the module', BOX_BOUNDS.describeMs);
      } catch (error) {
        if (!(error instanceof StoreBoxError)) throw new CustomStoreError((error as Error).message.replace(absolute, path));
        const hint = error.fault === 'timeout' ? ' (a top-level await that never settles?)' : '';
        throw new CustomStoreError(`--store ${path}: the module does not load: ${error.message}${hint}`);
      } finally {
        await box.close();
      }
    },
    (id, module) => (context) => createBoxedAdapter(id, module, context),
    cwd,
  );
}
