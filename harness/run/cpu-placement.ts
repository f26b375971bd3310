/**
 * Where a run's processes execute. On a machine with few cores the app under test, the load
 * generator (this process) and the store's server compete for the same CPUs, and the scheduler
 * moving the app's event loop onto the core the generator or the server is busy on costs it a
 * different share in every fresh process. `split` gives the app CPUs of its own and leaves the rest
 * to everything else: measured on this project's 2-core VM (README, "How it measures"), twenty fresh
 * apps of one store scattered by 5 % instead of 15 %, and two identical stores' paired rounds less too.
 *
 * Linux only (`taskset`, util-linux; the affinity read back from /proc); elsewhere, or with one CPU,
 * the run shares the CPUs and records why.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** `--cpu-placement`: the app on CPUs of its own (`split`), or every process on every CPU (`shared`). */
export const CPU_PLACEMENTS = ['split', 'shared'] as const;
export type CpuPlacementChoice = (typeof CPU_PLACEMENTS)[number];

/** The CPUs each side runs on, by CPU number. */
export interface CpuSplit {
  /** Every app process under test (all its threads). */
  appCpus: number[];
  /** The harness (the load generator in it, k6 when used) and every server or proxy it starts as a local process (a Docker container is not placed). */
  harnessCpus: number[];
}

/** What a run did: the split it applied, or why its processes shared the CPUs. */
export type CpuPlacement = ({ mode: 'split' } & CpuSplit) | { mode: 'shared'; reason: string };

/** Parses a CPU list as the kernel writes it ("0-3,6"). */
export function parseCpuList(text: string): number[] {
  return text
    .trim()
    .split(',')
    .filter((part) => part !== '')
    .flatMap((part) => {
      const [from, to = from] = part.split('-').map(Number);
      return Array.from({ length: to! - from! + 1 }, (_, i) => from! + i);
    });
}

/**
 * The online CPUs a process may run on (`Cpus_allowed_list` in /proc/<pid>/status, less any CPU not in
 * /sys/devices/system/cpu/online: a VM may list slots it has no CPU in), sorted; undefined where there is no /proc.
 */
export function allowedCpus(pid: number | 'self' = 'self'): number[] | undefined {
  let allowed: number[];
  try {
    const line = /^Cpus_allowed_list:\s*(.+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    if (line === undefined) return undefined;
    allowed = parseCpuList(line);
  } catch {
    return undefined;
  }
  let online: Set<number> | undefined;
  try {
    online = new Set(parseCpuList(readFileSync('/sys/devices/system/cpu/online', 'utf8')));
  } catch {
    online = undefined;
  }
  return [...new Set(allowed)].filter((cpu) => !online || online.has(cpu)).sort((a, b) => a - b);
}

/** Whether two CPU lists name the same CPUs. */
export function sameCpus(a: readonly number[], b: readonly number[]): boolean {
  const left = [...new Set(a)].sort((x, y) => x - y);
  const right = [...new Set(b)].sort((x, y) => x - y);
  return left.length === right.length && left.every((cpu, i) => cpu === right[i]);
}

/** Half of the CPUs (rounded down, at least one) for the app, the rest for the harness; undefined with fewer than two. */
export function splitCpus(cpus: readonly number[]): CpuSplit | undefined {
  if (cpus.length < 2) return undefined;
  const appCount = Math.max(1, Math.floor(cpus.length / 2));
  return { appCpus: cpus.slice(0, appCount), harnessCpus: cpus.slice(appCount) };
}

/** Pins every thread of `pid` to `cpus` (threads started later inherit it); throws with taskset's own message. */
export function pinProcess(pid: number, cpus: readonly number[]): void {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpus.join(','), String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(missing ? 'taskset (util-linux) is not installed' : `taskset could not pin pid ${pid} to CPUs ${cpus.join(',')}: ${stderr || (error as Error).message}`);
  }
}

/** The split this process is pinned to, while runs that use it are under way (`ab --duet` runs two at once). */
let active: { split: CpuSplit; original: number[]; runs: number } | undefined;

/**
 * Applies the choice to this process (`sharedBecause`: the run shares every CPU whatever it chose, and says why): with `split`, pins the harness to its CPUs (servers and the
 * load generator it starts afterwards inherit them) and returns the split for the apps; `restore`
 * gives this process its CPUs back once the last run using the split ends.
 */
export function placeHarness(choice: CpuPlacementChoice, sharedBecause?: string): { placement: CpuPlacement; restore: () => void } {
  const none = { restore: () => {} };
  if (choice === 'shared') return { placement: { mode: 'shared', reason: '--cpu-placement shared' }, ...none };
  if (sharedBecause) return { placement: { mode: 'shared', reason: sharedBecause }, ...none };
  if (!active) {
    const cpus = allowedCpus();
    if (!cpus) return { placement: { mode: 'shared', reason: `no /proc/self/status on ${process.platform}: CPU placement is Linux only` }, ...none };
    const split = splitCpus(cpus);
    if (!split) return { placement: { mode: 'shared', reason: `one CPU allowed (${cpus.join(',')}): nothing to split` }, ...none };
    try {
      pinProcess(process.pid, split.harnessCpus);
    } catch (error) {
      return { placement: { mode: 'shared', reason: (error as Error).message }, ...none };
    }
    const pinned = allowedCpus();
    if (!pinned || !sameCpus(pinned, split.harnessCpus)) {
      try {
        pinProcess(process.pid, cpus);
      } catch {
        // Left as the kernel has it; the run records that it shared.
      }
      return { placement: { mode: 'shared', reason: `pinned the harness to CPUs ${split.harnessCpus.join(',')}, but the kernel allows ${pinned?.join(',') ?? 'unknown'}` }, ...none };
    }
    active = { split, original: cpus, runs: 0 };
  }
  const held = active;
  held.runs += 1;
  let restored = false;
  return {
    placement: { mode: 'split', ...held.split },
    restore: () => {
      if (restored) return;
      restored = true;
      held.runs -= 1;
      if (held.runs > 0) return;
      active = undefined;
      try {
        pinProcess(process.pid, held.original);
      } catch {
        // The process keeps the harness's CPUs; nothing measured depends on it any more.
      }
    },
  };
}
