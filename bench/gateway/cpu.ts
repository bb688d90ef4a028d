import { defined } from '../../shared/invariant.js';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

/** /proc counts in USER_HZ, which Linux fixes at 100 for user space. */
const PROC_TICKS_PER_SECOND = 100;

/** The fields after the command name of a /proc/…/stat file (state first), or null if unreadable. */
function procStatFields(path: string): string[] | null {
  try {
    const text = readFileSync(path, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null; // not Linux, or the process is gone
  }
}

// Indexes into procStatFields (stat field number − 3): ppid (4), utime (14), stime (15), cutime (16), cstime (17).
const PPID = 1;
const UTIME = 11;
const STIME = 12;
const CUTIME = 13;
const CSTIME = 14;
const KTHREADD_PID = 2;

/** utime + stime of one /proc/…/stat file, in seconds (0 if unreadable). */
function procStatSeconds(path: string): number {
  const fields = procStatFields(path);
  return fields === null ? 0 : (Number(fields[UTIME]) + Number(fields[STIME])) / PROC_TICKS_PER_SECOND;
}

/**
 * CPU seconds of every user-space process except `excluded` (kernel threads left out), with the
 * time of children they have reaped: what other load on the machine has used so far.
 */
function otherProcessesSeconds(excluded: ReadonlySet<number>): number {
  let ticks = 0;
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return 0;
  }
  for (const name of names) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || excluded.has(pid) || pid === KTHREADD_PID) continue;
    const fields = procStatFields(`/proc/${pid}/stat`);
    if (fields === null || Number(fields[PPID]) === KTHREADD_PID) continue;
    ticks += Number(fields[UTIME]) + Number(fields[STIME]) + Number(fields[CUTIME]) + Number(fields[CSTIME]);
  }
  return ticks / PROC_TICKS_PER_SECOND;
}

/** Seconds all cores have spent in softirq (the kernel's share of loopback networking), 0 off Linux. */
function softirqSeconds(): number {
  try {
    const fields = defined(readFileSync('/proc/stat', 'utf8').split('\n')[0], 'a first line').trim().split(/\s+/);
    return Number(fields[7]) / PROC_TICKS_PER_SECOND; // cpu user nice system idle iowait irq softirq
  } catch {
    return 0;
  }
}

/** CPU seconds a process (all its threads) and its main thread have used so far. */
export interface ProcessCpu {
  totalSeconds: number;
  mainThreadSeconds: number;
}

export function processCpu(pid: number): ProcessCpu {
  return {
    totalSeconds: procStatSeconds(`/proc/${pid}/stat`),
    mainThreadSeconds: procStatSeconds(`/proc/${pid}/task/${pid}/stat`),
  };
}

/** A reading taken when a measured pass starts. */
export interface CpuMark {
  wallMs: number;
  driver: NodeJS.CpuUsage;
  server: ProcessCpu;
  otherProcessesSeconds: number;
  softirqSeconds: number;
}

/**
 * CPU used during a pass: this process (the driver), the server child (and its main thread:
 * the gateway's event loop; the other threads are the shard workers, GC and libuv), what every
 * other process on the machine took (other load skews the figures on a shared machine), and the
 * kernel's softirq time (mostly the loopback TCP traffic of the pass itself).
 */
export interface CpuShares {
  driverPercentOfMachine: number;
  serverPercentOfMachine: number;
  serverMainThreadPercentOfCore: number;
  serverOtherThreadsPercentOfCore: number;
  otherProcessesPercentOfMachine: number;
  softirqPercentOfMachine: number;
}

function ourPids(serverPid: number): Set<number> {
  return new Set([process.pid, serverPid]);
}

export function markCpu(serverPid: number): CpuMark {
  return {
    wallMs: performance.now(),
    driver: process.cpuUsage(),
    server: processCpu(serverPid),
    otherProcessesSeconds: otherProcessesSeconds(ourPids(serverPid)),
    softirqSeconds: softirqSeconds(),
  };
}

export function cpuSharesSince(serverPid: number, mark: CpuMark): CpuShares {
  const wallSeconds = (performance.now() - mark.wallMs) / 1000;
  const cores = os.cpus().length;
  const driverUsage = process.cpuUsage(mark.driver);
  const driverSeconds = (driverUsage.user + driverUsage.system) / 1e6;
  const server = processCpu(serverPid);
  const serverSeconds = server.totalSeconds - mark.server.totalSeconds;
  const mainSeconds = server.mainThreadSeconds - mark.server.mainThreadSeconds;
  const othersSeconds = otherProcessesSeconds(ourPids(serverPid)) - mark.otherProcessesSeconds;
  const percent = (seconds: number, of: number) => Math.max(0, Math.round((seconds / (wallSeconds * of)) * 100));
  return {
    driverPercentOfMachine: percent(driverSeconds, cores),
    serverPercentOfMachine: percent(serverSeconds, cores),
    serverMainThreadPercentOfCore: percent(mainSeconds, 1),
    serverOtherThreadsPercentOfCore: percent(serverSeconds - mainSeconds, 1),
    // A process reaped during the pass adds its whole life to its parent's cutime: cap at the machine.
    otherProcessesPercentOfMachine: Math.min(100, percent(othersSeconds, cores)),
    softirqPercentOfMachine: percent(softirqSeconds() - mark.softirqSeconds, cores),
  };
}
