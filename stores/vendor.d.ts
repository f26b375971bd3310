// connect-pg-simple 10 and connect-memcached 3 ship no types; only what sessionbench uses is declared.

declare module 'connect-pg-simple' {
  import type session from 'express-session';
  import type { Pool } from 'pg';

  interface PgStoreOptions {
    pool: Pool;
    tableName?: string;
    createTableIfMissing?: boolean;
    /** Seconds between prunes of expired rows, or false for none. */
    pruneSessionInterval?: number | false;
    errorLog?: (...args: unknown[]) => void;
  }
  class PgStore extends session.Store {
    constructor(options: PgStoreOptions);
    get: session.Store['get'];
    set: session.Store['set'];
    destroy: session.Store['destroy'];
    /** Stops the prune timer and ends the pool if the store created it. */
    close(): Promise<void>;
    /** Deletes every row whose expire is past (`DELETE … WHERE expire < to_timestamp(now)`), then calls back. */
    pruneSessions(fn?: (error?: Error) => void): void;
    /** The quoted (schema and) table name its queries use. */
    quotedTable(): string;
  }
  export default function connectPgSimple(expressSession: typeof session): typeof PgStore;
}

declare module 'connect-memcached' {
  import type session from 'express-session';
  import type Memcached from 'memcached';

  interface MemcachedStoreOptions {
    client: Memcached;
    prefix?: string;
  }
  class MemcachedStore extends session.Store {
    constructor(options: MemcachedStoreOptions);
    get: session.Store['get'];
    set: session.Store['set'];
    destroy: session.Store['destroy'];
  }
  export default function connectMemcached(expressSession: typeof session): typeof MemcachedStore;
}
