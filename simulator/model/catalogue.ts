import { invariant } from '../../shared/invariant.js';
import type { Catalogue } from '../scenario/schema.js';

/** One SKU of a run: its name, price and opening stock per location. */
export interface SkuSpec {
  index: number;
  sku: string;
  priceCents: number;
  hot: boolean;
  /** location index → opening units (0 where the SKU is not stocked). */
  openingUnits: number[];
}

/**
 * The SKUs and locations of a run. Positions (SKU × location) are numbered
 * `skuIndex * locations.length + locationIndex`, so per-position state lives in flat arrays.
 */
export interface RunCatalogue {
  skus: SkuSpec[];
  locations: string[];
  hotSkus: SkuSpec[];
  coldSkus: SkuSpec[];
  skuIndexOf: Map<string, number>;
  locationIndexOf: Map<string, number>;
}

export function positionOf(catalogue: RunCatalogue, skuIndex: number, locationIndex: number): number {
  return skuIndex * catalogue.locations.length + locationIndex;
}

function unitsAt(stock: Record<string, number>, locations: string[]): number[] {
  return locations.map((location) => stock[location] ?? 0);
}

/** SKUs named `<prefix>-00000`…; the first `hot.count` are the scarce ones. */
export function buildCatalogue(spec: Catalogue, prefix: string = spec.prefix): RunCatalogue {
  const locations = [...new Set([...Object.keys(spec.stock), ...Object.keys(spec.hot?.stock ?? {})])];
  invariant(locations.length > 0, 'a catalogue needs at least one location');
  const hotCount = spec.hot?.count ?? 0;
  const width = Math.max(5, String(spec.skuCount - 1).length);
  const skus: SkuSpec[] = [];
  for (let index = 0; index < spec.skuCount; index++) {
    const hot = index < hotCount;
    skus.push({
      index,
      sku: `${prefix}-${String(index).padStart(width, '0')}`,
      priceCents: hot && spec.hot !== null ? spec.hot.priceCents : spec.priceCents,
      hot,
      openingUnits: unitsAt(hot && spec.hot !== null ? spec.hot.stock : spec.stock, locations),
    });
  }
  return {
    skus,
    locations,
    hotSkus: skus.slice(0, hotCount),
    coldSkus: skus.slice(hotCount),
    skuIndexOf: new Map(skus.map((s) => [s.sku, s.index])),
    locationIndexOf: new Map(locations.map((location, index) => [location, index])),
  };
}
