import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.ts';

/** Writes a file atomically: a temp file beside it, then rename, so readers never see half a file. */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temp, content);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Fails with a UsageError unless `dir` can be created and written: probes its
 * nearest existing ancestor by creating and removing a temp directory there
 * (permission bits alone lie for root and for /proc), leaving nothing behind.
 */
export async function assertWritableDir(flag: string, dir: string): Promise<void> {
  let ancestor = path.resolve(dir);
  while (!existsSync(ancestor) && path.dirname(ancestor) !== ancestor) ancestor = path.dirname(ancestor);
  try {
    await rmdir(await mkdtemp(path.join(ancestor, '.sessionbench-probe-')));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'not writable';
    throw new UsageError(`${flag}: cannot write to ${dir} (${code}); choose a writable directory`);
  }
}

/** results/<timestamp> for a run started at `startedAt` (ISO). */
export function runDirectory(outDir: string, startedAt: string): string {
  return path.join(outDir, startedAt.replace(/[:.]/g, '-'));
}
