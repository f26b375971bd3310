import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { Histogram } from 'hdr-histogram-js';
import { outputTail } from '../child-process.ts';
import { cpuSecondsOf } from '../load/cpu.ts';
import { createLatencyHistogram, encodeHistogram, recordMs, summarize } from '../load/histogram.ts';
import { generateK6Script, K6_KIND } from './k6-script.ts';
import type { K6Users } from './k6-users.ts';
import type { K6Phase, VuPool } from './k6-script.ts';
import { readK6Phase } from './k6-summary.ts';
import type { K6PhaseSummary } from './k6-summary.ts';
import { Timeline } from '../load/timeline.ts';
import type { RequestOutcome } from '../load/timeline.ts';
import type { LoadScenario } from '../../scenarios/load/scenario.ts';
import type { RaceScenario } from '../../scenarios/race/scenario.ts';
import { guard } from '../../stores/servers/watchdog.ts';

/** One k6 process: a script, bounded in time. */
export interface K6Invocation {
  binary: string;
  script: string;
  /** Hard bound: SIGINT (k6 stops and still writes its summary), then SIGKILL 5 s later. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Per-second outcomes of one phase's work requests and dropped iterations, from k6's own timestamps. */
  timeline?: K6TimelineRequest;
}

/** Asks runK6 for the timeline of one phase. */
export interface K6TimelineRequest {
  phase: K6Phase;
  /**
   * Called once, at the phase's first work request, with a timeline that starts
   * when that request was sent (k6 stamps a request with its end time; its duration
   * is subtracted). Rows and failure times are then filled as k6 writes them.
   */
  started(timeline: Timeline): void;
}

/** What a k6 run left: its summary JSON, per-phase latency histograms (µs) and k6's CPU use. */
export interface K6Output {
  summary: unknown;
  /** Per phase, every work request (logins, tagged `kind:login`, are left out). */
  latency: Map<string, Histogram>;
  /**
   * k6's CPU use (all its threads) in % of one core, from its first metric point
   * (load started, VUs initialised) to the last sample before it exited; undefined
   * when the run was too short to sample twice or /proc cannot be read.
   */
  cpuPercent?: number;
}

/** k6's JSON output lines for request durations start exactly so (`--out json`, one object per line). */
const DURATION_POINT = '{"metric":"http_req_duration","type":"Point"';
const DROPPED_POINT = '{"metric":"dropped_iterations","type":"Point"';
/** k6's error code for a request that hit its timeout. */
const K6_TIMEOUT_CODE = '1050';
const KILL_GRACE_MS = 5000;

const CPU_SAMPLE_MS = 200;

interface DurationPoint {
  data: { time: string; value: number; tags?: { scenario?: string; status?: string; error_code?: string; [K6_KIND.tag]?: string } };
}

function outcomeOf(tags: DurationPoint['data']['tags']): RequestOutcome {
  const status = Number(tags?.status ?? 0);
  if (status === 0) return tags?.error_code === K6_TIMEOUT_CODE ? 'timeout' : 'error';
  return status >= 200 && status < 300 ? 'ok' : 'non2xx';
}

/** Feeds k6's JSON output records of one phase into a Timeline started at its first work request. */
function timelineFeed(request: K6TimelineRequest) {
  let timeline: Timeline | undefined;
  return {
    request(data: DurationPoint['data']): void {
      if (data.tags?.scenario !== request.phase) return;
      const endedAt = Date.parse(data.time);
      if (!timeline) {
        timeline = new Timeline(endedAt - data.value);
        timeline.countsDropped();
        request.started(timeline);
      }
      const outcome = outcomeOf(data.tags);
      timeline.record(outcome, outcome === 'ok' || outcome === 'non2xx' ? data.value : undefined, timeline.sinceStart(endedAt));
    },
    dropped(line: string): void {
      if (!timeline) return;
      try {
        const { data } = JSON.parse(line) as DurationPoint;
        if (data.tags?.scenario === request.phase) timeline.recordDropped(timeline.sinceStart(Date.parse(data.time)));
      } catch {
        // only the last line of a killed k6 can be cut short
      }
    },
  };
}

