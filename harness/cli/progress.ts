import cliProgress from 'cli-progress';
import type { RunObserver } from '../run/context.ts';

const PLAIN_INTERVAL_MS = 10_000;

/** Progress on stderr: a live bar on a TTY, plain periodic lines otherwise or when CI is set. */
export function createProgress(options: { quiet: boolean; stream?: NodeJS.WriteStream }): RunObserver & { done(): void } {
  const stream = options.stream ?? process.stderr;
  const live = stream.isTTY === true && !process.env.CI;
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
    stream.write(`${line}\n`);
    bar = undefined;
  };
  return {
    log: write,
    phase({ store, scenario, repetition, phase, seconds }) {
      finishPhase();
      if (options.quiet) return;
      const title = `${store} · ${scenario} · ${phase}${phase === 'measured' ? ` #${repetition + 1}` : ''}`;
      const started = Date.now();
      if (live) {
        bar = new cliProgress.SingleBar(
          { format: `${title} [{bar}] {value}/{total}s`, stream, hideCursor: true, clearOnComplete: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(Math.ceil(seconds), 0);
        timer = setInterval(() => bar?.update(Math.min(Math.ceil(seconds), Math.floor((Date.now() - started) / 1000))), 250);
      } else {
        stream.write(`${title}: ${seconds}s\n`);
        timer = setInterval(() => stream.write(`${title}: ${Math.round((Date.now() - started) / 1000)}/${seconds}s\n`), PLAIN_INTERVAL_MS);
      }
      timer.unref();
    },
    done: finishPhase,
  };
}
