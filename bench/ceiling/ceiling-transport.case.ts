import { runTransportCeiling } from './transport-ceiling.js';
import type { SuiteCase } from '../harness/types.js';
import { engineLoad, transportCeilingPlan } from '../engine/engine-load.js';
import { measured } from '../harness/measurement.js';
import { uniformSkus } from '../load/uniform-workload.js';

/**
 * msgpackr batches echoed by `shards` workers with the engine's transport policy, no ledger: the ceiling of a sharded
 * engine.
 */
export function ceilingTransport(shards: number): SuiteCase {
  return {
    name: `ceiling-transport-${shards}`,
    group: 'ceiling',
    summary:
      `msgpackr batches echoed through ${shards} piscina worker${shards === 1 ? '' : 's'} ` +
      `with the engine's batching policy, no ledger work`,
    unit: 'ops/s',
    run: async ({ profile }) =>
      measured(await runTransportCeiling(transportCeilingPlan(shards, uniformSkus(), engineLoad(profile)))),
  };
}
