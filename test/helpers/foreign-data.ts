import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { createConnection } from 'mysql2/promise';
import pg from 'pg';
import { createClient } from 'redis';
import { OWN_KEY_PREFIX, isOwnTableName } from '../../stores/namespace.ts';
import { memcachedHosts } from '../../stores/servers/kinds/memcached.ts';
import { MemcachedPipeline } from '../../stores/memcached-pipeline.ts';

/**
 * Someone else's data on a server, as a real app leaves it: sessions under the store libraries'
 * default names (some already expired, which a prune over the whole table would delete), other
 * keys and tables, and a table named `sessionbench_probe` that sessionbench did not create.
 * `checksum` hashes all of it (everything not under sessionbench's own names), so before = after
 * proves nothing of it was written, pruned or dropped.
 */
export interface ForeignData {
  seed(url: string): Promise<void>;
  /** A hash of every foreign key/row and value, with how many there are. */
  checksum(url: string): Promise<{ items: number; sha256: string }>;
}

const LIVE = 500;
const EXPIRED = 100;
const sha = (lines: string[]) => createHash('sha256').update(lines.sort().join('\n')).digest('hex');
const session = (i: number, expires: Date) => JSON.stringify({ cookie: { originalMaxAge: 3_600_000, expires: expires.toISOString(), httpOnly: true, path: '/' }, user: `foreign-user-${i}` });

const redisClient = (url: string) => createClient({ url, socket: { reconnectStrategy: false } });

export const foreignRedis: ForeignData = {
  async seed(url) {
    const client = redisClient(url);
    await client.connect();
    const batch = client.multi();
    for (let i = 0; i < LIVE; i++) batch.set(`sess:foreign-${i}`, session(i, new Date(Date.now() + 86_400_000)), { expiration: { type: 'EX', value: 86_400 } });
    for (let i = 0; i < 100; i++) batch.set(`app:cache:${i}`, `value-${i}`);
    await batch.exec();
    await client.close();
  },
  async checksum(url) {
    const client = redisClient(url);
    await client.connect();
    const lines: string[] = [];
    for await (const keys of client.scanIterator({ COUNT: 1000 })) {
      for (const key of keys) if (!key.startsWith(OWN_KEY_PREFIX)) lines.push(`${key}=${await client.get(key)}`);
    }
    await client.close();
    return { items: lines.length, sha256: sha(lines) };
  },
};

function memcachedRequest(url: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const [host, port] = memcachedHosts(url).split(':');
    const socket = connect({ host: host!, port: Number(port) });
    let text = '';
    socket.on('error', reject);
    socket.on('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (/(^|\n)END\r\n$/.test(text) || /^(ERROR|CLIENT_ERROR|SERVER_ERROR)/m.test(text)) {
        socket.destroy();
        resolve(text);
      }
    });
  });
}

export const foreignMemcached: ForeignData = {
  async seed(url) {
    const [host, port] = memcachedHosts(url).split(':');
    const pipeline = new MemcachedPipeline(host!, Number(port), 10_000);
    const commands: string[] = [];
    for (let i = 0; i < LIVE; i++) {
      const value = session(i, new Date(Date.now() + 86_400_000));
      commands.push(`set sess:foreign-${i} 2 0 ${Buffer.byteLength(value)} noreply\r\n${value}\r\n`);
    }
    await pipeline.send(commands.join(''));
    pipeline.close();
  },
  async checksum(url) {
    const dump = await memcachedRequest(url, 'lru_crawler metadump all');
    const keys = [...dump.matchAll(/^key=(\S+)/gm)].map((m) => decodeURIComponent(m[1]!)).filter((key) => !key.startsWith(OWN_KEY_PREFIX));
    const lines: string[] = [];
    for (let i = 0; i < keys.length; i += 100) {
      const reply = await memcachedRequest(url, `get ${keys.slice(i, i + 100).join(' ')}`);
      for (const match of reply.matchAll(/^VALUE (\S+) \d+ \d+\r\n(.*)\r\n/gm)) lines.push(`${match[1]}=${match[2]}`);
    }
    return { items: lines.length, sha256: sha(lines) };
  },
};

