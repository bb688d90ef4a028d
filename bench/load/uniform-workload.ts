import { skuNames } from './stock.js';

/** Every uniform case (engine, gateway, journal, peers) spreads its load over these 10,000 SKUs. */
export const SKU_COUNT = 10_000;
/** Units each SKU of the uniform cases receives: far more than a run can reserve, so nothing is refused for stock. */
export const UNIFORM_UNITS_PER_SKU = 1_000_000;
/** The engine's shard count in every case but the scaling ones: one worker per core on the 2-core reference machine. */
export const ENGINE_SHARDS = 2;

export function uniformSkus(): string[] {
  return skuNames(SKU_COUNT);
}
