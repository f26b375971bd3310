import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

const TAIL_CHARS = 4000;

/** Keeps the last few KB a child wrote to `stream`; `lastLines()` is what an error message quotes. */
export function outputTail(stream: Readable | null | undefined): { lastLines(count?: number): string } {
  let tail = '';
  stream?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-TAIL_CHARS);
  });
  return { lastLines: (count = 3) => tail.trim().split('\n').filter(Boolean).slice(-count).join(' | ') };
}

/** SIGTERM, then SIGKILL if the child has not exited after `graceMs`; resolves when `exited` does. */
export async function terminate(child: ChildProcess, exited: Promise<unknown>, graceMs = 3000): Promise<void> {
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(killer);
}
