import type { ServerKind } from '../../contract/vocabulary.ts';
import type { LocalUnavailable, ServerIdentity } from './kind.ts';
import { serverKind } from './kinds/index.ts';
import { startProcess } from './process.ts';
import type { ServerProcess } from './process.ts';
import { waitUntilReady } from './ready.ts';

/** A server started from a local binary, answering at `connectUrl`. */
export interface LocalServer {
  connectUrl: string;
  identity: ServerIdentity;
  /** The binary's name, for the log line. */
  binary: string;
  /** Storage backend worth naming in the label (FerretDB's SQLite). */
  backend?: string;
  process: ServerProcess;
  /** Kills the server's whole process tree with SIGKILL and starts it again on the same data and port; resolves once it answers. */
  crashAndRestart(): Promise<{ killed: number; identity: ServerIdentity }>;
}

/** A local server, or why this machine cannot start one. */
export type LocalOutcome = { status: 'started'; server: LocalServer } | ({ status: 'unavailable' } & LocalUnavailable);

/** Starts a `kind` server from a binary on this machine, on a free port in a temp dir, and waits until it answers. */
export async function startLocalServer(kind: ServerKind, options?: Record<string, string>): Promise<LocalOutcome> {
  const plan = await serverKind(kind).local(options);
  if ('fix' in plan) return { status: 'unavailable', ...plan };
  const child = startProcess(plan.spec);
  try {
    const identity = await waitUntilReady(kind, plan.connectUrl, { exited: child.exited, output: child.output });
    const connectUrl = plan.prepare ? await plan.prepare(plan.connectUrl) : plan.connectUrl;
    const crashAndRestart = async () => {
      const { killed } = await child.crashAndRestart();
      return { killed, identity: await waitUntilReady(kind, plan.connectUrl, { exited: child.exited, output: child.output }) };
    };
    return { status: 'started', server: { connectUrl, identity, binary: plan.binary, backend: plan.backend, process: child, crashAndRestart } };
  } catch (error) {
    await child.stop();
    throw error;
  }
}
