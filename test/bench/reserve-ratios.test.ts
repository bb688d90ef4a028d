/** The lines after the suite's table: holdfast ÷ Redis in reserves/s, and busy µs per op with the projection. */
import { describe, expect, it } from 'vitest';
import { cpuLines } from '../../bench/harness/cpu-lines.js';
import { reserveRatioLines } from '../../bench/harness/reserve-ratios.js';
import { buildRows, type CaseRun } from '../../bench/harness/rows.js';
import type { SuiteCase } from '../../bench/harness/types.js';

function run(name: string, opsPerSecond: number, metrics: Record<string, number>, unit = 'ops/s'): CaseRun {
  const suiteCase: SuiteCase = {
    name,
    group: name.startsWith('peer') ? 'peer' : 'engine',
    summary: name,
    unit,
    run: async () => ({ skipped: 'not run' }),
  };
  const latencyUs = { count: 0, p50Us: 0, p99Us: 0, p999Us: 0, maxUs: 0 };
  return {
    suiteCase,
    status: 'measured',
    measurement: {
      result: {
        name,
        description: name,
        ops: opsPerSecond,
        durationMs: 1000,
        opsPerSecond,
        latencyMeasures: '',
        latencyUs,
        checks: [],
        details: {},
      },
      metrics,
    },
    environment: {},
  };
}

describe('bench suite: holdfast ÷ Redis in reserves/s', () => {
  it('compares reserves that held with reserves that held, against both Redis peers', () => {
    const lines = reserveRatioLines(
      buildRows([
        run('engine-uniform', 400_000, { reservesPerSecond: 200_000 }),
        run('peer-redis-uniform', 100_000, { reservesPerSecond: 50_000 }),
        run('peer-redis-server', 160_000, { reservesPerSecond: 160_000, callsPerSecond: 160_000 }, 'reserves/s'),
      ]),
    );
    expect(lines[0]).toMatch(/reserves\/s/);
    expect(lines.slice(1)).toEqual([
      '  engine-uniform ÷ peer-redis-server (redis-benchmark, the C client): 1.3× ' +
        '(200,000 reserves/s held of 400,000 ops/s vs 160,000 reserves/s held of 160,000 calls/s)',
      '  engine-uniform ÷ peer-redis-uniform (ioredis, the Node client): 4.0× ' +
        '(200,000 reserves/s held of 400,000 ops/s vs 50,000 reserves/s held of 100,000 ops/s)',
    ]);
  });

  it('takes engine-reserve-many when the run has it, saying when its figure is its throughput', () => {
    const lines = reserveRatioLines(
      buildRows([
        run('engine-reserve-many', 900_000, {}),
        run('peer-redis-server', 150_000, { reservesPerSecond: 150_000 }, 'reserves/s'),
      ]),
    );
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('engine-reserve-many ÷ peer-redis-server (redis-benchmark, the C client): 6.0×');
    expect(lines[1]).toContain('taken as reserves/s (the case reports no reservesPerSecond)');
  });

  it('prints nothing without a Redis peer in the run', () => {
    expect(reserveRatioLines(buildRows([run('engine-uniform', 400_000, { reservesPerSecond: 200_000 })]))).toEqual([]);
  });
});

describe('bench suite: busy µs per op by thread', () => {
  it("prints each engine case's caller and shard figures and its projection", () => {
    const lines = cpuLines(
      buildRows([
        run('engine-uniform', 400_000, {
          callerUsPerOp: 1.5,
          shardUsPerOp: 2.25,
          callerCpuUsPerOp: 1.2,
          processCpuUsPerOp: 4,
          projectedOpsPerSecond4: 666_667,
          projectedOpsPerSecond8: 666_667,
          projectedOpsPerSecond16: 666_667,
          projectedCpuOpsPerSecond4: 833_333,
          projectedCpuOpsPerSecond8: 833_333,
          projectedCpuOpsPerSecond16: 833_333,
        }),
        run('peer-redis-uniform', 100_000, { reservesPerSecond: 50_000 }),
      ]),
    );
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe(
      '  engine-uniform: caller µs/op 1.50 · shard µs/op 2.25 (CPU µs/op: caller 1.20, process 4.00) → projected ' +
        '4 cores 666,667 · 8 cores 666,667 · 16 cores 666,667; from CPU time 833,333 · 833,333 · 833,333 ops/s',
    );
  });
});
