import type { SuiteCase } from '../harness/types.js';
import { engineMeasurement } from './engine-measurement.js';
import { throughputAndRedisTargets } from '../harness/targets.js';
import { ENGINE_SHARDS, UNIFORM_UNITS_PER_SKU, uniformSkus } from '../load/uniform-workload.js';
import { runReserveMany } from './reserve-many.js';

/** Issue 14's target for reserveMany on this machine class, and against Redis at server capacity. */
const RESERVE_MANY_RESERVES_PER_SECOND_GOAL = 2_500_000;
const RESERVE_MANY_REDIS_RATIO_GOAL = 10;
/** Requests per reserveMany call (the measurement used 10,000). */
const RESERVES_PER_CALL = 10_000;

/**
 * The uniform mix through the many-calls, 2 worker shards: each window one reserveMany of 10,000
 * single-unit requests on uniform SKUs of 10k, plus one commitMany and one releaseMany of the last
 * window's holds. The figure counts reserves only (the settles run in the same time, uncounted):
 * reserves per second, like Redis's EVALSHA of the check-and-decrement.
 */
export const engineReserveMany: SuiteCase = {
  name: 'engine-reserve-many',
  group: 'engine',
  summary:
    'embedded engine, 2 worker shards: reserveMany of 10,000 uniform single-unit requests per call, ' +
    "then commitMany|releaseMany of the last call's holds; counts reserves",
  unit: 'reserves/s',
  ceiling: 'ceiling-transport-2',
  references: ['ceiling-ledger-loop'],
  peers: ['peer-redis-uniform'],
  targets: throughputAndRedisTargets(
    RESERVE_MANY_RESERVES_PER_SECOND_GOAL,
    { peerCase: 'peer-redis-uniform', ratio: RESERVE_MANY_REDIS_RATIO_GOAL, label: 'Redis + Lua (ioredis)' },
    'reserves/s',
  ),
  run: async ({ profile }) =>
    engineMeasurement(
      await runReserveMany({
        shards: ENGINE_SHARDS,
        skus: uniformSkus(),
        unitsPerSku: UNIFORM_UNITS_PER_SKU,
        reservesPerCall: RESERVES_PER_CALL,
        lanes: 2,
        warmupMs: profile.warmupMs,
        durationMs: profile.durationMs,
      }),
      'all-shards',
    ),
};
