import { runSoaLoop } from './soa-loop.js';
import type { SuiteCase } from '../harness/types.js';
import { engineLoad } from '../engine/engine-load.js';
import { measured } from '../harness/measurement.js';
import { UNIFORM_UNITS_PER_SKU, uniformSkus } from '../load/uniform-workload.js';

/** A minimal struct-of-arrays ledger in the ledger loop's loop: the reference the Ledger class is judged against. */
export const ceilingSoaLoop: SuiteCase = {
  name: 'ceiling-soa-loop',
  group: 'ceiling',
  summary:
    'a minimal struct-of-arrays ledger (Map id → slot, typed-array columns, free list, interned SKUs, ' +
    "no features) in the ledger loop's synchronous loop, the same uniform mix: the ledger loop's reference",
  unit: 'ops/s',
  run: async ({ profile }) => {
    const load = engineLoad(profile);
    return measured(
      runSoaLoop({
        skus: uniformSkus(),
        unitsPerSku: UNIFORM_UNITS_PER_SKU,
        reservesPerWindow: load.windowOps / 2,
        warmupMs: load.warmupMs,
        durationMs: load.durationMs,
        latencySampleEvery: load.latencySampleEvery,
      }),
    );
  },
};
