/** The projection of an engine case's throughput on more cores from each thread's busy µs per op. */
import { describe, expect, it } from 'vitest';
import { projectedOpsPerSecond, projectionMetrics } from '../../bench/harness/projection.js';

describe('bench projection: T(n) = min(1e6 / caller, k · 1e6 / shard)', () => {
  it('is shard-bound while n − 1 shards are slower than the caller, then caller-bound', () => {
    const busy = { callerUsPerOp: 0.5, shardUsPerOp: 4 };
    // 3 shards × 250k = 750k < 2M; 7 × 250k = 1.75M < 2M; 15 × 250k = 3.75M > 2M: the caller's 2M.
    expect(projectedOpsPerSecond(busy, 4, 'all-shards')).toBe(750_000);
    expect(projectedOpsPerSecond(busy, 8, 'all-shards')).toBe(1_750_000);
    expect(projectedOpsPerSecond(busy, 16, 'all-shards')).toBe(2_000_000);
  });

  it('keeps a hot SKU on one shard however many cores there are', () => {
    const busy = { callerUsPerOp: 0.5, shardUsPerOp: 4 };
    expect(projectedOpsPerSecond(busy, 4, 'one-shard')).toBe(250_000);
    expect(projectedOpsPerSecond(busy, 16, 'one-shard')).toBe(250_000);
  });

  it('is the caller alone when there is no worker (the in-thread engine)', () => {
    expect(projectedOpsPerSecond({ callerUsPerOp: 4, shardUsPerOp: 0 }, 8, 'all-shards')).toBe(250_000);
  });

  it('refuses figures it cannot project from', () => {
    expect(() => projectedOpsPerSecond({ callerUsPerOp: 0, shardUsPerOp: 1 }, 4, 'all-shards')).toThrow(/caller/);
    expect(() => projectedOpsPerSecond({ callerUsPerOp: 1, shardUsPerOp: -1 }, 4, 'all-shards')).toThrow(/shard/);
    expect(() => projectedOpsPerSecond({ callerUsPerOp: 1, shardUsPerOp: 1 }, 1, 'all-shards')).toThrow(/cores/);
  });

  it('names a metric per projected core count', () => {
    expect(projectionMetrics({ callerUsPerOp: 1, shardUsPerOp: 2 }, 'all-shards')).toEqual({
      projectedOpsPerSecond4: 1_000_000,
      projectedOpsPerSecond8: 1_000_000,
      projectedOpsPerSecond16: 1_000_000,
    });
    expect(Object.keys(projectionMetrics({ callerUsPerOp: 1, shardUsPerOp: 2 }, 'one-shard', 'cpu'))).toEqual([
      'projectedCpuOpsPerSecond4',
      'projectedCpuOpsPerSecond8',
      'projectedCpuOpsPerSecond16',
    ]);
  });
});

describe('bench engine cases: metrics from the run', () => {
  it('projects from busy time and from CPU time, the shards taking every thread but the caller', async () => {
    const { engineMeasurement } = await import('../../bench/engine/engine-measurement.js');
    const measurement = engineMeasurement(
      {
        name: 'uniform-mix',
        description: '',
        ops: 1000,
        durationMs: 1000,
        opsPerSecond: 1000,
        latencyMeasures: '',
        latencyUs: { count: 0, p50Us: 0, p99Us: 0, p999Us: 0, maxUs: 0 },
        checks: [],
        details: {
          reservesPerSecond: 500,
          callerUsPerOp: 4,
          shardUsPerOp: 8,
          callerCpuUsPerOp: 2,
          processCpuUsPerOp: 6,
          shardUsPerOpByShard: '4,4',
        },
      },
      'all-shards',
    );
    expect(measurement.metrics).toMatchObject({
      reservesPerSecond: 500,
      otherThreadsCpuUsPerOp: 4,
      // busy: min(250k, 3 × 125k) = 250k on 4 cores; CPU: min(500k, 3 × 250k) = 500k.
      projectedOpsPerSecond4: 250_000,
      projectedCpuOpsPerSecond4: 500_000,
      projectedCpuOpsPerSecond16: 500_000,
    });
  });
});
