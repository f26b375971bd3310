import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../app/app.ts';
import type { CliIo } from './io.ts';
import { EXIT, SHUTDOWN_BOUND_MS, RunError, UsageError } from '../errors.ts';
import { parseCount, parseDuration, parseSize, parseStoreOptions, sessionSettings } from '../plan/plan.ts';
import type { RawStoreOptions } from '../../stores/options.ts';
import { STORES, createStoreAdapter, isStoreId } from '../../stores/index.ts';
import { requireStorePackages } from '../plan/store-packages.ts';
import { provisionServer, stopAllServers } from '../../stores/servers/provision.ts';
import type { ProvisionedServer } from '../../stores/servers/types.ts';
import { admitServer, cleanServer } from '../run/shared-server.ts';
import { STORE_IDS } from '../../contract/vocabulary.ts';
import type { SessionSettings, StoreAdapter } from '../../stores/types.ts';
import type { StoreId } from '../../contract/vocabulary.ts';

/** What `sessionbench serve` runs: the reference app for one store, standalone. */
export interface ServeOptions {
  store: StoreId;
  host: string;
  /** 0 picks a free port. */
  port: number;
  payloadBytes: number;
  settings: SessionSettings;
  /** The store server's URL; otherwise provisioned like bench does (environment URL, Docker, local binary). */
  serverUrl?: string;
  /** `--store-option` values, checked against the store's declared options. */
  storeOptions?: RawStoreOptions;
  /** `--shared-server`: a server given by URL may hold data that is not sessionbench's. */
  sharedServer?: boolean;
  log?: (line: string) => void;
}

/** The app, listening. */
export interface RunningApp {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  label: string;
  /** Stops accepting, closes the store's clients, then stops any server it started; idempotent. */
  close(): Promise<void>;
}

/** Raw `serve` flags as the CLI hands them over. */
export interface RawServeOptions {
  store?: string;
  host: string;
  port: string;
  payload: string;
  maxAge: string;
  serverUrl?: string;
  storeOption?: string[];
  sharedServer?: boolean;
}

/** Validates `serve` flags; UsageError names the first problem. */
export function parseServeOptions(raw: RawServeOptions): ServeOptions {
  if (!raw.store || !isStoreId(raw.store)) throw new UsageError(`--store: give one of ${STORE_IDS.join(', ')}`);
  requireStorePackages(raw.store);
  return {
    store: raw.store,
    host: raw.host,
    port: parseCount('--port', raw.port, { min: 0, max: 65_535 }),
    payloadBytes: parseSize('--payload', raw.payload),
    settings: sessionSettings({ maxAgeMs: parseDuration('--max-age', raw.maxAge, { min: 1, max: 365 * 24 * 3600 }) * 1000 }),
    serverUrl: raw.serverUrl,
    storeOptions: parseStoreOptions(raw.storeOption, [raw.store])[raw.store],
    sharedServer: raw.sharedServer ?? false,
  };
}

async function provision(options: ServeOptions): Promise<ProvisionedServer | undefined> {
  const kind = STORES[options.store].server;
  if (!kind) return undefined;
  const outcome = await provisionServer({ kind, url: options.serverUrl, log: options.log });
  if (outcome.status === 'ready') {
    // A user's server: consent when it holds other data, before anything is written (sessions are removed on stop).
    await admitServer(outcome.server.handle, { shared: options.sharedServer ?? false, prefill: 0, payloadBytes: 0, settings: options.settings }, options.log ?? (() => {}));
    return outcome.server;
  }
  throw new RunError(`${options.store}: no ${kind} server available (${outcome.reason}); pass --server-url or install the server`);
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new RunError(`cannot listen on ${host}:${port}: ${error.message}`)));
    server.listen(port, host, () => resolve(server.address() as AddressInfo));
  });
}

/** Starts the reference app for one store on host:port, provisioning the store's server the way bench does. */
export async function startServe(options: ServeOptions): Promise<RunningApp> {
  const provisioned = await provision(options);
  let adapter: StoreAdapter | undefined;
  try {
    adapter = await createStoreAdapter(options.store, { settings: options.settings, server: provisioned?.handle, options: options.storeOptions });
    const server = createServer(createApp(adapter, { payloadBytes: options.payloadBytes }));
    server.keepAliveTimeout = 60_000;
    const address = await listen(server, options.port, options.host);
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const opened = adapter;
    let closing: Promise<void> | undefined;
    return {
      url: `http://${host}:${address.port}`,
      label: `${opened.label}${provisioned ? ` on ${provisioned.handle.info.label}` : ''}`,
      close: () =>
        (closing ??= (async () => {
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
          await opened.close();
          await cleanServer(provisioned?.handle).catch((error: unknown) => options.log?.(`could not remove sessionbench's data: ${(error as Error).message} — run sessionbench clean`));
          await provisioned?.stop();
        })()),
    };
  } catch (error) {
    await adapter?.close();
    await provisioned?.stop();
    throw error;
  }
}


/**
 * `sessionbench serve`: prints the URL on stdout (progress on stderr), then
 * serves until a stop signal, and stops what it started (bounded in time).
 * Resolves with the exit code: 0 after a clean stop, 130 when the bound forced it.
 */
export async function serveCommand(raw: RawServeOptions, io: CliIo): Promise<number> {
  const options = parseServeOptions(raw);
  const app = await startServe({ ...options, log: (line) => io.stderr(`${line}\n`) });
  io.stdout(`${app.url}\n`);
  io.stderr(`serving ${app.label} at ${app.url}; Ctrl-C stops it\n`);
  await new Promise<void>((resolve) => {
    const stopListening = io.onStopSignal(() => {
      stopListening();
      resolve();
    });
  });
  let timer: NodeJS.Timeout | undefined;
  const forced = new Promise<number>((resolve) => {
    timer = setTimeout(() => void stopAllServers().finally(() => resolve(EXIT.interrupted)), SHUTDOWN_BOUND_MS);
  });
  try {
    return await Promise.race([app.close().then(() => EXIT.ok), forced]);
  } finally {
    clearTimeout(timer);
  }
}
