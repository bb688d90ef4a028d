import type { CaseResult } from '../harness/case-result.js';
import { measured } from '../harness/measurement.js';
import { projectionMetrics, type ShardSpread } from '../harness/projection.js';
import type { CaseMeasurement } from '../harness/types.js';

function numberDetail(result: CaseResult, key: string): number | undefined {
  const value = result.details[key];
  return typeof value === 'number' ? value : undefined;
}

/**
 * An engine case's measurement, its metrics taken from the details its run wrote: each thread's busy µs per op
 * (bench/load/thread-busy.ts), the projection on more cores from them (from event-loop busy time, and from CPU time:
 * the caller thread's, and every other thread's as the shards' side), and reserves that held per second when the run
 * counts them (the ratios to Redis compare those).
 */
export function engineMeasurement(result: CaseResult, spread: ShardSpread): CaseMeasurement {
  const metrics: Record<string, number> = {};
  for (const key of ['reservesPerSecond', 'callerUsPerOp', 'shardUsPerOp', 'callerCpuUsPerOp', 'processCpuUsPerOp']) {
    const value = numberDetail(result, key);
    if (value !== undefined) metrics[key] = value;
  }
  const callerUsPerOp = metrics.callerUsPerOp ?? 0;
  const shardUsPerOp = metrics.shardUsPerOp ?? 0;
  if (callerUsPerOp > 0) Object.assign(metrics, projectionMetrics({ callerUsPerOp, shardUsPerOp }, spread));
  const callerCpuUsPerOp = metrics.callerCpuUsPerOp ?? -1;
  const processCpuUsPerOp = metrics.processCpuUsPerOp ?? -1;
  if (callerCpuUsPerOp > 0 && processCpuUsPerOp >= callerCpuUsPerOp) {
    // The shards' side from CPU time: every thread but the caller's (the workers, and GC and I/O threads with them).
    const otherThreadsCpuUsPerOp = Number((processCpuUsPerOp - callerCpuUsPerOp).toFixed(3));
    metrics.otherThreadsCpuUsPerOp = otherThreadsCpuUsPerOp;
    const cpu = { callerUsPerOp: callerCpuUsPerOp, shardUsPerOp: shardUsPerOp > 0 ? otherThreadsCpuUsPerOp : 0 };
    Object.assign(metrics, projectionMetrics(cpu, spread, 'cpu'));
  }
  return measured(result, { metrics });
}
