import { addBuckets, BUCKET_RELATIVE_ERROR, histogramFromBuckets } from './k6-latency-buckets.ts';
import type { RunnerFile, RunnerTest } from './k6-runner-file.ts';
import { coverage, parseSegment, WHOLE_SEGMENT } from './k6-segments.ts';
import type { Segment } from './k6-segments.ts';
import { openModelFindings, readK6Phase } from './k6-summary.ts';
import type { K6PhaseSummary } from './k6-summary.ts';
import { encodeHistogram, summarize } from '../load/histogram.ts';
import type { OkEntry } from '../../contract/result.ts';
import type { StoreId } from '../../contract/vocabulary.ts';

/** A runner's file and the name it is given in errors. */
export interface LabelledRunnerFile {
  label: string;
  file: RunnerFile;
}

/** The runners of one run of a test: their segments cover the test exactly once. */
export interface RunnerGroup {
  test: RunnerTest;
  run: string;
  runners: Array<LabelledRunnerFile & { segment: Segment }>;
}

/** A bad set of runner files, said in one line naming the files. */
export class RunnerSetError extends Error {
  override readonly name = 'RunnerSetError';
}

const shownRun = (run: string) => (run === '' ? 'without SB_RUN_ID' : `run ${JSON.stringify(run)}`);

/**
 * Sorts runners' files into runs. All files must be of one test (one exported
 * script). A file of the whole test (segment 0:1) is a run by itself — several
 * such files are repetitions. Files of partial segments belong to the run named
 * by their SB_RUN_ID, whose segments must cover the test once, without gap or
 * overlap, in one segment sequence. Runs keep the order their first file was given in.
 */
export function groupRunners(files: readonly LabelledRunnerFile[]): RunnerGroup[] {
  const first = files[0];
  if (!first) throw new RunnerSetError('no runner files given');
  const other = files.find(({ file }) => file.test.id !== first.file.test.id);
  if (other) {
    throw new RunnerSetError(`${first.label} is from test ${first.file.test.id} and ${other.label} from test ${other.file.test.id}: merge the files of one exported script at a time`);
  }
  const groups: RunnerGroup[] = [];
  const partial = new Map<string, RunnerGroup>();
  for (const runner of files) {
    const segment = parseSegment(runner.file.segment);
    if (!segment) throw new RunnerSetError(`${runner.label}: execution segment ${JSON.stringify(runner.file.segment)} is not a fraction range such as 0:1/2`);
    const entry = { ...runner, segment };
    if (segment.text === WHOLE_SEGMENT) {
      groups.push({ test: runner.file.test, run: runner.file.run, runners: [entry] });
      continue;
    }
    let group = partial.get(runner.file.run);
    if (!group) {
      group = { test: runner.file.test, run: runner.file.run, runners: [] };
      partial.set(runner.file.run, group);
      groups.push(group);
    }
    group.runners.push(entry);
  }
  for (const group of partial.values()) {
    const [head, ...rest] = group.runners;
    const odd = rest.find(({ file }) => file.sequence !== head!.file.sequence);
    if (odd) throw new RunnerSetError(`${shownRun(group.run)}: ${head!.label} ran in segment sequence ${head!.file.sequence} and ${odd.label} in ${odd.file.sequence}`);
    const covered = coverage(group.runners.map(({ segment }) => segment));
    if (!covered.whole) {
      const segments = group.runners.map(({ segment }) => segment.text).join(', ');
      throw new RunnerSetError(
        `${shownRun(group.run)} of test ${group.test.id} (segments ${segments}): ${covered.problem}; runners of one run share one SB_RUN_ID, each run its own`,
      );
    }
    group.runners.sort((a, b) => a.segment.from.n * b.segment.from.d - b.segment.from.n * a.segment.from.d);
  }
  return groups;
}

const us = (ms: number | undefined) => Math.round((ms ?? 0) * 1000);

