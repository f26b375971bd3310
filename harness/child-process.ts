import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

const TAIL_CHARS = 4000;

/** The header line Node prints for an uncaught error ("Error: spawn ping ENOENT", "TypeError: x is not a function"). */
const ERROR_HEADER = /^(?:[A-Z]\w*)?(?:Error|Exception)(?: \[\w+\])?: \S/;

/**
 * The line of a crashed Node process's stderr that says what happened: the header of the last
 * uncaught error, not the frames and fields printed after it; undefined when there is none.
 */
export function crashLine(text: string): string | undefined {
  return text.split('\n').filter((line) => ERROR_HEADER.test(line)).at(-1)?.trim();
}

/**
 * Keeps the last few KB a child wrote to `stream`; `lastLines()` is what an error message quotes,
 * `reason()` the error header of a crash if there is one, else the last lines.
 */
export function outputTail(stream: Readable | null | undefined): { lastLines(count?: number): string; reason(): string } {
  let tail = '';
  stream?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-TAIL_CHARS);
  });
  const lastLines = (count = 3) => tail.trim().split('\n').filter(Boolean).slice(-count).join(' | ');
  return { lastLines, reason: () => crashLine(tail) ?? lastLines() };
}

/** SIGTERM, then SIGKILL if the child has not exited after `graceMs`; resolves when `exited` does. */
export async function terminate(child: ChildProcess, exited: Promise<unknown>, graceMs = 3000): Promise<void> {
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(killer);
}
