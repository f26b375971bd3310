import { join } from 'node:path';
import { findBinary } from '../binaries.ts';
import { installFix } from '../kind.ts';
import type { ServerIdentity, ServerKindDefinition } from '../kind.ts';
import { freePort, isRoot, runSetupCommand, serverTempDir, setprivUser, userIds } from '../process.ts';

/** Debian installs mariadbd under /usr/sbin, which a normal user's PATH often lacks. */
const SBIN = ['/usr/sbin', '/usr/local/sbin'];

/** MariaDB or MySQL, from `SELECT VERSION()` (e.g. "10.11.19-MariaDB-0+deb12u1" or "8.4.3"). */
export function mysqlIdentity(version: string): ServerIdentity {
  return { product: /mariadb/i.test(version) ? 'MariaDB' : 'MySQL', version: version.split('-')[0] ?? version };
}

/** Runs SQL statements on one fresh connection. */
async function execute(uri: string, statements: string[], timeoutMs = 5000): Promise<unknown[]> {
  const { createConnection } = await import('mysql2/promise');
  const connection = await createConnection({ uri, connectTimeout: timeoutMs });
  try {
    const results: unknown[] = [];
    for (const sql of statements) results.push((await connection.query(sql))[0]);
    return results;
  } finally {
    await connection.end().catch(() => connection.destroy());
  }
}

/**
 * The MySQL protocol: a URL to MySQL or MariaDB, the mariadb image in Docker, or Debian's
 * mariadb-server started in a temp dir (as the mysql user when run as root), labelled as what answers.
 */
export const mysql: ServerKindDefinition = {
  product: 'MySQL',
  noun: 'MySQL-protocol server (MySQL or MariaDB)',
  url: { schemes: ['mysql:'], envVar: 'MYSQL_URL', example: 'mysql://user:password@127.0.0.1:3306/db' },
  docker: {
    image: 'mariadb:11',
    port: 3306,
    env: { MARIADB_ROOT_PASSWORD: 'sessionbench', MARIADB_DATABASE: 'sessionbench' },
    url: (host, port) => `mysql://root:sessionbench@${host}:${port}/sessionbench`,
  },
  async local() {
    const mariadbd = findBinary('mariadbd', SBIN) ?? findBinary('mysqld', SBIN);
    const installDb = findBinary('mariadb-install-db', SBIN) ?? findBinary('mysql_install_db', SBIN);
    if (!mariadbd || !installDb) return { reason: 'mariadbd/mariadb-install-db not found on PATH or in /usr/sbin', fix: installFix('mysql', 'mariadb-server', Boolean(findBinary('apt-get'))) };
    const user = isRoot() ? await userIds('mysql') : undefined;
    const dir = await serverTempDir('mysql', user);
    const data = join(dir, 'data');
    // --no-defaults must come first: it keeps /etc/mysql's configuration out.
    const installArgs = [installDb, '--no-defaults', `--datadir=${data}`, '--auth-root-authentication-method=normal', '--skip-test-db'];
    await runSetupCommand('mysql: mariadb-install-db', [...setprivUser(user), '--pdeathsig=TERM', '--', ...installArgs], dir, 120_000);
    const port = await freePort();
    const args = [
      '--no-defaults',
      `--datadir=${data}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${join(dir, 'mysqld.sock')}`,
      `--pid-file=${join(dir, 'mysqld.pid')}`,
      '--skip-log-bin',
    ];
    const base = `mysql://root@127.0.0.1:${port}`;
    return {
      binary: 'mariadbd',
      spec: { command: mariadbd, args, user, tempDir: dir },
      connectUrl: `${base}/mysql`,
      prepare: async (url) => {
        await execute(url, ['CREATE DATABASE sessionbench']);
        return `${base}/sessionbench`;
      },
    };
  },
  async identify(url, timeoutMs) {
    const [rows] = (await execute(url, ['SELECT VERSION() AS version'], timeoutMs)) as [Array<{ version: string }>];
    return mysqlIdentity(rows[0]?.version ?? 'unknown');
  },
};
