import { check } from '../harness/case-result.js';
import { measureMemory } from './memory.js';
import type { SuiteCase, SuiteTarget } from '../harness/types.js';
import { measured, oneRunResult } from '../harness/measurement.js';

/** Issue 14's goals (they were 300 and 400). */
const BYTES_PER_POSITION_GOAL = 200;
const BYTES_PER_LIVE_HOLD_GOAL = 150;

function atMost(name: string, goal: number, measuredValue: number | undefined): SuiteTarget {
  if (measuredValue === undefined) return { name, goal: `<= ${goal} B`, measured: 'not measured', met: null };
  return { name, goal: `<= ${goal} B`, measured: `${Math.round(measuredValue)} B`, met: measuredValue <= goal };
}

/** Heap per position (1M SKUs, one position each) and per live hold, in an in-thread engine, after full GCs. */
export const memory: SuiteCase = {
  name: 'memory',
  group: 'memory',
  summary:
    'the ledger a shard keeps (engine options): heap after GC per ' +
    'position with 1M SKUs loaded (one position each), then per live hold',
  unit: 'positions/s',
  nodeArgs: ['--expose-gc', '--max-old-space-size=8192'],
  figure: ({ metrics }) =>
    `${Math.round(metrics?.bytesPerPosition ?? 0)} B/position · ` +
    `${Math.round(metrics?.bytesPerLiveHold ?? 0)} B/live hold`,
  targets: (own) => [
    atMost('bytes per position', BYTES_PER_POSITION_GOAL, own.metrics.bytesPerPosition),
    atMost('bytes per live hold', BYTES_PER_LIVE_HOLD_GOAL, own.metrics.bytesPerLiveHold),
  ],
  run: async ({ profile }) => {
    const figures = measureMemory({ skus: profile.memorySkus, holds: profile.memoryHolds });
    return measured(
      oneRunResult({
        name: 'memory',
        description:
          `${figures.skus} SKUs received at one location, then ${figures.holds} live holds ` +
          `of 1 unit; heapUsed after global.gc() each time (the ledger driven directly)`,
        ops: figures.skus,
        elapsedMs: figures.loadMs,
        latencyMeasures: 'none',
        checks: [
          check('refused receives and reserves', 0, figures.refused),
          check('positions (ledger counters)', figures.skus, figures.positionsCounted),
          check('live holds (ledger counters)', figures.holds, figures.liveHoldsCounted),
        ],
        details: {
          heapBytesBaseline: figures.heapBytesBaseline,
          heapBytesAfterPositions: figures.heapBytesAfterPositions,
          heapBytesAfterHolds: figures.heapBytesAfterHolds,
          holdMs: Math.round(figures.holdMs),
        },
      }),
      {
        metrics: {
          bytesPerPosition: Math.round(figures.bytesPerPosition),
          bytesPerLiveHold: Math.round(figures.bytesPerLiveHold),
          skus: figures.skus,
          liveHolds: figures.holds,
        },
      },
    );
  },
};
