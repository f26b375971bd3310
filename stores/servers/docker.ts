import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ServerKind } from '../../contract/vocabulary.ts';
import type { ServerIdentity } from './kind.ts';
import { serverKind } from './kinds/index.ts';
import { waitUntilReady } from './ready.ts';
import { track } from './registry.ts';

/** Whether a container runtime answered, and how long asking took. */
export interface DockerProbe {
  available: boolean;
  reason: string;
  ms: number;
}

/** A server running in a container sessionbench started. */
export interface DockerServer {
  connectUrl: string;
  identity: ServerIdentity;
  image: string;
  stop(): Promise<void>;
}

const PROBE_TIMEOUT_MS = 3000;

/** Places testcontainers looks for a runtime; when none exists, importing it (≈0.5 s) is not worth it. */
function runtimeHint(): string | undefined {
  if (process.env['DOCKER_HOST']) return `DOCKER_HOST=${process.env['DOCKER_HOST']}`;
  const properties = join(homedir(), '.testcontainers.properties');
  if (existsSync(properties) && /^docker\.host\s*=/m.test(readFileSync(properties, 'utf8'))) return properties;
  const sockets = [
    '/var/run/docker.sock',
    process.env['XDG_RUNTIME_DIR'] && join(process.env['XDG_RUNTIME_DIR'], 'docker.sock'),
    join(homedir(), '.docker', 'run', 'docker.sock'),
    join(homedir(), '.docker', 'desktop', 'docker.sock'),
  ];
  return sockets.find((socket): socket is string => !!socket && existsSync(socket));
}

async function probe(): Promise<DockerProbe> {
  const started = performance.now();
  const done = (available: boolean, reason: string): DockerProbe => ({ available, reason, ms: performance.now() - started });
  const hint = runtimeHint();
  if (!hint) return done(false, 'no Docker socket and no DOCKER_HOST');
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const timeout = new Promise<never>((_, reject) => {
      setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS).unref();
    });
    const client = await Promise.race([getContainerRuntimeClient(), timeout]);
    return done(true, `${client.info.containerRuntime.host} (${hint})`);
  } catch (error) {
    return done(false, `container runtime at ${hint} did not answer: ${(error as Error).message}`);
  }
}

let probed: Promise<DockerProbe> | undefined;

/** Asks once per process whether a container runtime answers; later calls reuse the answer. */
export function probeDocker(): Promise<DockerProbe> {
  return (probed ??= probe());
}

/** Starts a `kind` server container through testcontainers and waits until it answers. Ryuk removes it if node dies. */
export async function startDockerServer(kind: ServerKind): Promise<DockerServer> {
  const { GenericContainer } = await import('testcontainers');
  const spec = serverKind(kind).docker;
  const container = await new GenericContainer(spec.image).withExposedPorts(spec.port).withEnvironment(spec.env ?? {}).start();
  let stopping: Promise<void> | undefined;
  const untrack = track({
    stop: () => stop(),
    killNow: () => {},
  });
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await container.stop();
      untrack();
    })());
  try {
    const connectUrl = spec.url(container.getHost(), container.getMappedPort(spec.port));
    const identity = await waitUntilReady(kind, connectUrl);
    return { connectUrl, identity, image: spec.image, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
