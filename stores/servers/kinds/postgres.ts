import { readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { join } from 'node:path';
import { executable, findBinary } from '../binaries.ts';
import { installFix } from '../kind.ts';
import type { ServerKindDefinition } from '../kind.ts';
import { freePort, isRoot, runSetupCommand, serverTempDir, setprivUser, userIds } from '../process.ts';
import { ROOT_CERT_PARAMETER, makeRunCertificate } from '../tls.ts';

/** Debian keeps PostgreSQL's server binaries off PATH, one directory per major version: newest first. */
function postgresDirs(): string[] {
  const root = '/usr/lib/postgresql';
  try {
    return readdirSync(root)
      .sort((a, b) => Number(b) - Number(a))
      .map((version) => join(root, version, 'bin'));
  } catch {
    return [];
  }
}

/** `postgres` and `initdb`, from PATH or Debian's versioned directories. */
export function findPostgres(): { postgres: string; initdb: string } | undefined {
  for (const dir of ['', ...postgresDirs()]) {
    const postgres = dir ? join(dir, 'postgres') : findBinary('postgres');
    const initdb = dir ? join(dir, 'initdb') : findBinary('initdb');
    if (postgres && initdb && executable(postgres) && executable(initdb)) return { postgres, initdb };
  }
  return undefined;
}

/** Runs one statement on a fresh connection (creating the benchmark database). */
async function execute(connectionString: string, sql: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** What a PostgreSQL sessionbench starts may be told: TLS with a certificate made for the run (`--store-tls`). */
export const POSTGRES_SERVER_OPTIONS = z.strictObject({
  tls: z.enum(['yes', 'no'], { error: 'tls: give yes or no' }).optional(),
});

/** PostgreSQL: Debian's `initdb` + `postgres` in a temp dir, as the postgres user when run as root. */
export const postgres: ServerKindDefinition = {
  product: 'PostgreSQL',
  noun: 'PostgreSQL server',
  url: { schemes: ['postgres:', 'postgresql:'], envVar: 'POSTGRES_URL', example: 'postgres://user:password@127.0.0.1:5432/db' },
  docker: {
    image: 'postgres:16',
    port: 5432,
    env: { POSTGRES_PASSWORD: 'sessionbench', POSTGRES_DB: 'sessionbench' },
    url: (host, port) => `postgres://postgres:sessionbench@${host}:${port}/sessionbench`,
  },
  options: POSTGRES_SERVER_OPTIONS,
  async local(options = {}) {
    const { tls = 'no' } = POSTGRES_SERVER_OPTIONS.parse(options);
    const binaries = findPostgres();
    if (!binaries) return { reason: 'postgres/initdb not found on PATH or under /usr/lib/postgresql', fix: installFix('postgres', 'postgresql', Boolean(findBinary('apt-get'))) };
    const user = isRoot() ? await userIds('postgres') : undefined;
    const dir = await serverTempDir('postgres', user);
    const data = join(dir, 'data');
    const initArgs = [binaries.initdb, '-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync'];
    await runSetupCommand('postgres: initdb', [...setprivUser(user), '--pdeathsig=TERM', '--', ...initArgs], dir, 60_000);
    const port = await freePort();
    const args = ['-D', data, '-k', dir, '-h', '127.0.0.1', '-p', String(port)];
    const base = `postgres://postgres@127.0.0.1:${port}`;
    // With TLS every client must use it (hostssl only) and verifies the run's certificate (sslmode=verify-full).
    let query = '';
    if (tls === 'yes') {
      const certificate = await makeRunCertificate(dir, user);
      if ('reason' in certificate) return certificate;
      await writeFile(join(data, 'pg_hba.conf'), 'local all all trust\nhostssl all all 127.0.0.1/32 trust\n');
      args.push('-c', 'ssl=on', '-c', `ssl_cert_file=${certificate.certFile}`, '-c', `ssl_key_file=${certificate.keyFile}`);
      query = `?sslmode=verify-full&${ROOT_CERT_PARAMETER}=${encodeURIComponent(certificate.certFile)}`;
    }
    return {
      binary: 'postgres',
      spec: { command: binaries.postgres, args, user, tempDir: dir },
      connectUrl: `${base}/postgres${query}`,
      prepare: async () => {
        await execute(`${base}/postgres${query}`, 'CREATE DATABASE sessionbench');
        return `${base}/sessionbench${query}`;
      },
    };
  },
  async identify(url, timeoutMs, expired) {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
    client.on('error', () => {});
    expired.addEventListener('abort', () => void client.end().catch(() => {}));
    try {
      await client.connect();
      const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
      return { product: 'PostgreSQL', version: rows[0]?.server_version.split(' ')[0] ?? 'unknown' };
    } finally {
      await client.end().catch(() => {});
    }
  },
};
