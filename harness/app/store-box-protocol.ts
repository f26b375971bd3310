/**
 * The messages between the harness and a store box (harness/app/store-box.ts ↔ store-box-main.ts):
 * the harness asks, the child answers each request once, and reports every callback a Store call
 * gives (a second one too), a synchronous throw, and a throw outside any call before it ends.
 */
import type { AdapterContext } from '../../stores/types.ts';
import type { AnyStoreId, StoreCapabilities } from '../../contract/vocabulary.ts';
import type { CustomStoreFacts } from '../../stores/custom.ts';

/** The Store methods a box forwards; `get`, `set` and `destroy` every Store has. */
export const STORE_METHODS = ['get', 'set', 'destroy', 'touch', 'length', 'all', 'clear'] as const;
export type StoreMethod = (typeof STORE_METHODS)[number];

/** What the harness needs of the store a box built (its Store stays in the box). */
export interface BoxedStoreFacts {
  label: string;
  capabilities: StoreCapabilities;
  packages: Record<string, string>;
  bookkeepingFields?: readonly string[];
  /** False for a store with no express-session Store (cookie-session keeps the session in the cookie). */
  hasStore: boolean;
  /** The Store methods it has. */
  methods: StoreMethod[];
}

/** Questions the harness asks; each gets one `reply` with the same id. */
export type BoxRequest =
  | { id: number; type: 'describe'; path: string }
  | { id: number; type: 'create'; store: AnyStoreId; path?: string; context: Omit<AdapterContext, 'label'> }
  | { id: number; type: 'call'; method: StoreMethod; args: unknown[] }
  | { id: number; type: 'close' };

/** What each request is answered with. */
export interface BoxAnswers {
  describe: CustomStoreFacts;
  create: BoxedStoreFacts;
  call: null;
  close: null;
}

/** An error as it crosses the process boundary: its message and, when it has one, its code (ENOENT means "no such session"). */
export interface BoxError {
  message: string;
  code?: string;
}

/** What the child reports. */
export type BoxEvent =
  | { type: 'ready' }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: BoxError }
  /** The Store called back (`nth` counts the callbacks of this call: 2 means twice). */
  | { type: 'callback'; id: number; nth: number; error?: BoxError; value?: unknown }
  /** The Store method threw instead of calling back. */
  | { type: 'threw'; id: number; error: BoxError }
  /** Thrown outside any call (an async throw, an unhandled rejection): the child ends after sending it. */
  | { type: 'uncaught'; error: BoxError };
