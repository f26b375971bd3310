import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { CLI } from './cli.ts';

/** A `sessionbench serve` child process and the URL it printed. */
export interface ServedCli {
  url: string;
  /** SIGINT, then SIGKILL if it has not exited within 10 s. */
  stop(): Promise<void>;
}

/** Starts `sessionbench serve --store <store>` and resolves with the URL it prints, within 30 s. */
export function serveCli(store: string): Promise<ServedCli> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--store', store], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '1' } });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.kill('SIGINT');
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`serve printed no URL within 30 s\n${stderr}`));
    }, 30_000);
    child.stdout!.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      resolve({ url: chunk.toString().trim().split('\n')[0]!, stop });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}\n${stderr}`));
    });
  });
}
