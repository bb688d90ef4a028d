import { engineLoad, hotSkuPlan } from './engine-load.js';
import { runHotSku } from './hot-sku.js';
import { engineMeasurement } from './engine-measurement.js';
import type { SuiteCase } from '../harness/types.js';
import { throughputAndRedisTargets } from '../harness/targets.js';
import { ENGINE_SHARDS } from '../load/uniform-workload.js';
import { ENGINE_REDIS_RATIO_GOAL } from './engine-uniform.case.js';

const HOT_SKU_ATTEMPTS_PER_SECOND_GOAL = 1_000_000;

/** One SKU, N units, 2N reserve attempts; exactly N accepted. */
export const engineHotSku: SuiteCase = {
  name: 'engine-hot-sku',
  group: 'engine',
  summary:
    'embedded engine, 2 worker shards: one hot SKU with N units, ' +
    '2N reserve attempts of 1 unit; checks exactly N accepted',
  unit: 'attempts/s',
  ceiling: 'ceiling-transport-2',
  peers: ['peer-redis-hot', 'peer-postgres-hot'],
  targets: throughputAndRedisTargets(
    HOT_SKU_ATTEMPTS_PER_SECOND_GOAL,
    { peerCase: 'peer-redis-hot', ratio: ENGINE_REDIS_RATIO_GOAL, label: 'Redis + Lua' },
    'attempts/s',
  ),
  run: async ({ profile }) =>
    engineMeasurement(await runHotSku(hotSkuPlan(ENGINE_SHARDS, profile.hotUnits, engineLoad(profile))), 'one-shard'),
};
