import { readFileSync } from 'node:fs';
import type { Engine } from '../../engine/index.js';

/** /proc counts in USER_HZ, which Linux fixes at 100 for user space. */
const MS_PER_TICK = 10;

/**
 * Busy time per op on each thread of an embedded engine over one measured pass, in µs: the caller's (this thread's
 * event loop: the driver, the router, the promises) and the shard workers' (each worker's event loop). Event-loop
 * utilization counts wall time the loop was not idle, so a thread the OS preempted while busy counts that time too:
 * with more threads than cores the figures are an upper bound on CPU. The cross-checks are CPU time:
 * `callerCpuUsPerOp` (this thread's user + system time from /proc/self/task/<pid>/stat, 10 ms ticks; Linux only, -1
 * elsewhere) and `processCpuUsPerOp` (every thread of the process, GC and I/O threads included, process.cpuUsage()).
 */
export interface ThreadBusy {
  callerUsPerOp: number;
  /** All shards together: the shard-side work one op costs (each single-line op runs on one shard). */
  shardUsPerOp: number;
  shardUsPerOpByShard: number[];
  callerCpuUsPerOp: number;
  processCpuUsPerOp: number;
}

/** The main thread's CPU time so far (its task id is the process id), in ms; null off Linux. */
function mainThreadCpuMs(): number | null {
  try {
    const text = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
  } catch {
    return null;
  }
}

/** Each worker shard's busy ms so far (engine.stats(); the in-thread engine has none: an empty list). */
function workerBusyMsByShard(engine: Engine): number[] {
  return engine
    .stats()
    .shards.map((shard) => shard.workerBusyMs)
    .filter((busyMs): busyMs is number => busyMs !== undefined);
}

const perOpUs = (busyMs: number, ops: number): number => (ops > 0 ? Number(((busyMs * 1000) / ops).toFixed(3)) : 0);

/** Starts a measured pass's window; the function returned, given the pass's ops, says each thread's busy µs per op. */
export function watchThreadBusy(engine: Engine): (ops: number) => ThreadBusy {
  const callerBefore = performance.eventLoopUtilization();
  const shardsBefore = workerBusyMsByShard(engine);
  const cpuBefore = process.cpuUsage();
  const callerCpuBefore = mainThreadCpuMs();
  return (ops) => {
    const callerCpuAfter = mainThreadCpuMs();
    const caller = performance.eventLoopUtilization(callerBefore);
    const cpu = process.cpuUsage(cpuBefore);
    const shardsBusyMs = workerBusyMsByShard(engine).map((busyMs, shard) => busyMs - (shardsBefore[shard] ?? 0));
    const byShard = shardsBusyMs.map((busyMs) => perOpUs(busyMs, ops));
    return {
      callerUsPerOp: perOpUs(caller.active, ops),
      shardUsPerOp: perOpUs(
        shardsBusyMs.reduce((sum, busyMs) => sum + busyMs, 0),
        ops,
      ),
      shardUsPerOpByShard: byShard,
      callerCpuUsPerOp:
        callerCpuBefore === null || callerCpuAfter === null ? -1 : perOpUs(callerCpuAfter - callerCpuBefore, ops),
      processCpuUsPerOp: perOpUs((cpu.user + cpu.system) / 1000, ops),
    };
  };
}

/** The figures as a results file's details. */
export function threadBusyDetails(busy: ThreadBusy): Record<string, number | string> {
  return {
    callerUsPerOp: busy.callerUsPerOp,
    shardUsPerOp: busy.shardUsPerOp,
    shardUsPerOpByShard: busy.shardUsPerOpByShard.join(','),
    callerCpuUsPerOp: busy.callerCpuUsPerOp,
    processCpuUsPerOp: busy.processCpuUsPerOp,
  };
}
