import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
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

/** How a path is named in one error line: quoted, with any control character escaped. */
function shown(target: string): string {
  return JSON.stringify(target);
}

async function kindOf(target: string): Promise<'directory' | 'file' | 'missing'> {
  try {
    return (await stat(target)).isDirectory() ? 'directory' : 'file';
  } catch {
    return 'missing';
  }
}

/**
 * The one output-path check every command runs before it does anything: `target` is the
 * directory (`kind: 'directory'`) or the file (`kind: 'file'`) a command will write. Fails with
 * a UsageError (one line, exit 2) for a control character in the path, a file where a directory
 * is wanted (or the reverse), or a place that cannot be written. Writability is probed by
 * creating and removing a temp directory in the nearest existing ancestor (permission bits lie
 * for root and for /proc, where Node's recursive mkdir never returns), leaving nothing behind.
 */
export async function checkOutputPath(flag: string, target: string, kind: 'directory' | 'file'): Promise<void> {
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(target)) {
    throw new UsageError(`${flag}: the path ${shown(target)} holds a control character (a newline?); give a plain path`);
  }
  const resolved = path.resolve(target);
  const found = await kindOf(resolved);
  if (kind === 'directory' && found === 'file') throw new UsageError(`${flag}: ${shown(target)} is a file, not a directory; choose a directory`);
  if (kind === 'file' && found === 'directory') throw new UsageError(`${flag}: ${shown(target)} is a directory; give a file name`);
  let ancestor = kind === 'file' ? path.dirname(resolved) : resolved;
  while (!existsSync(ancestor) && path.dirname(ancestor) !== ancestor) ancestor = path.dirname(ancestor);
  try {
    await rmdir(await mkdtemp(path.join(ancestor, '.sessionbench-probe-')));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'not writable';
    throw new UsageError(`${flag}: cannot write to ${shown(target)} (${code}); choose a writable ${kind === 'file' ? 'place' : 'directory'}`);
  }
}

/** results/<timestamp> for a run started at `startedAt` (ISO). */
export function runDirectory(outDir: string, startedAt: string): string {
  return path.join(outDir, startedAt.replace(/[:.]/g, '-'));
}
