import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseRunResult } from '../../contract/read.ts';
import { provisionServer, stopAllServers } from '../../stores/servers/provision.ts';
import { OWN_DATA } from '../../stores/servers/own/index.ts';
import type { ProvisionedServer } from '../../stores/servers/types.ts';
import type { ServerKind, StoreId } from '../../contract/vocabulary.ts';
import { runCli } from './cli.ts';
import type { CliRun } from './cli.ts';
import type { ForeignData } from './foreign-data.ts';

/**
 * The suite every server kind passes (issue 21): a real local server per kind is seeded with someone else's data
 * (sessions under the libraries' default names, some expired; other keys and tables; a table named
 * sessionbench_probe) and handed to sessionbench by URL, as a user's server. Every run must leave that
 * data byte-identical (checksum before = after) and leave none of its own behind.
 */

export const root = mkdtempSync(path.join(tmpdir(), 'sessionbench-own-servers-'));
after(async () => {
  await stopAllServers();
  rmSync(root, { recursive: true, force: true });
});

export interface OwnServerCase {
  kind: ServerKind;
  stores: StoreId[];
  foreign: ForeignData;
  /** The store has a bulk writer (a prefill, and an interrupt during one, apply). */
  prefills: boolean;
}


/** Load, churn, race (with its probe table), ttl and expiry (the prune) in one run; outage refuses a server it did not start. */
const SCENARIOS = 'read-heavy,churn,race,ttl,expiry';

const URL_ENV: Record<ServerKind, string> = { redis: 'REDIS_URL', postgres: 'POSTGRES_URL', mysql: 'MYSQL_URL', memcached: 'MEMCACHED_URL', mongo: 'MONGO_URL' };

function resultsOf(out: string) {
  const [stamp] = readdirSync(out);
  assert.ok(stamp, 'a results directory was written');
  return parseRunResult(readFileSync(path.join(out, stamp, 'results.json'), 'utf8'), 'results');
}

/** Runs the CLI with the server given by URL in the environment. */
export function cli(kind: ServerKind, url: string, args: string[], options: Parameters<typeof runCli>[1] = {}): Promise<CliRun> {
  return runCli(args, { timeoutMs: 300_000, ...options, env: { [URL_ENV[kind]]: url, ...options.env } });
}

/** Sends `signal` once stderr matches `when` (once). */
function signalWhen(when: RegExp, signal: NodeJS.Signals): (stderr: string, pid: number) => void {
  let sent = false;
  return (stderr, pid) => {
    if (sent || !when.test(stderr)) return;
    sent = true;
    process.kill(pid, signal);
  };
}

