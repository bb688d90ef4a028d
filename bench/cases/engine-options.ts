import type { EngineOptions } from '../../engine/index.js';

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
