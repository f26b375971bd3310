/**
 * wrk (a native C load generator) as a reference driver: `npm run calibrate` checks our own
 * driver against it, `npm run instrumentation` loads the bench app and a plain app with it.
 * wrk reports through a Lua `done` hook that writes one JSON line, never parsed console text.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/** One request wrk sends; a Cookie header when the request carries a session. */
export interface WrkRequest {
  method: 'GET' | 'POST';
  path: string;
  cookie?: string;
}

/** What wrk measured over one run. */
export interface WrkReport {
  requests: number;
  durationUs: number;
  /** Connect, read, write and timeout errors. */
  errors: number;
  /** Responses with a status of 400 or above. */
  badStatus: number;
  p50: number;
  p99: number;
}

/** A run of wrk: one thread, `connections` keep-alive connections, for `seconds`. */
export interface WrkRun {
  url: string;
  connections: number;
  seconds: number;
  /** Sent in turn, round-robin over all connections; without it, GET of `url` every time. */
  requests?: readonly WrkRequest[];
  /** Index in `requests` of the first request sent (to carry on where an earlier run stopped); 0 by default. */
  firstRequest?: number;
  signal?: AbortSignal;
}

const DONE = `done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"durationUs":%d,"errors":%d,"badStatus":%d,"p50":%d,"p99":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status, latency:percentile(50), latency:percentile(99)))
end
`;

const luaString = (text: string): string => JSON.stringify(text);

function requestsScript(requests: readonly WrkRequest[], first: number): string {
  const rows = requests.map((r) => `  { ${luaString(r.method)}, ${luaString(r.path)}, ${r.cookie === undefined ? 'nil' : luaString(r.cookie)} },`);
  return `local list = {\n${rows.join('\n')}\n}
local i = ${first}
request = function()
  local r = list[(i % #list) + 1]
  i = i + 1
  local headers = {}
  if r[3] then headers["Cookie"] = r[3] end
  return wrk.format(r[1], r[2], headers)
end
`;
}

/** Runs wrk once and returns its report; rejects when wrk is missing, fails or prints no report. */
export async function runWrk(run: WrkRun): Promise<WrkReport> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sessionbench-wrk-'));
  try {
    const script = path.join(dir, 'report.lua');
    await writeFile(script, (run.requests ? requestsScript(run.requests, run.firstRequest ?? 0) : '') + DONE);
    // A 10 s request timeout (wrk's default is 2 s): a slow answer on a busy machine is slow, not a socket error.
    const args = ['-t1', `-c${run.connections}`, `-d${run.seconds}s`, '--timeout', '10s', '-s', script, run.url];
    const { stdout } = await promisify(execFile)('wrk', args, { timeout: (run.seconds + 20) * 1000, signal: run.signal });
    const line = stdout.split('\n').find((l) => l.startsWith('{'));
    if (!line) throw new Error('wrk printed no report line');
    return JSON.parse(line) as WrkReport;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Requests per second of a wrk report. */
export function wrkThroughput(report: WrkReport): number {
  return report.requests / (report.durationUs / 1e6);
}
