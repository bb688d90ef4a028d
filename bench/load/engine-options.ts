import { resolveOptions } from '../../engine/api/options.js';
import type { EngineOptions } from '../../engine/index.js';
import { Ledger } from '../../engine/ledger/ledger.js';
import { ledgerOptionsOf } from '../../engine/router/ledger-options.js';

/**
 * Engine options for throughput cases: every limit set far above what the case can reach,
 * so the figures measure the engine's work, not its refusals.
 */
export function benchEngineOptions(shards: number): EngineOptions {
  return {
    shards,
    maxInFlightOpsPerShard: 4_000_000,
    onOverload: 'reject',
    maxLiveHoldsPerShard: 20_000_000,
    retainedOutcomesPerShard: 20_000_000,
    expirySweepIntervalMs: 1000,
  };
}

/**
 * The ledger a shard keeps, built with the bench's engine options, for the cases that drive it directly; its clock at
 * now.
 */
export function benchLedger(): Ledger {
  const ledger = new Ledger(ledgerOptionsOf(resolveOptions(benchEngineOptions(0))));
  ledger.advance(Date.now());
  return ledger;
}
