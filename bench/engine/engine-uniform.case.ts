import type { SuiteCase } from '../harness/types.js';
import { throughputAndRedisTargets } from '../harness/targets.js';
import { ENGINE_SHARDS } from '../load/uniform-workload.js';
import { runUniformOnEngine } from './engine-load.js';
import { engineMeasurement } from './engine-measurement.js';

const UNIFORM_MIX_OPS_PER_SECOND_GOAL = 1_500_000;

/** The engine's goal against Redis + Lua on the same workload. */
export const ENGINE_REDIS_RATIO_GOAL = 8;

/** Reserve 1 unit of a uniform SKU, then commit or release it, 2 worker shards. */
export const engineUniform: SuiteCase = {
  name: 'engine-uniform',
  group: 'engine',
  summary:
    'embedded engine, 2 worker shards: reserve 1 unit of a uniform ' +
    'SKU of 10k, then commit|release (50:50); every call one op',
  unit: 'ops/s',
  ceiling: 'ceiling-transport-2',
  references: ['ceiling-ledger-loop'],
  peers: ['peer-redis-uniform', 'peer-postgres-uniform'],
  targets: throughputAndRedisTargets(UNIFORM_MIX_OPS_PER_SECOND_GOAL, {
    peerCase: 'peer-redis-uniform',
    ratio: ENGINE_REDIS_RATIO_GOAL,
    label: 'Redis + Lua',
  }),
  run: async ({ profile }) => engineMeasurement(await runUniformOnEngine(profile, ENGINE_SHARDS), 'all-shards'),
};
