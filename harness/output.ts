import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import { UsageError } from './errors.ts';

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

/** Fails with a UsageError unless `dir` (or its nearest existing ancestor) is a writable directory. */
export async function assertWritableDir(flag: string, dir: string): Promise<void> {
  let probe = path.resolve(dir);
  for (;;) {
    try {
      await access(probe, constants.W_OK);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const parent = path.dirname(probe);
      if (code !== 'ENOENT' || parent === probe) {
        throw new UsageError(`${flag}: cannot write to ${dir} (${code ?? 'not writable'}); choose a writable directory`);
      }
      probe = parent;
    }
  }
}

/** results/<timestamp> for a run started at `startedAt` (ISO). */
export function runDirectory(outDir: string, startedAt: string): string {
  return path.join(outDir, startedAt.replace(/[:.]/g, '-'));
}
