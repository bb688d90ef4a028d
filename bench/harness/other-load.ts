import { defined } from '../../shared/invariant.js';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

/** /proc counts in USER_HZ, which Linux fixes at 100 for user space. */
const TICKS_PER_SECOND = 100;

/**
 * user + nice + system ticks of all cores (/proc/stat), or null off Linux. Softirq is left out: loopback traffic is
 * mostly the case's own.
 */
function machineBusyTicks(): number | null {
  try {
    const line = defined(readFileSync('/proc/stat', 'utf8').split('\n')[0], 'a first line');
    const [user, nice, system] = line.trim().split(/\s+/).slice(1).map(Number);
    return defined(user, 'user ticks') + defined(nice, 'nice ticks') + defined(system, 'system ticks');
  } catch {
    return null;
  }
}

interface ProcEntry {
  ppid: number;
  /** utime + stime + cutime + cstime: the process and the children it has reaped. */
  ticks: number;
}

function readProcesses(): Map<number, ProcEntry> {
  const entries = new Map<number, ProcEntry>();
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return entries;
  }
  for (const name of names) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    try {
      const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      entries.set(pid, {
        ppid: Number(fields[1]),
        ticks: Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]),
      });
    } catch {
      // gone meanwhile
    }
  }
  return entries;
}

/** Ticks of this process and its live descendants (the peer servers it started), reaped children included. */
function ourTicks(processes: Map<number, ProcEntry>): Map<number, number> {
  const ours = new Map<number, number>();
  const self = processes.get(process.pid);
  if (self !== undefined) ours.set(process.pid, self.ticks);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, entry] of processes) {
      if (!ours.has(pid) && ours.has(entry.ppid)) {
        ours.set(pid, entry.ticks);
        grew = true;
      }
    }
  }
  return ours;
}

/**
 * Starts watching the machine; the function returned says how much CPU went to processes outside
 * the suite's own tree meanwhile, as a % of all cores: the machine's busy time (/proc/stat) minus
 * this process's, its reaped children's (the case's child, its servers) and its live
 * descendants' (peer servers). Other load on a shared machine lowers every figure of that
 * window. Call it after the case's child has exited. Linux only; 0 elsewhere.
 */
export function watchOtherLoad(): () => number {
  const busyBefore = machineBusyTicks();
  const oursBefore = ourTicks(readProcesses());
  const startMs = performance.now();
  return () => {
    const busyAfter = machineBusyTicks();
    if (busyBefore === null || busyAfter === null) return 0;
    let ours = 0;
    for (const [pid, ticks] of ourTicks(readProcesses())) ours += ticks - (oursBefore.get(pid) ?? 0);
    const seconds = (performance.now() - startMs) / 1000;
    if (seconds <= 0) return 0;
    const others = busyAfter - busyBefore - ours;
    return Math.min(100, Math.max(0, Math.round((others / TICKS_PER_SECOND / (seconds * os.cpus().length)) * 100)));
  };
}
