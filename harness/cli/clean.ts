import { EXIT, RunError, UsageError } from '../errors.ts';
import { parseServerUrls } from '../plan/plan.ts';
import type { RawServerUrlOptions } from '../plan/options.ts';
import { describeNamespace } from '../run/shared-server.ts';
import type { CliIo } from './io.ts';
import { formatCount } from '../../reports/figures/format.ts';
import { terminalLine } from '../../reports/render/terminal.ts';
import { provisionServer } from '../../stores/servers/provision.ts';
import { OWN_DATA } from '../../stores/servers/own/index.ts';
import type { ServerKind } from '../../contract/vocabulary.ts';

/**
 * `sessionbench clean --<kind>-url …`: removes everything under sessionbench's own names (keys
 * `sessionbench:*`; the session and probe tables or collections `isOwnTableName` recognises) from each
 * server given, e.g. what a killed run (SIGKILL) left; nothing else is touched. One line per server.
 */
export async function cleanCommand(flags: RawServerUrlOptions, io: CliIo): Promise<number> {
  // Only flags: a URL in the environment (REDIS_URL) is not a request to clean that server.
  const urls = parseServerUrls(flags, {});
  const kinds = Object.keys(urls) as ServerKind[];
  if (kinds.length === 0) throw new UsageError('clean: give the server to clean, e.g. --redis-url redis://127.0.0.1:6379 (one flag per server)');
  for (const kind of kinds) {
    const outcome = await provisionServer({ kind, url: urls[kind], sources: ['url'] });
    if (outcome.status !== 'ready') throw new RunError(`${kind}: ${outcome.reason}`);
    const { handle } = outcome.server;
    const { removed, unit } = await OWN_DATA[kind].clean(handle.connectUrl);
    const left = await OWN_DATA[kind].census(handle.connectUrl);
    io.stdout(`${terminalLine(`${kind} at ${handle.info.url}: removed ${formatCount(removed)} ${unit} (${describeNamespace(handle)}); ${formatCount(left.own)} of sessionbench's left, ${formatCount(left.foreign)} ${left.unit} of other data untouched`)}\n`);
  }
  return EXIT.ok;
}
