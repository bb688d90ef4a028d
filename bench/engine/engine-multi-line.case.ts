import type { SuiteCase } from '../harness/types.js';
import { measured } from '../harness/measurement.js';
import { ENGINE_SHARDS } from '../load/uniform-workload.js';
import { runUniformOnEngine } from './engine-load.js';

const LINES = 2;

/**
 * The uniform mix with 2-line holds, one line on each shard: every reserve, commit and release is a cross-shard
 * all-or-nothing.
 */
export const engineMultiLine: SuiteCase = {
  name: 'engine-multi-line',
  group: 'engine',
  summary:
    `embedded engine, 2 worker shards: the uniform mix with ${LINES}-line holds, ` +
    `one line on each shard (cross-shard all-or-nothing); one hold = one op`,
  unit: 'ops/s',
  ceiling: 'ceiling-transport-2',
  references: ['ceiling-ledger-loop'],
  run: async ({ profile }) => {
    const result = await runUniformOnEngine(profile, ENGINE_SHARDS, LINES);
    result.name = 'engine-multi-line';
    return measured(result);
  },
};
