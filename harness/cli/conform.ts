import { resolve } from 'node:path';
import { EXIT, RunError, UsageError } from '../errors.ts';
import { parseServerUrls, sessionSettings } from '../plan/plan.ts';
import type { RawServerUrlOptions } from '../plan/options.ts';
import { CONFORMANCE_CHECKS, SHORT_MAX_AGE_MS, checkTitle, runCheck } from '../probes/conformance.ts';
import type { ConformanceSubject, ConformanceVerdict } from '../probes/conformance.ts';
import { StoreBoxError, createBoxedAdapter, loadBoxedCustomStore } from '../app/store-box.ts';
import type { BoxedAdapter } from '../app/store-box.ts';
import type { CliIo } from './io.ts';
import { admitServer, cleanServer } from '../run/shared-server.ts';
import { terminalLine } from '../../reports/render/terminal.ts';
import { CustomStoreError, looksLikeStorePath } from '../../stores/custom.ts';
import { STORES, isStoreId } from '../../stores/index.ts';
import { requireStorePackages } from '../plan/store-packages.ts';
import { provisionServer } from '../../stores/servers/provision.ts';
import type { ProvisionedServer } from '../../stores/servers/types.ts';
import { STORE_IDS } from '../../contract/vocabulary.ts';
import type { StoreDefinition } from '../../stores/types.ts';

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
    return await loadBoxedCustomStore(given);
  } catch (error) {
    throw error instanceof CustomStoreError ? new UsageError(error.message) : error;
  }
}

/** The absolute module path of a custom store, for the box to load; undefined for a built-in one. */
function modulePath(definition: StoreDefinition): string | undefined {
  return definition.source ? resolve(definition.source.path) : undefined;
}

/**
 * `sessionbench conform --store <id|path>`: provisions the store's server like bench
 * (URL > Docker > local binary), builds the store in a store box (its own process, every call
 * bounded), runs every Store-API check and prints one line per check. A box that ends during a
 * check (an exit, a throw outside a call) fails that check and a new one is built for the next.
 * Exit 1 when any check fails, 3 when the store could not be set up.
 */
export async function conformCommand(flags: RawConformOptions, io: CliIo): Promise<number> {
  const definition = await resolveStore(flags.store);
  requireStorePackages(definition.id, flags.store);
  const urls = parseServerUrls(flags, io.env);
  const log = (line: string) => io.stderr(`${terminalLine(line)}\n`);
  let server: ProvisionedServer | undefined;
  let adapters: BoxedAdapter[] = [];
  let stdoutBefore = 0;
  let lastLineBefore = '';
  let stopListening = () => {};
  const interrupted = new Promise<number>((resolve) => {
    stopListening = io.onStopSignal((signal) => {
      log(`interrupted (${signal}): stopping`);
      resolve(EXIT.interrupted);
    });
  });
  let finished = false;
  /** The box being built, awaited on the way out so none outlives the command. */
  let building: Promise<unknown> = Promise.resolve();
  const closeAll = async () => {
    stdoutBefore += adapters.reduce((sum, adapter) => sum + adapter.stdout().bytes, 0);
    lastLineBefore = adapters.map((adapter) => adapter.stdout().lastLine).filter(Boolean).at(-1) ?? lastLineBefore;
    await Promise.all(adapters.map((adapter) => adapter.close().catch(() => {})));
    adapters = [];
  };
  const build = async (): Promise<ConformanceSubject> => {
    const create = (maxAgeMs: number): Promise<BoxedAdapter> => {
      const creating = (async () => {
        if (finished) throw new RunError('interrupted');
        const adapter = await createBoxedAdapter(definition.id, modulePath(definition), { settings: sessionSettings({ maxAgeMs }), server: server?.handle }).catch((error: unknown) => {
          throw error instanceof StoreBoxError ? new RunError(error.message) : error;
        });
        // Built after an interrupt was handled: nobody else will close it.
        if (finished) {
          await adapter.close();
          throw new RunError('interrupted');
        }
        adapters.push(adapter);
        return adapter;
      })();
      building = creating.catch(() => {});
      return creating;
    };
    const adapter = await create(60_000);
    const shortLived = await create(SHORT_MAX_AGE_MS);
    return {
      store: adapter.store,
      shortLived: shortLived.store,
      capabilities: adapter.capabilities,
      bookkeepingFields: adapter.bookkeepingFields,
      mayClear: server === undefined || server.handle.info.managed,
      contained: {
        stdoutBytes: () => stdoutBefore + adapters.reduce((sum, box) => sum + box.stdout().bytes, 0),
        ended: () => adapters.map((box) => box.fault()).find(Boolean),
        lastStdoutLine: () => adapters.map((box) => box.stdout().lastLine).filter(Boolean).at(-1) ?? lastLineBefore,
      },
    };
  };
  const run = async (): Promise<number> => {
    if (definition.server) {
      const outcome = await provisionServer({ kind: definition.server, url: urls[definition.server], log });
      if (outcome.status !== 'ready') throw new RunError(`${definition.id}: no ${definition.server} server (${outcome.reason}); pass --${definition.server}-url or install the server`);
      server = outcome.server;
      await admitServer(server.handle, { shared: flags.sharedServer ?? false, prefill: 0, payloadBytes: 0, settings: sessionSettings() }, log);
    }
    let subject = await build();
    io.stdout(`${terminalLine(`${adapters[0]!.label}${server ? ` on ${server.handle.info.label}` : ''}`)}\n`);
    const verdicts: ConformanceVerdict[] = [];
    for (const check of CONFORMANCE_CHECKS) {
      const verdict = await runCheck(check, subject);
      verdicts.push(verdict);
      io.stdout(`${formatVerdict(verdict)}\n`);
      const ended = adapters.map((adapter) => adapter.fault()).find(Boolean);
      if (ended && check !== CONFORMANCE_CHECKS.at(-1)) {
        log(`the store's process ended during ${check} (${ended}): a new one is built for the next check`);
        await closeAll();
        subject = await build();
      }
    }
    const failed = verdicts.filter((verdict) => verdict.status === 'fail').length;
    const passed = verdicts.filter((verdict) => verdict.status === 'pass').length;
    io.stdout(`${passed} passed, ${failed} failed, ${verdicts.length - passed - failed} not applicable\n`);
    return failed > 0 ? EXIT.regression : EXIT.ok;
  };
  const running = run();
  // After an interrupt the checks still pending fail against closed boxes: nobody waits for them.
  running.catch(() => {});
  try {
    return await Promise.race([running, interrupted]);
  } finally {
    stopListening();
    finished = true;
    await building;
    await closeAll();
    await cleanServer(server?.handle).catch((error: unknown) => log(`could not remove sessionbench's data: ${(error as Error).message} — run sessionbench clean`));
    await server?.stop();
  }
}
