import type { ServerHandle } from '../types.ts';
import type { ServerInfo, ServerKind, ServerSource } from '../../contract/vocabulary.ts';
import { probeDocker, startDockerServer } from './docker.ts';
import { CONNECT_TIMEOUT_MS } from './deadline.ts';
import { identifyServer } from './identify.ts';
import type { ServerIdentity } from './kind.ts';
import { startLocalServer } from './local.ts';
import type { ProvisionedServer, ProvisionOutcome, ProvisionRequest } from './types.ts';
import { parseServerUrl, redactUrl, urlEnvVar } from './url.ts';
import { urlUsesTls } from './tls.ts';

export { stopAllServers } from './registry.ts';

const DEFAULT_SOURCES: ServerSource[] = ['url', 'docker', 'local'];

/** What one source produced: a server, or why it does not apply here. */
type Attempt = { server: ProvisionedServer; how: string } | { unavailable: string; fix?: string };

function handle(kind: ServerKind, source: ServerSource, connectUrl: string, identity: ServerIdentity, backend?: string): ServerHandle {
  const tls = urlUsesTls(connectUrl);
  const info: ServerInfo = {
    kind,
    url: redactUrl(connectUrl),
    source,
    product: identity.product,
    version: identity.version,
    label: `${identity.product} ${identity.version}${backend ? ` (${backend})` : ''}${tls ? ' over TLS' : ''}`,
    managed: source !== 'url',
    ...(tls ? { tls: true } : {}),
  };
  return { info, connectUrl };
}

async function fromUrl(kind: ServerKind, raw: string | undefined): Promise<Attempt> {
  if (!raw) return { unavailable: `no URL given (--${kind}-url or ${urlEnvVar(kind)})` };
  const connectUrl = parseServerUrl(kind, raw);
  let identity: ServerIdentity;
  try {
    identity = await identifyServer(kind, connectUrl, CONNECT_TIMEOUT_MS);
  } catch (error) {
    throw new Error(`${kind}: cannot reach ${redactUrl(connectUrl)}: ${(error as Error).message}`);
  }
  return { server: { handle: handle(kind, 'url', connectUrl, identity), stop: async () => {} }, how: 'given URL' };
}

async function fromDocker(kind: ServerKind): Promise<Attempt> {
  const probe = await probeDocker();
  if (!probe.available) return { unavailable: `Docker: ${probe.reason} (probe ${Math.round(probe.ms)} ms)` };
  try {
    const docker = await startDockerServer(kind);
    return { server: { handle: handle(kind, 'docker', docker.connectUrl, docker.identity), stop: docker.stop }, how: `Docker ${docker.image}` };
  } catch (error) {
    return { unavailable: `Docker: ${(error as Error).message}` };
  }
}

async function fromLocal(kind: ServerKind, options?: Record<string, string>): Promise<Attempt> {
  const outcome = await startLocalServer(kind, options);
  if (outcome.status === 'unavailable') return { unavailable: `local: ${outcome.reason}`, fix: outcome.fix };
  const local = outcome.server;
  return {
    server: {
      handle: handle(kind, 'local', local.connectUrl, local.identity, local.backend),
      stop: local.process.stop,
      get pid() {
        return local.process.pid;
      },
      crashAndRestart: local.crashAndRestart,
    },
    how: `local ${local.binary} (pid ${local.process.pid})`,
  };
}

/**
 * Finds a `kind` server: the explicit URL (request or environment) → Docker via
 * testcontainers → a local binary → skipped, with every reason. A given URL that
 * does not answer, or a local binary that fails to start, is an error, not a skip.
 * Logs one line saying where the server came from and how long that took; a skip is the
 * caller's to report (bench says it once, in its results).
 */
export async function provisionServer(request: ProvisionRequest): Promise<ProvisionOutcome> {
  const { kind } = request;
  const log = request.log ?? (() => {});
  const url = request.url ?? process.env[urlEnvVar(kind)];
  const started = performance.now();
  const reasons: string[] = [];
  let fix: string | undefined;
  for (const source of request.sources ?? DEFAULT_SOURCES) {
    const configured = request.options && Object.keys(request.options).length > 0;
    const attempt =
      source === 'url'
        ? await fromUrl(kind, url)
        : source === 'docker'
          ? configured
            ? { unavailable: 'Docker: --server-option applies to servers started from a local binary' }
            : await fromDocker(kind)
          : await fromLocal(kind, request.options);
    if ('unavailable' in attempt) {
      reasons.push(attempt.unavailable);
      fix ??= attempt.fix;
      continue;
    }
    const { info } = attempt.server.handle;
    if (request.namespace) attempt.server.handle.namespace = request.namespace;
    log(`${kind}: ${info.label} from ${attempt.how} at ${info.url}, ready in ${Math.round(performance.now() - started)} ms`);
    return { status: 'ready', server: attempt.server };
  }
  const reason = reasons.join('; ');
  return { status: 'skipped', reason, ...(fix ? { fix } : {}) };
}
