import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { outputTail, terminate } from '../child-process.ts';
import type { SessionSettings } from '../../stores/types.ts';

/** What the plain app is built with (passed in PLAIN_APP_CONFIG_ENV): the bench app's payload and session settings. */
export interface PlainAppConfig {
  payloadBytes: number;
  settings: SessionSettings;
}

export const PLAIN_APP_CONFIG_ENV = 'SESSIONBENCH_PLAIN_APP_CONFIG';

const ENTRY = fileURLToPath(new URL('./plain-app.ts', import.meta.url));
const READY_TIMEOUT_MS = 20_000;

/** The plain reference app, running in its own process. */
export interface PlainApp {
  readonly pid: number;
  readonly url: string;
  /** SIGTERM, then SIGKILL after a bound; idempotent. */
  stop(): Promise<void>;
}

const running = new Set<() => void>();
process.once('exit', () => {
  for (const kill of running) kill();
});

/** Forks the plain app (through tsx's loader, like the bench app) and resolves once it listens. */
export async function startPlainApp(config: PlainAppConfig): Promise<PlainApp> {
  const child = fork(ENTRY, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, [PLAIN_APP_CONFIG_ENV]: JSON.stringify(config) },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const kill = () => void child.kill('SIGKILL');
  running.add(kill);
  const stderr = outputTail(child.stderr);
  const exited = once(child, 'exit').then(() => running.delete(kill));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the plain app did not report ready within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
      child.on('message', (message: { type?: string; port?: number }) => {
        if (message.type !== 'ready' || typeof message.port !== 'number') return;
        clearTimeout(timer);
        resolve(message.port);
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`the plain app exited before it listened: ${stderr.reason() || 'no output'}`));
      });
    });
    let stopping: Promise<void> | undefined;
    return {
      pid: child.pid!,
      url: `http://127.0.0.1:${port}`,
      stop: () => (stopping ??= terminate(child, exited)),
    };
  } catch (error) {
    kill();
    await exited;
    throw error;
  }
}
