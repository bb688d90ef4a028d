import { hotSkuPlan } from './engine-load.js';
import { runHotSku } from './hot-sku.js';
import { HOT_SKU_ATTEMPTS_PER_SECOND_GOAL } from '../harness/targets.js';
import type { SuiteCase } from '../harness/types.js';
import { ENGINE_SHARDS, engineLoad, measured, throughputAndRedisTargets } from '../harness/measurement.js';
import { ENGINE_REDIS_RATIO_GOAL } from './engine-uniform.case.js';

/** bench:engine (b): one SKU, N units, 2N reserve attempts; exactly N accepted. */
export const engineHotSku: SuiteCase = {
  name: 'engine-hot-sku',
  group: 'engine',
  summary:
    'embedded engine, 2 worker shards: one hot SKU with N units, 2N reserve attempts of 1 unit; checks exactly N accepted',
  unit: 'attempts/s',
  ceiling: 'ceiling-transport-2',
  peers: ['peer-redis-hot', 'peer-postgres-hot'],
  targets: throughputAndRedisTargets(
    HOT_SKU_ATTEMPTS_PER_SECOND_GOAL,
    { peerCase: 'peer-redis-hot', ratio: ENGINE_REDIS_RATIO_GOAL, label: 'Redis + Lua' },
    'attempts/s',
  ),
  run: async ({ profile }) =>
    measured(await runHotSku(hotSkuPlan(ENGINE_SHARDS, profile.hotUnits, engineLoad(profile)))),
};