export function ownServerSuite({ kind, stores, foreign, prefills }: OwnServerCase): void {
  describe(`a user's ${kind} server holding other data`, () => {
    let server: ProvisionedServer;
    let url: string;
    let checksum: { items: number; sha256: string };

    before(async () => {
      const outcome = await provisionServer({ kind, sources: ['local'] });
      // A missing server fails with the reason: these checks are never skipped for want of one.
      assert.equal(outcome.status, 'ready', outcome.status === 'skipped' ? `no local ${kind} server: ${outcome.reason}` : '');
      server = (outcome as { server: ProvisionedServer }).server;
      url = server.handle.connectUrl;
      await foreign.seed(url);
      checksum = await foreign.checksum(url);
      assert.ok(checksum.items > 0, 'foreign data was seeded');
    });
    after(() => server?.stop());

    /** The foreign data is byte-identical and sessionbench left nothing of its own. */
    async function assertUntouched(t: { diagnostic(text: string): void }, what: string): Promise<void> {
      const now = await foreign.checksum(url);
      const census = await OWN_DATA[kind].census(url);
      t.diagnostic(`${kind} ${what}: foreign ${checksum.items} items sha256 ${checksum.sha256.slice(0, 16)} before, ${now.items} items ${now.sha256.slice(0, 16)} after; sessionbench's own left: ${census.own} ${census.unit}`);
      assert.deepEqual(now, checksum, `${what}: the foreign data is unchanged`);
      assert.equal(census.own, 0, `${what}: nothing of sessionbench's is left`);
    }

    test('without --shared-server: one line saying what was found, exit 2, nothing written', { timeout: 120_000 }, async (t) => {
      const out = path.join(root, `${kind}-refused`);
      const run = await cli(kind, url, ['--store', stores.join(','), '--repeat', '1', '--scenario', 'read-heavy', '--duration', '1s', '--out', out]);
      const lines = run.stderr.trim().split('\n');
      t.diagnostic(lines.at(-1) ?? '');
      assert.equal(run.code, 2, run.stderr);
      assert.match(lines.at(-1)!, new RegExp(`^sessionbench: ${kind} at \\S+ holds [\\d,]+ \\w+ not sessionbench's; .*pass --shared-server`));
      assert.equal(run.stdout, '');
      assert.equal(existsSync(out), false, 'nothing written');
      await assertUntouched(t, 'refused run');
    });

    test(`--shared-server: ${SCENARIOS}${prefills ? ', with and without a prefill' : ''}; its own names recorded on every entry`, { timeout: 600_000 }, async (t) => {
      const out = path.join(root, `${kind}-shared`);
      const run = await cli(kind, url, ['--store', stores.join(','), '--repeat', '1', '--scenario', SCENARIOS, '--duration', '1s', '--warmup', '0s', '--probe-ops', '20', '--prefill', '0,1000', '--shared-server', '--out', out]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, new RegExp(`${kind}: ${kind} at \\S+ is not sessionbench's: it writes only .*sessionbench`), 'the namespace is shown once');
      const result = resultsOf(out);
      const failed = result.entries.filter((entry) => entry.status === 'failed');
      assert.deepEqual(failed, [], 'no entry failed');
      for (const entry of result.entries) {
        assert.equal(entry.namespace?.own, true, `${entry.store}/${entry.scenario}: sessionbench's own namespace recorded`);
        assert.match(entry.namespace!.name, /^sessionbench[:_]/);
      }
      await assertUntouched(t, `every scenario (${result.entries.length} entries)`);
    });

    test('conform --shared-server', { timeout: 300_000 }, async (t) => {
      const run = await cli(kind, url, ['conform', '--store', stores[0]!, '--shared-server']);
      t.diagnostic(run.stdout.trim().split('\n').at(-1) ?? '');
      assert.ok(run.code === 0 || run.code === 1, `conform ran its checks: ${run.stderr}`);
      await assertUntouched(t, 'conform');
    });

    if (prefills) {
      test('Ctrl-C in the middle of a prefill: exit 130, the prefilled sessions removed', { timeout: 300_000 }, async (t) => {
        const out = path.join(root, `${kind}-interrupted-prefill`);
        const run = await cli(kind, url, ['--store', stores[0]!, '--repeat', '1', '--scenario', 'read-heavy', '--duration', '1s', '--warmup', '0s', '--prefill', '300000', '--shared-server', '--out', out], {
          onStderr: signalWhen(/prefilled [\d,]+\/300,000/, 'SIGINT'),
        });
        t.diagnostic(run.stderr.split('\n').filter((line) => /prefilled|interrupted/.test(line)).join(' | '));
        assert.equal(run.code, 130, run.stderr);
        await assertUntouched(t, 'Ctrl-C mid-prefill');
      });
    }

    if (prefills) {
      test("Ctrl-C in the middle of a prefill under the libraries' names (--namespace library): the prefilled sessions removed all the same", { timeout: 300_000 }, async (t) => {
        const out = path.join(root, `${kind}-interrupted-library`);
        const run = await cli(kind, url, ['--store', stores[0]!, '--repeat', '1', '--scenario', 'read-heavy', '--duration', '1s', '--warmup', '0s', '--prefill', '300000', '--namespace', 'library', '--shared-server', '--out', out], {
          onStderr: signalWhen(/prefilled [\d,]+\/300,000/, 'SIGINT'),
        });
        assert.equal(run.code, 130, run.stderr);
        // Its sessions sat among the foreign ones under the same names: the checksum of everything not sessionbench's is unchanged only if each was removed.
        await assertUntouched(t, 'Ctrl-C mid-prefill, library names');
      });
    }

    test('SIGTERM in the middle of the churn load: exit 130, its sessions removed', { timeout: 300_000 }, async (t) => {
      const out = path.join(root, `${kind}-interrupted-load`);
      let timer: NodeJS.Timeout | undefined;
      const run = await cli(kind, url, ['--store', stores[0]!, '--repeat', '1', '--scenario', 'churn', '--duration', '30s', '--warmup', '0s', '--shared-server', '--out', out], {
        onStderr: (stderr, pid) => {
          if (timer || !/churn/.test(stderr)) return;
          timer = setTimeout(() => process.kill(pid, 'SIGTERM'), 4000);
        },
      });
      clearTimeout(timer);
      assert.equal(run.code, 130, run.stderr);
      await assertUntouched(t, 'SIGTERM mid-load');
    });

    if (prefills) {
      test('SIGKILL in the middle of a prefill leaves sessions; `sessionbench clean` removes exactly those', { timeout: 300_000 }, async (t) => {
        const out = path.join(root, `${kind}-killed`);
        await cli(kind, url, ['--store', stores[0]!, '--repeat', '1', '--scenario', 'read-heavy', '--duration', '1s', '--prefill', '300000', '--shared-server', '--out', out], {
          onStderr: signalWhen(/prefilled [\d,]+\/300,000/, 'SIGKILL'),
        });
        const left = await OWN_DATA[kind].census(url);
        assert.ok(left.own > 0, `a killed run leaves its own data (${left.own} ${left.unit})`);
        const clean = await runCli(['clean', `--${kind}-url`, url], { timeoutMs: 120_000 });
        t.diagnostic(`after SIGKILL: ${left.own} ${left.unit} of sessionbench's; clean: ${clean.stdout.trim()}`);
        assert.equal(clean.code, 0, clean.stderr);
        assert.match(clean.stdout, /removed [\d,]+ \w+ .*; 0 of sessionbench's left/);
        await assertUntouched(t, 'SIGKILL mid-prefill, then clean');
        // The app children of the killed run lose their parent and exit on their own; wait for their sockets to go.
      });
    }
  });
}
