import { z } from 'zod';
import { findBinary } from '../binaries.ts';
import { installFix } from '../kind.ts';
import type { ServerKindDefinition } from '../kind.ts';
import { freePort, serverTempDir } from '../process.ts';
import { ROOT_CERT_PARAMETER, makeRunCertificate, redisTlsSocket } from '../tls.ts';

/** One `field:value` line of Redis `INFO` output. */
export function redisInfoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}

/**
 * What a Redis sessionbench starts may be told about persistence (`--server-option redis.appendonly=yes`):
 * without any, it keeps nothing on disk (no RDB snapshots, no AOF), so a restart loses every key.
 */
export const REDIS_SERVER_OPTIONS = z.strictObject({
  appendonly: z.enum(['yes', 'no'], { error: 'appendonly: give yes or no' }).optional(),
  appendfsync: z.enum(['always', 'everysec', 'no'], { error: 'appendfsync: give always, everysec or no' }).optional(),
  /** TLS only (no plain port), with a certificate made for the run (`--store-tls`). */
  tls: z.enum(['yes', 'no'], { error: 'tls: give yes or no' }).optional(),
});

/** Redis: `redis-server` on PATH, without persistence unless `appendonly=yes` is asked for. */
export const redis: ServerKindDefinition = {
  product: 'Redis',
  noun: 'Redis server',
  url: { schemes: ['redis:', 'rediss:'], envVar: 'REDIS_URL', example: 'redis://127.0.0.1:6379' },
  docker: { image: 'redis:7', port: 6379, url: (host, port) => `redis://${host}:${port}` },
  options: REDIS_SERVER_OPTIONS,
  async local(options = {}) {
    const binary = findBinary('redis-server');
    if (!binary) return { reason: 'redis-server is not on PATH', fix: installFix('redis', 'redis-server', Boolean(findBinary('apt-get'))) };
    const port = await freePort();
    const dir = await serverTempDir('redis');
    const { appendonly = 'no', appendfsync, tls = 'no' } = REDIS_SERVER_OPTIONS.parse(options);
    const aof = [...(appendfsync ? ['--appendfsync', appendfsync] : [])];
    const persistence = ['--save', '', '--appendonly', appendonly, ...aof, '--dir', dir, '--daemonize', 'no'];
    if (tls === 'yes') {
      const certificate = await makeRunCertificate(dir);
      if ('reason' in certificate) return certificate;
      // No plain port at all: every client, sessionbench's own included, speaks TLS.
      const args = ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--tls-cert-file', certificate.certFile, '--tls-key-file', certificate.keyFile, '--tls-auth-clients', 'no', ...persistence];
      return { binary: 'redis-server', spec: { command: binary, args, tempDir: dir }, connectUrl: `rediss://127.0.0.1:${port}/?${ROOT_CERT_PARAMETER}=${encodeURIComponent(certificate.certFile)}` };
    }
    const args = ['--port', String(port), '--bind', '127.0.0.1', ...persistence];
    return { binary: 'redis-server', spec: { command: binary, args, tempDir: dir }, connectUrl: `redis://127.0.0.1:${port}` };
  },
  async identify(url, timeoutMs, expired) {
    const { createClient } = await import('redis');
    const client = createClient({ url, socket: { connectTimeout: timeoutMs, reconnectStrategy: false, ...redisTlsSocket(url) }, commandOptions: { timeout: timeoutMs } });
    client.on('error', () => {});
    expired.addEventListener('abort', () => client.destroy());
    try {
      await client.connect();
      const version = redisInfoField(await client.info('server'), 'redis_version');
      return { product: 'Redis', version: version ?? 'unknown' };
    } finally {
      client.destroy();
    }
  },
};
