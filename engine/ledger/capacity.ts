import { refuse, type Refusal } from '../api/errors.js';
import type { SkuState } from './sku-state.js';

/** How many SKUs and positions one ledger (shard) may keep: maxSkusPerShard, maxPositionsPerShard. */
export interface CapacityLimits {
  maxSkus: number;
  maxPositions: number;
}

/**
 * Whether an operation may create `sku` (and, with a location, the position sku@location):
 * null when they exist or fit, else LIMIT_REACHED naming `field` and the limit. Checked before
 * anything changes; the ledger asserts it again where SKUs and positions are created.
 */
export function roomFor(
  skus: ReadonlyMap<string, SkuState>,
  positions: number,
  limits: CapacityLimits,
  field: string,
  sku: string,
  location: string | null,
): Refusal | null {
  const state = skus.get(sku);
  if (state === undefined && skus.size >= limits.maxSkus) {
    return refuse.limitReached(
      `${field}: sku '${sku}' would be new, and this shard already keeps ${skus.size} SKUs (maxSkusPerShard)`,
    );
  }
  if (location !== null && state?.position(location) === undefined && positions >= limits.maxPositions) {
    return refuse.limitReached(
      `${field}: ${sku}@${location} would be a new position, and this ` +
        `shard already keeps ${positions} positions (maxPositionsPerShard)`,
    );
  }
  return null;
}
