import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The environment variable through which the harness names the directory it removes at exit. */
export const DATA_DIR_ENV = 'SESSIONBENCH_DATA_DIR';

/** A temp dir holding an embedded store's files, and its removal. */
export interface EmbeddedDataDir {
  dir: string;
  /** Removes the dir; idempotent. */
  remove(): Promise<void>;
}

/**
 * A new temp dir for an embedded store (SQLite file, session files): under $SESSIONBENCH_DATA_DIR
 * when the harness gives one (it removes that at exit, even after killing the app process), else
 * the system temp dir. Removed on `remove()`, or when this process exits without it.
 */
export async function embeddedDataDir(name: string): Promise<EmbeddedDataDir> {
  const dir = await mkdtemp(join(process.env[DATA_DIR_ENV] ?? tmpdir(), `sessionbench-${name}-`));
  const removeNow = (): void => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeNow);
  return {
    dir,
    remove: async () => {
      process.off('exit', removeNow);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