function sumPhases(phases: readonly K6PhaseSummary[], durationSeconds: number): K6PhaseSummary {
  const total = (pick: (phase: K6PhaseSummary) => number) => phases.reduce((sum, phase) => sum + pick(phase), 0);
  const requests = total((phase) => phase.metrics.requests);
  return {
    metrics: {
      durationSeconds,
      requests,
      throughput: requests / durationSeconds,
      latencyUs: phases[0]!.metrics.latencyUs,
      histogram: '',
      errors: total((phase) => phase.metrics.errors),
      non2xx: total((phase) => phase.metrics.non2xx),
      timeouts: total((phase) => phase.metrics.timeouts),
    },
    iterations: total((phase) => phase.iterations),
    droppedIterations: total((phase) => phase.droppedIterations),
    logins: total((phase) => phase.logins),
    loginsExcluded: phases.every((phase) => phase.loginsExcluded),
  };
}

/**
 * One entry from the runners of one run: counts add (requests, errors, logins,
 * dropped iterations), so throughput is all requests over the measured phase
 * the runners shared; percentiles come from the sum of the runners' bucket
 * histograms (every request of every runner, each within BUCKET_RELATIVE_ERROR);
 * min, max and mean are exact (from each runner's own trend).
 */
export function mergeRunners(group: RunnerGroup, meta: { store: StoreId; storeLabel: string; repetition: number }): OkEntry {
  const { test } = group;
  const phases = group.runners.map(({ label, file }) => {
    const phase = readK6Phase({ metrics: file.metrics }, 'measured', test.durationSeconds);
    if (!phase) throw new RunnerSetError(`${label}: no "measured" phase in the runner's metrics`);
    const buckets = Object.values(file.latencyBuckets.measured).reduce((sum, n) => sum + n, 0);
    if (buckets !== phase.metrics.requests) {
      throw new RunnerSetError(`${label}: its latency buckets hold ${buckets} requests but k6 counted ${phase.metrics.requests}: the file was altered or cut`);
    }
    return { phase, trend: file.metrics['http_req_duration{scenario:measured,kind:work}'] ?? {} };
  });
  const measured = sumPhases(
    phases.map(({ phase }) => phase),
    test.durationSeconds,
  );
  const histogram = histogramFromBuckets(group.runners.reduce((all, { file }) => addBuckets(all, file.latencyBuckets.measured), new Map<number, number>()));
  const requests = measured.metrics.requests;
  const seen = phases.filter(({ phase }) => phase.metrics.requests > 0);
  const latencyUs =
    requests === 0
      ? summarize(histogram)
      : {
          ...summarize(histogram),
          min: Math.min(...seen.map(({ trend }) => us(trend.min))),
          max: Math.max(...seen.map(({ trend }) => us(trend.max))),
          mean: Math.round(seen.reduce((sum, { phase, trend }) => sum + (trend.avg ?? 0) * 1000 * phase.metrics.requests, 0) / requests),
        };
  measured.metrics = { ...measured.metrics, latencyUs, histogram: encodeHistogram(histogram) };
  const findings = openModelFindings(measured, test.ratePerSecond);
  const segments = group.runners.map(({ segment }) => segment.text);
  const runners = group.runners.length;
  const error = `${(BUCKET_RELATIVE_ERROR * 100).toFixed(1)} %`;
  return {
    store: meta.store,
    storeLabel: meta.storeLabel,
    scenario: test.scenario,
    kind: 'load',
    repetition: meta.repetition,
    load: { ...findings.load, ...(runners > 1 ? { runners, segments } : {}) },
    status: 'ok',
    measured: measured.metrics,
    observations: findings.observations,
    notes: [
      ...findings.notes,
      runners > 1
        ? `${runners} k6 runners merged (segments ${segments.join(', ')}; test ${test.id}, ${shownRun(group.run)}): requests, errors and dropped iterations add; percentiles from all ${requests} requests' latency buckets (each within ${error}), min/mean/max exact`
        : `one k6 runner (test ${test.id}, ${shownRun(group.run)}): percentiles from its latency buckets (each within ${error}), min/mean/max exact`,
      'the warm-up ran but is not reported for runner files (they carry the measured phase\'s histogram only)',
    ],
  };
}
