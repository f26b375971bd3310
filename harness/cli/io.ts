/** Signals that stop a command the way Ctrl-C does (a closed terminal sends SIGHUP). */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/**
 * Everything a command touches outside its arguments, so tests can run `main` in-process:
 * where text goes, the environment, and the stop signals.
 */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  /** True when stderr is a terminal (a live progress bar instead of periodic lines). */
  stderrIsTTY: boolean;
  /** Columns of the terminal stdout writes to; absent when stdout is not a terminal. */
  stdoutColumns?: number;
  /** Calls `handler` on each stop signal until the returned function is called. */
  onStopSignal(handler: (signal: StopSignal) => void): () => void;
}

/** The real process: its streams, its environment and its signals. */
export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    stderrIsTTY: process.stderr.isTTY === true,
    ...(process.stdout.isTTY && process.stdout.columns ? { stdoutColumns: process.stdout.columns } : {}),
    onStopSignal(handler) {
      for (const signal of STOP_SIGNALS) process.on(signal, handler);
      return () => {
        for (const signal of STOP_SIGNALS) process.off(signal, handler);
      };
    },
  };
}
