import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

/** CPU seconds (user + system) a process has used so far, from /proc; undefined when it cannot be read. */
export function cpuSecondsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return undefined;
  }
}

/** Starts a CPU stopwatch over processes; `stop()` returns each one's CPU use as % of one core. */
export function cpuStopwatch<K extends string>(pids: Partial<Record<K, number>>): { stop(): Partial<Record<K, number>> } {
  const started = performance.now();
  const before = Object.entries(pids).map(([key, pid]) => [key, pid as number, cpuSecondsOf(pid as number)] as const);
  return {
    stop() {
      const wall = (performance.now() - started) / 1000;
      const out: Partial<Record<K, number>> = {};
      for (const [key, pid, start] of before) {
        const end = cpuSecondsOf(pid);
        if (start !== undefined && end !== undefined && wall > 0) out[key as K] = Math.round(((end - start) / wall) * 1000) / 10;
      }
      return out;
    },
  };
}
