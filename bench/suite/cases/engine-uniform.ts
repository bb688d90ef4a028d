import { uniformMixPlan } from '../../cases/engine-load.js';
import { runUniformMix } from '../../cases/uniform-mix.js';
import { UNIFORM_MIX_OPS_PER_SECOND_GOAL } from '../../targets.js';
import type { SuiteCase } from '../types.js';
import { ENGINE_SHARDS, engineLoad, measured, peerTarget, throughputTarget, uniformSkus } from './common.js';

/** The engine's goal against Redis + Lua on the same workload. */
export const ENGINE_REDIS_RATIO_GOAL = 8;

/** bench:engine (a): reserve 1 unit of a uniform SKU, then commit or release it, 2 worker shards. */
export const engineUniform: SuiteCase = {
  name: 'engine-uniform',
  group: 'engine',
  summary: 'embedded engine, 2 worker shards: reserve 1 unit of a uniform SKU of 10k, then commit|release (50:50); every call one op',
  unit: 'ops/s',
  ceiling: 'ceiling-transport-2',
  references: ['ceiling-ledger-loop'],
  peers: ['peer-redis-uniform', 'peer-postgres-uniform'],
  targets: (own, lookup) => [
    throughputTarget(own, UNIFORM_MIX_OPS_PER_SECOND_GOAL),
    peerTarget(own, lookup, 'peer-redis-uniform', ENGINE_REDIS_RATIO_GOAL, 'Redis + Lua'),
  ],
  run: async ({ profile }) => {
    const result = await runUniformMix(uniformMixPlan(ENGINE_SHARDS, uniformSkus(), engineLoad(profile)));
    return measured(result);
  },
};
