import type { LedgerCounters, ReturnsStats } from '../api/types.js';

/** The engine-wide returns figures from every shard's ledger counters. */
export function returnsStatsOf(counters: readonly LedgerCounters[]): ReturnsStats {
  const restocked = counters.reduce((sum, c) => sum + c.returnsRestocked, 0);
  const totalMs = counters.reduce((sum, c) => sum + c.returnsReconcileMsTotal, 0);
  return {
    restocked,
    reconcileMsMean: restocked === 0 ? 0 : totalMs / restocked,
    reconcileMsMax: counters.reduce((max, c) => Math.max(max, c.returnsReconcileMsMax), 0),
  };
}
