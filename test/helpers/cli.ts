import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The bin, run exactly as `npm run bench` does. */
export const CLI = fileURLToPath(new URL('../../bin/sessionbench.js', import.meta.url));

/** What a CLI run printed and how it ended. */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  pid: number;
}

/**
 * Runs the CLI as a child process with a hard time bound; `onSpawn` may signal it mid-run, `onFirstStderr`
 * once it has started logging, `onStderr` on every chunk it logs (with everything logged so far).
 */
export function runCli(
  args: string[],
  options: {
    env?: NodeJS.ProcessEnv;
    timeoutMs?: number;
    cwd?: string;
    onSpawn?: (pid: number) => void;
    onFirstStderr?: (pid: number) => void;
    onStderr?: (stderr: string, pid: number) => void;
    ownProcessGroup?: boolean;
  } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: { ...process.env, CI: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, as a shell gives a foreground job: signal -pid as a terminal does.
      detached: options.ownProcessGroup ?? false,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr === '') options.onFirstStderr?.(child.pid!);
      stderr += chunk.toString();
      options.onStderr?.(stderr, child.pid!);
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI ${args.join(' ')} did not finish within ${options.timeoutMs ?? 60_000} ms\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    options.onSpawn?.(child.pid!);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, pid: child.pid! });
    });
  });
}
