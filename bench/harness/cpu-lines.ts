import { PROJECTION_CORES, projectionMetric } from './projection.js';
import { formatCount, type SuiteRow } from './rows.js';

const us = (value: number): string => value.toFixed(2);

function cpuLine(row: SuiteRow): string | null {
  const caller = row.metrics.callerUsPerOp;
  if (row.status !== 'measured' || caller === undefined) return null;
  const shard = row.metrics.shardUsPerOp ?? 0;
  const process = row.metrics.processCpuUsPerOp;
  const callerCpu = row.metrics.callerCpuUsPerOp ?? -1;
  const cpu = [
    ...(callerCpu >= 0 ? [`caller ${us(callerCpu)}`] : []),
    ...(process === undefined ? [] : [`process ${us(process)}`]),
  ];
  const projected = PROJECTION_CORES.map((cores) => {
    const value = row.metrics[projectionMetric(cores)];
    return `${cores} cores ${value === undefined ? '—' : formatCount(value)}`;
  });
  const fromCpu = PROJECTION_CORES.map((cores) => row.metrics[projectionMetric(cores, 'cpu')]);
  const cpuProjection = fromCpu.some((value) => value === undefined)
    ? ''
    : `; from CPU time ${fromCpu.map((value) => formatCount(value ?? 0)).join(' · ')}`;
  return (
    `  ${row.name}: caller µs/op ${us(caller)} · shard µs/op ${shard > 0 ? us(shard) : '— (no worker)'}` +
    `${cpu.length === 0 ? '' : ` (CPU µs/op: ${cpu.join(', ')})`} → projected ` +
    `${projected.join(' · ')}${cpuProjection} ${row.unit}`
  );
}

/**
 * The engine cases' busy µs per op on the caller's thread and on the shard workers (all shards together), and the
 * throughput projected from them on more cores (bench/harness/projection.ts; docs/benchmarks.md). Pure.
 */
export function cpuLines(rows: readonly SuiteRow[]): string[] {
  const lines = rows.map(cpuLine).filter((line): line is string => line !== null);
  if (lines.length === 0) return [];
  return [
    'busy µs per op by thread (event-loop utilization ÷ ops, measured pass), projected as ' +
      'T(n) = min(1e6 / caller, k · 1e6 / shard), k = n − 1 (hot SKU: 1); from CPU time: the same with the ' +
      "caller thread's CPU and the other threads' as the shards':",
    ...lines,
  ];
}
