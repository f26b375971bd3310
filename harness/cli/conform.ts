import { EXIT, RunError, UsageError } from '../errors.ts';
import { parseServerUrls, sessionSettings } from '../plan/plan.ts';
import type { RawServerUrlOptions } from '../plan/plan.ts';
import { CONFORMANCE_CHECKS, SHORT_MAX_AGE_MS, checkTitle, runConformance } from '../probes/conformance.ts';
import type { ConformanceVerdict } from '../probes/conformance.ts';
import type { CliIo } from './io.ts';
import { admitServer, cleanServer } from '../run/shared-server.ts';
import { terminalLine } from '../../reports/terminal.ts';
import { CustomStoreError, loadCustomStore, looksLikeStorePath } from '../../stores/custom.ts';
import { STORES, createStoreAdapter, isStoreId } from '../../stores/index.ts';
import { provisionServer } from '../../stores/servers/provision.ts';
import type { ProvisionedServer } from '../../stores/servers/types.ts';
import { STORE_IDS } from '../../stores/types.ts';
import type { StoreAdapter, StoreDefinition } from '../../stores/types.ts';

/** Raw `conform` flags as the CLI hands them over. */
export interface RawConformOptions extends RawServerUrlOptions {
  store?: string;
  sharedServer?: boolean;
}

const STATUS_WORD: Record<ConformanceVerdict['status'], string> = { pass: 'pass', fail: 'FAIL', 'not-applicable': 'n/a ' };
const CHECK_WIDTH = Math.max(...CONFORMANCE_CHECKS.map((check) => check.length));

/** One line per check: status, check id, what it verifies, and what was observed. */
export function formatVerdict(verdict: ConformanceVerdict): string {
  const observed = verdict.observed ? ` — ${verdict.status === 'fail' ? `${verdict.cause}: ` : ''}${verdict.observed}` : '';
  return terminalLine(`${STATUS_WORD[verdict.status]}  ${verdict.check.padEnd(CHECK_WIDTH)}  ${checkTitle(verdict.check)}${observed}`);
}

async function resolveStore(given: string | undefined): Promise<StoreDefinition> {
  if (!given) throw new UsageError(`--store: give one of ${STORE_IDS.join(', ')}, or a path to a store module (./my-store.mjs)`);
  if (isStoreId(given)) return STORES[given];
  if (!looksLikeStorePath(given)) throw new UsageError(`--store: unknown "${given}"; valid: ${STORE_IDS.join(', ')}, or a path to a store module (./my-store.mjs)`);
  try {
    return await loadCustomStore(given);
  } catch (error) {
    throw error instanceof CustomStoreError ? new UsageError(error.message) : error;
  }
}

/**
 * `sessionbench conform --store <id|path>`: provisions the store's server like bench
 * (URL > Docker > local binary), runs every Store-API check and prints one line per check.
 * Exit 1 when any check fails, 3 when the store could not be set up.
 */
export async function conformCommand(flags: RawConformOptions, io: CliIo): Promise<number> {
  const definition = await resolveStore(flags.store);
  const urls = parseServerUrls(flags, io.env);
  const log = (line: string) => io.stderr(`${terminalLine(line)}\n`);
  let server: ProvisionedServer | undefined;
  const adapters: StoreAdapter[] = [];
  let stopListening = () => {};
  const interrupted = new Promise<number>((resolve) => {
    stopListening = io.onStopSignal((signal) => {
      log(`interrupted (${signal}): stopping`);
      resolve(EXIT.interrupted);
    });
  });
  const run = async (): Promise<number> => {
    if (definition.server) {
      const outcome = await provisionServer({ kind: definition.server, url: urls[definition.server], log });
      if (outcome.status !== 'ready') throw new RunError(`${definition.id}: no ${definition.server} server (${outcome.reason}); pass --${definition.server}-url or install the server`);
      server = outcome.server;
      await admitServer(server.handle, { shared: flags.sharedServer ?? false, prefill: 0, payloadBytes: 0, settings: sessionSettings() }, log);
    }
    const create = async (maxAgeMs: number) => {
      const adapter = await createStoreAdapter(definition.id, { settings: sessionSettings({ maxAgeMs }), server: server?.handle });
      adapters.push(adapter);
      return adapter;
    };
    const adapter = await create(60_000);
    const shortLived = await create(SHORT_MAX_AGE_MS);
    io.stdout(`${terminalLine(`${adapter.label}${server ? ` on ${server.handle.info.label}` : ''}`)}\n`);
    const verdicts = await runConformance(
      {
        store: adapter.store,
        shortLived: shortLived.store,
        capabilities: adapter.capabilities,
        bookkeepingFields: adapter.bookkeepingFields,
        mayClear: server === undefined || server.handle.info.managed,
      },
      (verdict) => io.stdout(`${formatVerdict(verdict)}\n`),
    );
    const failed = verdicts.filter((verdict) => verdict.status === 'fail').length;
    const passed = verdicts.filter((verdict) => verdict.status === 'pass').length;
    io.stdout(`${passed} passed, ${failed} failed, ${verdicts.length - passed - failed} not applicable\n`);
    return failed > 0 ? EXIT.regression : EXIT.ok;
  };
  const running = run();
  // After an interrupt the checks still pending fail against closed clients: nobody waits for them.
  running.catch(() => {});
  try {
    return await Promise.race([running, interrupted]);
  } finally {
    stopListening();
    await Promise.all(adapters.map((adapter) => adapter.close().catch(() => {})));
    await cleanServer(server?.handle).catch((error: unknown) => log(`could not remove sessionbench's data: ${(error as Error).message} — run sessionbench clean`));
    await server?.stop();
  }
}
