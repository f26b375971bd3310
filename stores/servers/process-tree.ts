import { readdirSync, readFileSync } from 'node:fs';

/** The fields of /proc/<pid>/stat after the command name (field 3, the state, comes first); undefined when the process is gone. */
export function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function parentOf(pid: number): number | undefined {
  const fields = procStat(pid);
  return fields ? Number(fields[1]) : undefined;
}

/** `pid` and every process descended from it (e.g. PostgreSQL's postmaster and its backends), from /proc. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const parent = parentOf(Number(name));
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), Number(name)]);
  }
  const tree: number[] = [];
  const visit = (p: number) => {
    tree.push(p);
    for (const child of children.get(p) ?? []) visit(child);
  };
  visit(pid);
  return tree;
}

/** Sends `signal` to `pid` and all its descendants; processes that are gone are ignored. */
export function signalTree(pid: number, signal: NodeJS.Signals): void {
  for (const p of processTree(pid)) {
    try {
      process.kill(p, signal);
    } catch {
      /* already gone */
    }
  }
}

/** When `pid` started, in clock ticks since boot (field 22 of /proc/<pid>/stat): tells a process from a later one given the same pid. */
export function startTimeOf(pid: number): string | undefined {
  return procStat(pid)?.[19];
}

/** True while `pid` runs (an exited, unreaped zombie counts as gone). */
export function isRunning(pid: number): boolean {
  const state = procStat(pid)?.[0];
  return state !== undefined && state !== 'Z';
}