/** CPU seconds of a process sampled over its life: the first sample once load starts, and the latest. */
function cpuSampler(pid: number | undefined) {
  let first: { at: number; cpu: number } | undefined;
  let last: typeof first;
  let started = false;
  const sample = () => {
    if (!started || pid === undefined) return;
    const cpu = cpuSecondsOf(pid);
    if (cpu === undefined) return;
    last = { at: performance.now(), cpu };
    first ??= last;
  };
  const timer = setInterval(sample, CPU_SAMPLE_MS);
  timer.unref();
  return {
    /** Load has started: take the baseline now. */
    start() {
      if (started) return;
      started = true;
      sample();
    },
    stop(): number | undefined {
      clearInterval(timer);
      if (!first || !last || last.at - first.at < CPU_SAMPLE_MS) return undefined;
      return Math.round(((last.cpu - first.cpu) / ((last.at - first.at) / 1000)) * 1000) / 10;
    },
  };
}

/**
 * Runs k6 on a script. Per-request durations stream from k6's JSON output on
 * stdout into HDR histograms, line by line (memory stays bounded whatever the
 * run's length); the summary is read from `--summary-export`. k6's console
 * text is never read: stdout lines other than JSON output records are skipped.
 */
export async function runK6(invocation: K6Invocation): Promise<K6Output> {
  if (invocation.signal?.aborted) throw new Error('aborted before k6 started');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sessionbench-k6-'));
  let release = () => {};
  try {
    const scriptFile = path.join(dir, 'script.js');
    const summaryFile = path.join(dir, 'summary.json');
    await writeFile(scriptFile, invocation.script);
    const args = ['run', '--quiet', '--no-color', '--no-usage-report', '--summary-export', summaryFile, '--out', 'json=-', scriptFile];
    // Its own process group, so a terminal's Ctrl-C reaches only the harness, which stops k6 in order.
    const child = spawn(invocation.binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    // Spawned directly (a missing binary stays ENOENT), so no parent-death signal: the watchdog ends k6
    // and removes `dir` if the harness dies without stopping it (kill -9, out of memory).
    if (child.pid !== undefined) release = guard({ pid: child.pid, tempDir: dir, killAfterMs: KILL_GRACE_MS });
    const cpu = cpuSampler(child.pid);
    const stderr = outputTail(child.stderr);
    const latency = new Map<string, Histogram>();
    const feed = invocation.timeline && timelineFeed(invocation.timeline);
    const lines = readline.createInterface({ input: child.stdout, crlfDelay: Infinity });
    lines.on('line', (line) => {
      if (line.startsWith('{')) cpu.start(); // k6's first metric record: VUs are initialised, load has started
      if (feed && line.startsWith(DROPPED_POINT)) return feed.dropped(line);
      if (!line.startsWith(DURATION_POINT)) return;
      let data: DurationPoint['data'];
      try {
        ({ data } = JSON.parse(line) as DurationPoint);
      } catch {
        return; // only the last line of a killed k6 can be cut short
      }
      if (data.tags?.[K6_KIND.tag] === K6_KIND.login) return;
      feed?.request(data);
      const phase = data.tags?.scenario ?? 'default';
      let histogram = latency.get(phase);
      if (!histogram) latency.set(phase, (histogram = createLatencyHistogram()));
      recordMs(histogram, data.value);
    });
    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      child.kill('SIGINT');
      killTimer ??= setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, invocation.timeoutMs);
    timer.unref();
    let exit: [number | null, string | null];
    let cpuPercent: number | undefined;
    try {
      invocation.signal?.addEventListener('abort', stop, { once: true });
      // An abort listener added to an already-aborted signal never fires.
      if (invocation.signal?.aborted) stop();
      [exit] = await Promise.all([once(child, 'exit') as Promise<[number | null, string | null]>, once(lines, 'close')]);
    } finally {
      clearTimeout(timer);
      clearTimeout(killTimer);
      invocation.signal?.removeEventListener('abort', stop);
      cpuPercent = cpu.stop();
    }
    const [code, signal] = exit;
    if (timedOut) throw new Error(`k6 did not finish within ${Math.round(invocation.timeoutMs / 1000)} s`);
    if (invocation.signal?.aborted) throw new Error('k6 run interrupted');
    const summary = await readFile(summaryFile, 'utf8').then(JSON.parse, () => undefined);
    // 99: thresholds crossed. Generated scripts' thresholds never fail; this is the path for a
    // user-edited script whose own thresholds failed: its summary is still a complete measurement.
    if ((code !== 0 && code !== 99) || summary === undefined) {
      const reason = stderr.lastLines();
      throw new Error(`k6 exited with ${signal ?? `code ${code}`}${reason ? `: ${reason}` : ''}`);
    }
    return { summary, latency, ...(cpuPercent === undefined ? {} : { cpuPercent }) };
  } finally {
    await rm(dir, { recursive: true, force: true });
    release();
  }
}

