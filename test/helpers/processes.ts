import { readdirSync, readFileSync } from 'node:fs';

/** A live process seen in /proc. */
export interface SeenProcess {
  pid: number;
  /** One-letter state from /proc/<pid>/stat: R, S, D, T (stopped), … (zombies are left out). */
  state: string;
  command: string;
}

/** Processes that carry `mark` in their environment (SESSIONBENCH_TEST_MARK): everything one run started, and nothing of another run on this machine. */
export function processesMarked(mark: string): SeenProcess[] {
  const found: SeenProcess[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`SESSIONBENCH_TEST_MARK=${mark}`)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'Z') continue;
      found.push({ pid: Number(pid), state, command: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim() });
    } catch {
      /* gone, or not readable */
    }
  }
  return found;
}

/** "pid command" lines, for assertion messages. */
export function describeProcesses(processes: SeenProcess[]): string[] {
  return processes.map((p) => `${p.pid} ${p.state} ${p.command}`);
}
