import cliProgress from 'cli-progress';
import { Writable } from 'node:stream';
import type { PhaseStep, PhaseTicker, RunObserver, RunPosition } from '../run/context.ts';

/** How often a plain (non-TTY) stream gets a line while a phase runs. */
const PLAIN_INTERVAL_MS = 10_000;
/** How often the live bar is redrawn: its elapsed time moves even when a scripted phase has no new step. */
const LIVE_INTERVAL_MS = 250;

/** Where progress goes: a writer, and whether it is a live terminal. */
export interface ProgressOptions {
  quiet: boolean;
  write(text: string): void;
  /** A live bar (a terminal outside CI) instead of plain periodic lines. */
  live: boolean;
  /** Plain lines' interval (tests); 10 s by default. */
  intervalMs?: number;
}

/** 42 → "42s", 125 → "2m05s". */
export function formatSeconds(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  return whole < 60 ? `${whole}s` : `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
}

/** "store 2 of 7 · redis · read-heavy · ETA ~1m05s" ("ETA ≥ …" when part of the run could not be estimated yet). */
export function positionLine(where: RunPosition): string {
  const { seconds, atLeast } = where.eta;
  const eta = atLeast && seconds < 1 ? 'ETA unknown' : `ETA ${atLeast ? '≥ ' : '~'}${formatSeconds(seconds)}`;
  return `store ${where.index} of ${where.count} · ${where.store} · ${where.scenario} · ${eta}`;
}

function phaseTitle(step: PhaseStep): string {
  const name = step.phase === 'measured' && step.repetition !== undefined ? `measured #${step.repetition + 1}` : step.phase;
  return [step.store, step.scenario, name === step.scenario ? undefined : name, step.detail].filter(Boolean).join(' · ');
}

/** What a phase has got through: "3/10s", "2/5 · 4s" (steps, and the time they took), or the time since it started. */
function amount(step: PhaseStep, elapsedSeconds: number, done: number): string {
  if (step.seconds !== undefined) return `${Math.min(Math.round(elapsedSeconds), Math.ceil(step.seconds))}/${step.seconds}s`;
  if (step.steps !== undefined) return `${done}/${step.steps} · ${formatSeconds(elapsedSeconds)}`;
  return formatSeconds(elapsedSeconds);
}

interface Running {
  step: PhaseStep;
  title: string;
  started: number;
  done: number;
  timer: NodeJS.Timeout;
  bar?: cliProgress.SingleBar;
}

const NO_TICKER: PhaseTicker = { advance: () => {}, end: () => {} };

/**
 * Progress on stderr: a live bar on a terminal (redrawn every 250 ms, so it
 * never stands still), plain lines otherwise — one when a timed or stepped
 * phase starts, then one every 10 s until it ends. A phase ends at `end()`,
 * when the next one starts, or at `done()`; nothing of it is printed after that.
 */
export function createProgress(options: ProgressOptions): RunObserver & { done(): void } {
  const { live } = options;
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      options.write(chunk.toString());
      callback();
    },
  }) as Writable & { isTTY?: boolean };
  stream.isTTY = live;
  let running: Running | undefined;
  const elapsed = (phase: Running) => (Date.now() - phase.started) / 1000;
  const barValue = (phase: Running) =>
    phase.step.seconds !== undefined ? Math.min(Math.ceil(phase.step.seconds), Math.floor(elapsed(phase))) : phase.step.steps !== undefined ? phase.done : 0;
  const barTotal = (step: PhaseStep) => (step.seconds !== undefined ? Math.ceil(step.seconds) : (step.steps ?? 1));
  const startBar = (phase: Running) => {
    const bar = new cliProgress.SingleBar(
      { format: `${phase.title} [{bar}] {amount}`, stream, hideCursor: true, clearOnComplete: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(barTotal(phase.step), barValue(phase), { amount: amount(phase.step, elapsed(phase), phase.done) });
    return bar;
  };
  const redraw = (phase: Running) => phase.bar?.update(barValue(phase), { amount: amount(phase.step, elapsed(phase), phase.done) });
  const finish = () => {
    if (!running) return;
    clearInterval(running.timer);
    running.bar?.stop();
    running = undefined;
  };
  const write = (line: string) => {
    if (options.quiet) return;
    // On a TTY the bar steps aside for the line and comes back under it.
    running?.bar?.stop();
    options.write(`${line}\n`);
    if (running?.bar) running.bar = startBar(running);
  };
  return {
    log: write,
    position(where) {
      write(positionLine(where));
    },
    phase(step) {
      finish();
      if (options.quiet) return NO_TICKER;
      const title = phaseTitle(step);
      const started = Date.now();
      const tick = () => {
        if (phase !== running) return;
        if (live) redraw(phase);
        else options.write(`${title}: ${amount(step, elapsed(phase), phase.done)}\n`);
      };
      const phase: Running = { step, title, started, done: 0, timer: setInterval(tick, live ? LIVE_INTERVAL_MS : (options.intervalMs ?? PLAIN_INTERVAL_MS)) };
      phase.timer.unref();
      running = phase;
      // An untimed phase (provisioning) logs its own outcome; plain output only ticks if it takes long.
      if (live) phase.bar = startBar(phase);
      else if (step.seconds !== undefined || step.steps !== undefined) options.write(`${title}: ${step.seconds !== undefined ? `${step.seconds}s` : `0/${step.steps}`}\n`);
      return {
        advance(done) {
          phase.done = done;
          if (phase === running && live) redraw(phase);
        },
        end() {
          if (phase === running) finish();
        },
      };
    },
    done: finish,
  };
}
