import { fork } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startAppChild } from './child.ts';
import { terminate } from '../child-process.ts';
import type { AppChild } from './child.ts';
import type { AppChildConfig, ChildAnswers } from './ipc.ts';

const BALANCER = fileURLToPath(new URL('./balancer-main.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');
const READY_TIMEOUT_MS = 20_000;

/** N app instances behind one request-level round-robin balancer, usable wherever one app is. */
export interface AppCluster extends AppChild {
  /** The instances, each reachable directly (e.g. to verify a store on one of them). */
  readonly instances: readonly AppChild[];
}

async function startBalancer(targets: string[]): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = fork(BALANCER, [], {
    execArgv: ['--import', TSX],
    env: { ...process.env, SESSIONBENCH_BALANCER_TARGETS: JSON.stringify(targets) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  const timeout = delay(READY_TIMEOUT_MS, [undefined] as const, { ref: false });
  const [message] = (await Promise.race([once(child, 'message'), exited.then(() => [undefined] as const), timeout])) as [{ port: number } | undefined];
  if (!message) {
    child.kill('SIGKILL');
    throw new Error(`the load balancer was not ready within ${READY_TIMEOUT_MS / 1000} s`);
  }
  return {
    url: `http://127.0.0.1:${message.port}`,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) await terminate(child, exited);
    },
  };
}

/**
 * Starts `count` apps with the same config and a balancer in front. Session
 * counts are summed over instances and lookups ask each; memory samples and
 * store timings come from the first instance.
 */
export async function startAppCluster(config: AppChildConfig, count: number): Promise<AppCluster> {
  const settled = await Promise.allSettled(Array.from({ length: count }, () => startAppChild(config)));
  const instances = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const failure = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure) {
    await Promise.all(instances.map((app) => app.stop()));
    throw failure.reason;
  }
  const first = instances[0]!;
  const balancer = await startBalancer(instances.map((app) => app.url)).catch(async (error: unknown) => {
    await Promise.all(instances.map((app) => app.stop()));
    throw error;
  });
  const ask: AppChild['ask'] = async (type, args) => {
    if (type === 'count') {
      const counts = await Promise.all(instances.map((app) => app.ask('count')));
      const known = counts.filter((n): n is number => n !== null);
      return (known.length > 0 ? known.reduce((a, b) => a + b, 0) : null) as ChildAnswers[typeof type];
    }
    if (type === 'mitigationCounts') {
      const counts = await Promise.all(instances.map((app) => app.ask('mitigationCounts')));
      return { rejectedSaves: counts.reduce((n, c) => n + c.rejectedSaves, 0), retries: counts.reduce((n, c) => n + c.retries, 0) } as ChildAnswers[typeof type];
    }
    if (type === 'get') {
      for (const app of instances) {
        const found = await app.ask('get', args as unknown as { sessionId: string });
        if (found) return found as ChildAnswers[typeof type];
      }
      return null as ChildAnswers[typeof type];
    }
    return first.ask(type, args);
  };
  return {
    ...first,
    url: balancer.url,
    pids: instances.flatMap((app) => app.pids),
    instances,
    ask,
    crashed: () => instances.map((app) => app.crashed()).find(Boolean),
    crashedWithin: async (ms) => (await Promise.all(instances.map((app) => app.crashedWithin(ms)))).find(Boolean),
    stop: async () => {
      await balancer.stop();
      await Promise.all(instances.map((app) => app.stop()));
    },
  };
}
