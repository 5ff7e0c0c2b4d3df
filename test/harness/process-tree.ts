// The processes a command started, read from /proc: to check that stopping it leaves none behind.
// A process is named by pid and start time, so a pid the kernel hands out again does not count.
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessRef {
  pid: number;
  /** Start time in clock ticks since boot (field 22 of /proc/PID/stat). */
  start: string;
  /** argv[0]'s last path segment, for messages. */
  name: string;
}

interface Stat {
  ppid: number;
  state: string;
  start: string;
}

function stat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command in parentheses may hold spaces and parentheses: the fields follow the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, ppid: Number(fields[1]), start: fields[19]! };
  } catch {
    return undefined;
  }
}

function name(pid: number): string {
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    return argv0.split('/').pop() || String(pid);
  } catch {
    return String(pid);
  }
}

/** `root` and every live process below it, children that left its process group or session included. */
export function processTree(root: number): ProcessRef[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = stat(Number(entry));
    if (!s || s.state === 'Z') continue;
    children.set(s.ppid, [...(children.get(s.ppid) ?? []), Number(entry)]);
  }
  const out: ProcessRef[] = [];
  const visit = (pid: number) => {
    const s = stat(pid);
    if (!s || s.state === 'Z') return;
    out.push({ pid, start: s.start, name: name(pid) });
    for (const child of children.get(pid) ?? []) visit(child);
  };
  visit(root);
  return out;
}

/** Still running: same pid and start time, and not a zombie waiting for its parent to reap it. */
export function isRunning(p: ProcessRef): boolean {
  const s = stat(p.pid);
  return s !== undefined && s.start === p.start && s.state !== 'Z';
}

export function describeProcesses(ps: ProcessRef[]): string {
  return ps.map((p) => `${p.name}(${p.pid})`).join(', ');
}
