import { UsageError } from '../errors.ts';
import { findTool } from '../../stores/servers/binaries.ts';

/** How to get k6 when it is missing. */
export const K6_INSTALL_HINT = 'build it with .ci/build-k6.sh (cached in ~/.cache/sessionbench/bin) or `CGO_ENABLED=0 go install go.k6.io/k6/v2@v2.2.0`, or set K6_BIN to its path';

/**
 * The k6 binary: `K6_BIN` when set (it must exist; no fallback past a wrong K6_BIN),
 * else `k6` on PATH, else the newest `k6-v*` in the sessionbench cache.
 */
export function findK6(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findTool('k6', 'K6_BIN', env);
}

/** Like findK6, but a missing k6 is bad input: UsageError with the install hint (exit 2, nothing run). */
export function requireK6(env: NodeJS.ProcessEnv = process.env): string {
  const binary = findK6(env);
  if (binary) return binary;
  const problem = env.K6_BIN ? `K6_BIN=${env.K6_BIN} is not an executable file` : 'k6 not found (K6_BIN, PATH, ~/.cache/sessionbench/bin)';
  throw new UsageError(`--driver k6: ${problem}; ${K6_INSTALL_HINT}`);
}
