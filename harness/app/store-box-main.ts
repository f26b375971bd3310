/**
 * Entry point of a store box (harness/app/store-box.ts): the child process where a store's code
 * runs, so its exit, throw, hang or stdout never reaches the harness. It loads a module, builds one
 * store and makes the Store calls the harness asks for, reporting every callback as it comes.
 */
import session from 'express-session';
import type { Store } from 'express-session';
import { describeError } from '../errors.ts';
import { CustomStoreError, loadCustomStore } from '../../stores/custom.ts';
import { createStoreAdapter } from '../../stores/index.ts';
import type { StoreAdapter } from '../../stores/types.ts';
import { STORE_METHODS } from './store-box-protocol.ts';
import type { BoxError, BoxEvent, BoxRequest, StoreMethod } from './store-box-protocol.ts';

function send(event: BoxEvent): void {
  try {
    process.send?.(event);
  } catch (error) {
    // A value that cannot cross the boundary (a function, a socket) becomes an error for that call.
    if (event.type === 'callback' || event.type === 'reply') {
      const failed: BoxError = { message: `the value could not be sent to the harness: ${describeError(error)}` };
      process.send?.(event.type === 'reply' ? { type: 'reply', id: event.id, ok: false, error: failed } : { ...event, value: undefined, error: failed });
    }
  }
}

function boxError(error: unknown): BoxError {
  const code = (error as { code?: unknown } | null)?.code;
  return { message: describeError(error), ...(typeof code === 'string' ? { code } : {}) };
}

let adapter: StoreAdapter | undefined;

/** A session crossed the boundary as a plain object: its cookie gets express-session's Cookie back (stores read its live `maxAge`). */
function revive(args: unknown[]): unknown[] {
  const sess = args[1] as { cookie?: object } | undefined;
  if (sess && typeof sess === 'object' && sess.cookie && typeof sess.cookie === 'object') Object.setPrototypeOf(sess.cookie, session.Cookie.prototype);
  return args;
}

function call(id: number, method: StoreMethod, args: unknown[]): void {
  const store = adapter?.store as (Store & Record<StoreMethod, ((...a: unknown[]) => void) | undefined>) | undefined;
  const fn = store?.[method];
  if (!store || typeof fn !== 'function') return send({ type: 'threw', id, error: { message: `the Store has no ${method}()` } });
  let nth = 0;
  try {
    fn.call(store, ...revive(args), (error: unknown, value: unknown) => {
      nth += 1;
      send({ type: 'callback', id, nth, ...(error ? { error: boxError(error) } : {}), ...(value !== undefined && value !== null ? { value } : {}) });
    });
  } catch (error) {
    send({ type: 'threw', id, error: boxError(error) });
  }
}

async function answer(request: BoxRequest): Promise<unknown> {
  switch (request.type) {
    case 'describe': {
      const definition = await loadCustomStore(request.path);
      return { label: definition.label, server: definition.server };
    }
    case 'create': {
      if (request.path) await loadCustomStore(request.path);
      adapter = await createStoreAdapter(request.store, request.context);
      const store = adapter.store as Partial<Record<StoreMethod, unknown>> | undefined;
      return {
        label: adapter.label,
        capabilities: adapter.capabilities,
        packages: adapter.packages,
        ...(adapter.bookkeepingFields ? { bookkeepingFields: adapter.bookkeepingFields } : {}),
        hasStore: store !== undefined,
        methods: STORE_METHODS.filter((method) => typeof store?.[method] === 'function'),
      };
    }
    case 'close':
      await adapter?.close();
      return null;
    case 'call':
      return null;
  }
}

process.on('message', (request: BoxRequest) => {
  if (request.type === 'call') return call(request.id, request.method, request.args);
  answer(request).then(
    (value) => send({ type: 'reply', id: request.id, ok: true, value }),
    (error: unknown) => send({ type: 'reply', id: request.id, ok: false, error: { message: error instanceof CustomStoreError ? error.message : describeError(error) } }),
  );
});

// Node's default would print a stack trace and exit: the harness gets the reason as data instead.
const uncaught = (error: unknown) => {
  send({ type: 'uncaught', error: boxError(error) });
  setTimeout(() => process.exit(70), 50);
};
process.on('uncaughtException', uncaught);
process.on('unhandledRejection', uncaught);
process.on('disconnect', () => process.exit(0));
// A terminal's Ctrl-C reaches the whole process group: the harness closes the box in order.
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
send({ type: 'ready' });
