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
 * (bench/load/thread-busy.ts), the projection on more cores from them, and reserves that held per second when the run
 * counts them (the ratios to Redis compare those).
 */
export function engineMeasurement(result: CaseResult, spread: ShardSpread): CaseMeasurement {
  const metrics: Record<string, number> = {};
  for (const key of ['reservesPerSecond', 'callerUsPerOp', 'shardUsPerOp', 'callerCpuUsPerOp', 'processCpuUsPerOp']) {
    const value = numberDetail(result, key);
    if (value !== undefined) metrics[key] = value;
  }
  const callerUsPerOp = metrics.callerUsPerOp ?? 0;
  if (callerUsPerOp > 0)
    Object.assign(metrics, projectionMetrics({ callerUsPerOp, shardUsPerOp: metrics.shardUsPerOp ?? 0 }, spread));
  return measured(result, { metrics });
}
