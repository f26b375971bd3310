import { EventEmitter } from 'node:events';
import { main } from '../../harness/cli/main.ts';
import type { CliIo, StopSignal } from '../../harness/cli/io.ts';

/** What one in-process CLI run printed and its exit code. */
export interface MainRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `main` in this process with captured output and `env` over a clean environment (no server URLs from the caller's). */
export async function runMain(argv: string[], options: { env?: NodeJS.ProcessEnv; signals?: EventEmitter } = {}): Promise<MainRun> {
  let stdout = '';
  let stderr = '';
  const signals = options.signals ?? new EventEmitter();
  const { REDIS_URL: _r, MEMCACHED_URL: _m, POSTGRES_URL: _p, MONGO_URL: _g, ...base } = process.env;
  const io: CliIo = {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    env: { ...base, CI: '1', ...options.env },
    stderrIsTTY: false,
    onStopSignal(handler: (signal: StopSignal) => void) {
      signals.on('signal', handler);
      return () => signals.off('signal', handler);
    },
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
