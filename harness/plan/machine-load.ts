import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { MachineLoad } from '../../contract/result.ts';

interface CpuTimes {
  steal: number;
  total: number;
}

/** The aggregate `cpu` line of /proc/stat (user nice system idle iowait irq softirq steal …), or undefined where there is none or no steal field. */
export function parseProcStat(text: string): CpuTimes | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith('cpu '));
  const fields = line?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  if (fields.length < 8 || fields.some((value) => !Number.isFinite(value))) return undefined;
  // guest and guest_nice (fields 9–10) are already counted in user and nice.
  const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
  return { steal: fields[7]!, total };
}

function cpuTimes(): CpuTimes | undefined {
  try {
    return parseProcStat(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return undefined;
  }
}

const rounded = (values: number[]): [number, number, number] => [values[0] ?? 0, values[1] ?? 0, values[2] ?? 0].map((value) => Math.round(value * 100) / 100) as [number, number, number];

/** Starts watching machine load: the load average now, and CPU steal from now on; `read()` gives the figures so far. */
export function watchMachineLoad(): { read(): MachineLoad } {
  const loadAverageStart = rounded(os.loadavg());
  const stealStart = cpuTimes();
  return {
    read() {
      const stealEnd = cpuTimes();
      const elapsed = stealStart && stealEnd ? stealEnd.total - stealStart.total : 0;
      const stealPercent = stealStart && stealEnd && elapsed > 0 ? Math.round(((stealEnd.steal - stealStart.steal) / elapsed) * 1000) / 10 : undefined;
      return { loadAverageStart, loadAverageEnd: rounded(os.loadavg()), ...(stealPercent === undefined ? {} : { stealPercent }) };
    },
  };
}
