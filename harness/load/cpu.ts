import { execFileSync } from 'node:child_process';
import { procStat } from '../../stores/servers/process-tree.ts';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

/** CPU seconds (user + system) a process has used so far, from /proc; undefined when it cannot be read. */
export function cpuSecondsOf(pid: number): number | undefined {
  const fields = procStat(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) / clockTicks() : undefined;
}

function totalCpuSeconds(pids: readonly number[]): number | undefined {
  let total = 0;
  for (const pid of pids) {
    const seconds = cpuSecondsOf(pid);
    if (seconds === undefined) return undefined;
    total += seconds;
  }
  return total;
}

/** Starts a CPU stopwatch over processes (or groups of them); `stop()` returns each one's CPU use as % of one core. */
export function cpuStopwatch<K extends string>(pids: Partial<Record<K, number | readonly number[] | undefined>>): { stop(): Partial<Record<K, number>> } {
  const started = performance.now();
  const groups = Object.entries(pids)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => {
      const group = typeof value === 'number' ? [value] : (value as readonly number[]);
      return { key: key as K, group, start: totalCpuSeconds(group) };
    });
  return {
    stop() {
      const wall = (performance.now() - started) / 1000;
      const out: Partial<Record<K, number>> = {};
      for (const { key, group, start } of groups) {
        const end = totalCpuSeconds(group);
        if (start !== undefined && end !== undefined && wall > 0) out[key] = Math.round(((end - start) / wall) * 1000) / 10;
      }
      return out;
    },
  };
}
