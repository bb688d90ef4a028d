import { UNIFORM_MIX_OPS_PER_SECOND_GOAL } from '../harness/targets.js';
import type { SuiteCase } from '../harness/types.js';
import { ENGINE_SHARDS, measured, runUniformOnEngine, throughputAndRedisTargets } from '../harness/measurement.js';

/** The engine's goal against Redis + Lua on the same workload. */
export const ENGINE_REDIS_RATIO_GOAL = 8;

/** bench:engine (a): reserve 1 unit of a uniform SKU, then commit or release it, 2 worker shards. */
export const engineUniform: SuiteCase = {
  name: 'engine-uniform',
  group: 'engine',
  summary:
    'embedded engine, 2 worker shards: reserve 1 unit of a uniform SKU of 10k, then commit|release (50:50); every call one op',
  unit: 'ops/s',
  ceiling: 'ceiling-transport-2',
  references: ['ceiling-ledger-loop'],
  peers: ['peer-redis-uniform', 'peer-postgres-uniform'],
  targets: throughputAndRedisTargets(UNIFORM_MIX_OPS_PER_SECOND_GOAL, {
    peerCase: 'peer-redis-uniform',
    ratio: ENGINE_REDIS_RATIO_GOAL,
    label: 'Redis + Lua',
  }),
  run: async ({ profile }) => measured(await runUniformOnEngine(profile, ENGINE_SHARDS)),
};
