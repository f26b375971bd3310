import cliProgress from 'cli-progress';
import { Writable } from 'node:stream';
import type { RunObserver } from '../run/context.ts';

const PLAIN_INTERVAL_MS = 10_000;

/** Where progress goes: a writer, and whether it is a live terminal. */
export interface ProgressOptions {
  quiet: boolean;
  write(text: string): void;
  /** A live bar (a terminal outside CI) instead of plain periodic lines. */
  live: boolean;
}

/** Progress on stderr: a live bar on a terminal, plain periodic lines otherwise. */
export function createProgress(options: ProgressOptions): RunObserver & { done(): void } {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      options.write(chunk.toString());
      callback();
    },
  }) as Writable & { isTTY?: boolean };
  stream.isTTY = options.live;
  let timer: NodeJS.Timeout | undefined;
  let bar: cliProgress.SingleBar | undefined;
  const finishPhase = () => {
    clearInterval(timer);
    timer = undefined;
    bar?.stop();
    bar = undefined;
  };
  const write = (line: string) => {
    if (options.quiet) return;
    if (bar) bar.stop();
    options.write(`${line}\n`);
    bar = undefined;
  };
  return {
    log: write,
    phase({ store, scenario, repetition, phase, seconds }) {
      finishPhase();
      if (options.quiet) return;
      const title = `${store} · ${scenario} · ${phase}${phase === 'measured' ? ` #${repetition + 1}` : ''}`;
      const started = Date.now();
      if (options.live) {
        bar = new cliProgress.SingleBar(
          { format: `${title} [{bar}] {value}/{total}s`, stream: stream as unknown as NodeJS.WritableStream, hideCursor: true, clearOnComplete: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(Math.ceil(seconds), 0);
        timer = setInterval(() => bar?.update(Math.min(Math.ceil(seconds), Math.floor((Date.now() - started) / 1000))), 250);
      } else {
        options.write(`${title}: ${seconds}s\n`);
        timer = setInterval(() => options.write(`${title}: ${Math.round((Date.now() - started) / 1000)}/${seconds}s\n`), PLAIN_INTERVAL_MS);
      }
      timer.unref();
    },
    done: finishPhase,
  };
}
