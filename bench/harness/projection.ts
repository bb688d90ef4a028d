/** The core counts every projection is printed for. */
export const PROJECTION_CORES = [4, 8, 16] as const;

/**
 * How an engine case's shard work spreads as cores are added: `all-shards` (the uniform mix: the SKU hash spreads ops
 * over every shard, one shard per core after the caller's) or `one-shard` (the hot SKU: one shard owns it, however many
 * there are).
 */
export type ShardSpread = 'all-shards' | 'one-shard';

export interface BusyPerOp {
  /** The caller thread's busy µs per op (driver, router, promises). */
  callerUsPerOp: number;
  /** The shard workers' busy µs per op, all shards together (0: the in-thread engine, no workers). */
  shardUsPerOp: number;
}

/**
 * Projected ops/s on `cores` cores: one caller thread on one core, shards on the other `cores` − 1, each thread's
 * busy µs per op as measured.
 *
 *   T(n) = min(1e6 / caller_µs, k(n) · 1e6 / shard_µs),  k(n) = n − 1 (all-shards) or 1 (one-shard)
 *
 * The caller is one thread: every op passes through it, so it bounds T whatever the cores. The shards share the
 * rest. It ignores what changes with scale: memory bandwidth and cache sharing, hash skew (k = n − 1 assumes the hash
 * spreads ops evenly), SMT (a logical core is not a physical one), per-op costs that move with batch size, GC and
 * I/O threads. Pure.
 */
export function projectedOpsPerSecond(busy: BusyPerOp, cores: number, spread: ShardSpread): number {
  if (!Number.isInteger(cores) || cores < 2) throw new Error(`cores must be an integer ≥ 2, got ${cores}`);
  if (!(busy.callerUsPerOp > 0)) throw new Error(`callerUsPerOp must be > 0, got ${busy.callerUsPerOp}`);
  if (!(busy.shardUsPerOp >= 0)) throw new Error(`shardUsPerOp must be ≥ 0, got ${busy.shardUsPerOp}`);
  const callerBound = 1e6 / busy.callerUsPerOp;
  if (busy.shardUsPerOp === 0) return Math.round(callerBound);
  const shards = spread === 'all-shards' ? cores - 1 : 1;
  return Math.round(Math.min(callerBound, (shards * 1e6) / busy.shardUsPerOp));
}

/**
 * What a projection's µs per op are: `busy`, event-loop utilization (the figures the suite prints first); `cpu`, CPU
 * time (the caller thread's, and the rest of the process's as the shards' side), which a preempted thread does not
 * inflate.
 */
export type ProjectionBasis = 'busy' | 'cpu';

/** The metric a projection is kept under in a results file: `projectedOpsPerSecond8`, `projectedCpuOpsPerSecond8`. */
export function projectionMetric(cores: number, basis: ProjectionBasis = 'busy'): string {
  return `projected${basis === 'cpu' ? 'Cpu' : ''}OpsPerSecond${cores}`;
}

/** Each projected core count's figure, as metrics. */
export function projectionMetrics(
  busy: BusyPerOp,
  spread: ShardSpread,
  basis: ProjectionBasis = 'busy',
): Record<string, number> {
  const metrics: Record<string, number> = {};
  for (const cores of PROJECTION_CORES)
    metrics[projectionMetric(cores, basis)] = projectedOpsPerSecond(busy, cores, spread);
  return metrics;
}
