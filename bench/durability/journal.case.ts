import { journalPolicy, runJournalPolicy } from './policies.js';
import type { SuiteCase } from '../harness/types.js';
import { engineLoad } from '../engine/engine-load.js';
import { measured } from '../harness/measurement.js';
import { ENGINE_SHARDS, uniformSkus } from '../load/uniform-workload.js';

/**
 * The journal's throughput cases: the uniform mix (engine-uniform's workload and driver)
 * journaling every batch under one fsync policy. Its ceiling is engine-uniform: the same run
 * with no journal.
 */
export function journalCase(fsync: 'off' | 'interval' | 'always'): SuiteCase {
  const policy = journalPolicy(`fsync ${fsync}`);
  return {
    name: `journal-fsync-${fsync}`,
    group: 'durability',
    summary:
      `engine-uniform's workload journaling to disk, fsync ` +
      `${fsync}${fsync === 'interval' ? ' (every 100 ms)' : ''}; ceiling: engine-uniform (no journal)`,
    unit: 'ops/s',
    ceiling: 'engine-uniform',
    run: async ({ profile }) => {
      const { result, bytesPerOp } = await runJournalPolicy(policy, {
        shards: ENGINE_SHARDS,
        skus: uniformSkus(),
        load: engineLoad(profile),
      });
      result.name = `journal-fsync-${fsync}`;
      return measured(result, { metrics: { journalBytesPerOp: Number(bytesPerOp.toFixed(1)) } });
    },
  };
}
