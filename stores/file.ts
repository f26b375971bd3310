import { session } from './host-packages.ts';
import createFileStore from 'session-file-store';
import { embeddedDataDir } from './data-dir.ts';
import { expressSessionAdapter } from './express-session.ts';
import { FILE_OPTIONS } from './options.ts';
import type { AdapterContext, StoreAdapter } from './types.ts';

/** Seconds between sweeps of expired session files. */
const REAP_INTERVAL_SECONDS = 60;

/**
 * session-file-store: one JSON file per session in a temp dir of the app process, written
 * atomically (temp file + rename), removed on close (and on exit if close never ran).
 * `retries: 0`: its default retries a missing file 5 times, ~250 ms per unknown session.
 */
export async function createFileAdapter({ label, settings, options: given }: AdapterContext): Promise<StoreAdapter> {
  const { dir, remove } = await embeddedDataDir('file');
  const FileStore = createFileStore(session);
  const { retries = 0 } = FILE_OPTIONS.parse(given ?? {});
  const options = { path: dir, ttl: Math.ceil(settings.maxAgeMs / 1000), retries, reapInterval: REAP_INTERVAL_SECONDS, logFn: () => {} };
  const store = new FileStore(options);
  return expressSessionAdapter({
    label,
    id: 'file',
    store,
    settings,
    capabilities: { countsSessions: true, removesExpired: true },
    packages: ['session-file-store'],
    // Written on every get and save; express-session then carries it in req.session.
    bookkeepingFields: ['__lastAccess'],
    close: async () => {
      clearInterval((options as { reapIntervalObject?: NodeJS.Timeout }).reapIntervalObject);
      await remove();
    },
  });
}