export const foreignPostgres: ForeignData = {
  async seed(url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    // connect-pg-simple's own table.sql, as an app's session table.
    await client.query(`CREATE TABLE "session" ("sid" varchar NOT NULL COLLATE "default", "sess" json NOT NULL, "expire" timestamp(6) NOT NULL)`);
    await client.query(`ALTER TABLE "session" ADD CONSTRAINT "session_pkey" PRIMARY KEY ("sid")`);
    await client.query(`CREATE INDEX "IDX_session_expire" ON "session" ("expire")`);
    await client.query(`INSERT INTO "session" SELECT 'live-' || i, json_build_object('user', 'foreign-' || i), now() + interval '1 day' FROM generate_series(1, ${LIVE}) i`);
    await client.query(`INSERT INTO "session" SELECT 'expired-' || i, json_build_object('user', 'foreign-' || i), now() - interval '1 day' FROM generate_series(1, ${EXPIRED}) i`);
    await client.query(`CREATE TABLE sessions (sid text PRIMARY KEY, sess json, expired timestamptz)`);
    await client.query(`INSERT INTO sessions SELECT 'knex-' || i, '{}'::json, now() - interval '1 hour' FROM generate_series(1, 50) i`);
    await client.query(`CREATE TABLE sessionbench_probe (key text PRIMARY KEY, a integer, b integer)`);
    await client.query(`INSERT INTO sessionbench_probe VALUES ('mine', 1, 2)`);
    await client.end();
  },
  async checksum(url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows: tables } = await client.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'`);
    const lines: string[] = [];
    for (const { name } of tables.filter((t) => !isOwnTableName(t.name))) {
      const { rows } = await client.query<{ row: string }>(`SELECT t::text AS row FROM ${client.escapeIdentifier(name)} t`);
      lines.push(...rows.map((r) => `${name}:${r.row}`));
    }
    await client.end();
    return { items: lines.length, sha256: sha(lines) };
  },
};

export const foreignMysql: ForeignData = {
  async seed(url) {
    const connection = await createConnection({ uri: url, multipleStatements: true });
    // express-mysql-session's schema.sql, as an app's session table.
    await connection.query('CREATE TABLE `sessions` (`session_id` varchar(128) COLLATE utf8mb4_bin NOT NULL, `expires` int(11) unsigned NOT NULL, `data` mediumtext COLLATE utf8mb4_bin, PRIMARY KEY (`session_id`)) ENGINE=InnoDB');
    const now = Math.floor(Date.now() / 1000);
    const rows = [
      ...Array.from({ length: LIVE }, (_, i) => [`live-${i}`, now + 86_400, session(i, new Date(Date.now() + 86_400_000))]),
      ...Array.from({ length: EXPIRED }, (_, i) => [`expired-${i}`, now - 86_400, session(i, new Date(Date.now() - 86_400_000))]),
    ];
    await connection.query('INSERT INTO `sessions` (session_id, expires, data) VALUES ?', [rows]);
    await connection.query('CREATE TABLE sessionbench_probe (`key` varchar(64) PRIMARY KEY, a int, b int); INSERT INTO sessionbench_probe VALUES (\'mine\', 1, 2)');
    await connection.end();
  },
  async checksum(url) {
    const connection = await createConnection({ uri: url });
    const [tables] = await connection.query("SELECT table_name AS name FROM information_schema.TABLES WHERE table_schema = DATABASE()");
    const lines: string[] = [];
    for (const { name } of (tables as Array<{ name: string }>).filter((t) => !isOwnTableName(t.name))) {
      const [rows] = await connection.query('SELECT * FROM ??', [name]);
      lines.push(...(rows as unknown[]).map((row) => `${name}:${JSON.stringify(row)}`));
    }
    await connection.end();
    return { items: lines.length, sha256: sha(lines) };
  },
};