/** One open-model phase against a running app. */
export interface OpenPhase {
  binary: string;
  url: string;
  scenario: LoadScenario | RaceScenario;
  phase: K6Phase;
  ratePerSecond: number;
  seconds: number;
  vus?: VuPool;
  timeoutSeconds?: number;
  signal?: AbortSignal;
  /** `--users`: every iteration picks its user (see K6Users). */
  users?: K6Users;
  /** Called at the phase's first work request with its per-second timeline (see K6TimelineRequest). */
  onTimeline?: (timeline: Timeline) => void;
}

/** Startup and shutdown allowance on top of the phase's own length (VU initialisation, graceful stop). */
const K6_OVERHEAD_MS = 30_000;

/** One open-model phase's figures, and k6's own CPU use while it ran. */
export interface OpenPhaseResult extends K6PhaseSummary {
  /** k6's CPU in % of one core (it is multi-threaded: up to 100 × cores). */
  generatorCpu?: number;
}

/**
 * Runs one phase as its own k6 process (constant-arrival-rate), and returns the
 * summary's counts of work requests (logins apart) with latency from the HDR
 * histogram of every work request.
 */
export async function runOpenPhase(phase: OpenPhase): Promise<OpenPhaseResult> {
  const timeoutSeconds = phase.timeoutSeconds ?? 10;
  const script = generateK6Script({
    scenario: phase.scenario,
    target: phase.url,
    ratePerSecond: phase.ratePerSecond,
    warmupSeconds: phase.phase === 'warmup' ? phase.seconds : 0,
    durationSeconds: phase.phase === 'measured' ? phase.seconds : 0,
    vus: phase.vus,
    timeoutSeconds,
    ...(phase.users ? { users: phase.users } : {}),
  });
  const output = await runK6({
    binary: phase.binary,
    script,
    timeoutMs: (phase.seconds + timeoutSeconds) * 1000 + K6_OVERHEAD_MS,
    signal: phase.signal,
    ...(phase.onTimeline ? { timeline: { phase: phase.phase, started: phase.onTimeline } } : {}),
  });
  const read = readK6Phase(output.summary, phase.phase, phase.seconds);
  if (!read) throw new Error(`k6 summary has no "${phase.phase}" phase`);
  const histogram = output.latency.get(phase.phase) ?? createLatencyHistogram();
  return {
    ...read,
    metrics: { ...read.metrics, latencyUs: summarize(histogram), histogram: encodeHistogram(histogram) },
    ...(output.cpuPercent === undefined ? {} : { generatorCpu: output.cpuPercent }),
  };
}
