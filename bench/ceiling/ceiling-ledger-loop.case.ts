import { runLedgerLoop } from './ledger-loop.js';
import type { SuiteCase } from '../harness/types.js';
import { engineLoad } from '../engine/engine-load.js';
import { measured } from '../harness/measurement.js';
import { atLeast, timesText } from '../harness/targets.js';
import type { SuiteTarget } from '../harness/types.js';
import { UNIFORM_UNITS_PER_SKU, uniformSkus } from '../load/uniform-workload.js';

/** The struct-of-arrays reference the ledger loop is judged against. */
const SOA_REFERENCE = 'ceiling-soa-loop';
/** The ledger loop's goal: at least this share of the reference's throughput. */
const SOA_RATIO_GOAL = 0.8;

function soaTarget(own: number, reference: number | undefined): SuiteTarget {
  const name = `÷ struct-of-arrays reference (${SOA_REFERENCE})`;
  if (reference === undefined || reference <= 0)
    return { name, goal: `>= ${timesText(SOA_RATIO_GOAL)}`, measured: 'reference not measured in this run', met: null };
  return atLeast(name, SOA_RATIO_GOAL, own / reference, timesText);
}

/** The ledger class in a plain synchronous loop: the ceiling of the shards: 0 path, a reference for the rest. */
export const ceilingLedgerLoop: SuiteCase = {
  name: 'ceiling-ledger-loop',
  group: 'ceiling',
  summary:
    'the Ledger class driven directly in a loop (no router, ' +
    'promises, validation or threads), uniform mix over 10k SKUs',
  unit: 'ops/s',
  references: [SOA_REFERENCE],
  targets: (own, lookup) => [soaTarget(own.opsPerSecond, lookup(SOA_REFERENCE)?.opsPerSecond)],
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
