/** What a server holds, split by whose it is (sessionbench's own namespace or anything else). */
export interface Census {
  /** Objects under sessionbench's names (keys `sessionbench:*`, tables and collections `sessionbench_*`). */
  own: number;
  /** Everything else: data sessionbench must not touch. */
  foreign: number;
  /** What is counted: "keys", "items", "tables", "collections". */
  unit: string;
}

/** A server's memory limit and what already uses it, read from the server before writing. */
export interface Capacity {
  /** Bytes the server may hold in all (Redis maxmemory, memcached limit_maxbytes); undefined when unlimited. */
  limitBytes: number | undefined;
  usedBytes: number;
  /** What the server does at the limit, e.g. "allkeys-lru" or "evicts least recently used items". */
  policy: string;
  /** Where the figures came from, e.g. "INFO memory maxmemory, used_memory, maxmemory_policy". */
  source: string;
}

/**
 * sessionbench's own data on one kind of server: count it apart from everything else, remove it by
 * its names (also what a killed run left), and, for servers that evict, read the capacity and evictions.
 */
export interface OwnData {
  census(connectUrl: string): Promise<Census>;
  /** Removes every object under sessionbench's names; resolves with how many were removed (in `unit`). */
  clean(connectUrl: string): Promise<{ removed: number; unit: string }>;
  /** Memory limit and use; absent for servers that grow on disk. */
  capacity?(connectUrl: string): Promise<Capacity>;
  /** Evictions since the server started (Redis evicted_keys, memcached evictions); absent where there are none. */
  evictions?(connectUrl: string): Promise<number>;
  /** Bytes one key/value of this size takes on the server, at least (for the capacity check before a prefill). */
  bytesPerItem?(keyBytes: number, valueBytes: number): number;
}
