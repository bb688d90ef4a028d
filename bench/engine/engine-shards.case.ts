import type { SuiteCase } from '../harness/types.js';
import { runUniformOnEngine } from './engine-load.js';
import { engineMeasurement } from './engine-measurement.js';

/**
 * The uniform mix at another shard count (engine-uniform is 2): how throughput scales. Shards 0
 * is the in-thread engine (its ceiling: the ledger loop); N ≥ 1 worker shards (ceiling: the
 * transport with N workers).
 */
export function engineShards(shards: number): SuiteCase {
  return {
    name: `engine-shards-${shards}`,
    group: 'engine',
    summary:
      shards === 0
        ? 'the uniform mix on the in-thread engine (shards: 0: ledger on the calling thread, promises, validation)'
        : `the uniform mix with ${shards} worker shard${shards === 1 ? '' : 's'} (scaling; engine-uniform is 2)`,
    unit: 'ops/s',
    ceiling: shards === 0 ? 'ceiling-ledger-loop' : `ceiling-transport-${shards}`,
    references: shards === 0 ? [] : ['ceiling-ledger-loop'],
    run: async ({ profile }) => engineMeasurement(await runUniformOnEngine(profile, shards), 'all-shards'),
  };
}
