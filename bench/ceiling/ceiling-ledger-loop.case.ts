import { runLedgerLoop } from './ledger-loop.js';
import type { SuiteCase } from '../harness/types.js';
import { engineLoad } from '../engine/engine-load.js';
import { measured } from '../harness/measurement.js';
import { UNIFORM_UNITS_PER_SKU, uniformSkus } from '../load/uniform-workload.js';

/** The ledger class in a plain synchronous loop: the ceiling of the shards: 0 path, a reference for the rest. */
export const ceilingLedgerLoop: SuiteCase = {
  name: 'ceiling-ledger-loop',
  group: 'ceiling',
  summary:
    'the Ledger class driven directly in a loop (no router, ' +
    'promises, validation or threads), uniform mix over 10k SKUs',
  unit: 'ops/s',
  run: async ({ profile }) => {
    const load = engineLoad(profile);
    const result = runLedgerLoop({
      skus: uniformSkus(),
      unitsPerSku: UNIFORM_UNITS_PER_SKU,
      reservesPerWindow: load.windowOps / 2,
      warmupMs: load.warmupMs,
      durationMs: load.durationMs,
      latencySampleEvery: load.latencySampleEvery,
    });
    return measured(result);
  },
};
