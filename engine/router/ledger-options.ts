import type { ResolvedOptions } from '../api/options.js';
import type { LedgerOptions } from '../ledger/ledger.js';

/** What each shard's ledger (or the in-thread one) is built with. */
export function ledgerOptionsOf(options: ResolvedOptions): LedgerOptions {
  return {
    locationOrder: options.locationOrder,
    strategy: options.strategy,
    locationCosts: options.locationCosts,
    maxLiveHolds: options.maxLiveHoldsPerShard,
    retainedOutcomes: options.retainedOutcomesPerShard,
    retainedOutcomeBytes: options.retainedOutcomeBytesPerShard,
    maxSkus: options.maxSkusPerShard,
    maxPositions: options.maxPositionsPerShard,
    outcomeRetentionMs: options.outcomeRetentionMs,
    syncHorizonMs: options.syncHorizonMs,
    syncMovementsPerPositionMax: options.syncMovementsPerPositionMax,
  };
}
