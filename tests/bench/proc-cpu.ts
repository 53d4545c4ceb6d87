/**
 * CPU time used by a process and its descendants (Linux /proc), so the bench can report CPU per request:
 * unlike requests/s, that barely moves when other processes compete for the machine.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

interface Stat {
  ppid: number;
  ticks: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
    const fields = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds of `pid` and every live descendant, or undefined where /proc is missing. */
export function treeCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined || !readStat(pid)) return undefined;
  const stats = new Map<number, Stat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) stats.set(Number(entry), stat);
  }
  const children = new Map<number, number[]>();
  for (const [child, stat] of stats) {
    const list = children.get(stat.ppid);
    if (list) list.push(child);
    else children.set(stat.ppid, [child]);
  }
  let ticks = 0;
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.pop()!;
    ticks += stats.get(next)?.ticks ?? 0;
    queue.push(...(children.get(next) ?? []));
  }
  return ticks / clockTicks();
}
