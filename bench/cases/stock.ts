import type { Engine } from '../../engine/index.js';

const RECEIVES_IN_FLIGHT_MAX = 4096;

/** Receives `qty` units of every SKU at `location`; throws if any receive is refused. */
export async function receiveStock(engine: Engine, skus: readonly string[], location: string, qty: number): Promise<void> {
  for (let start = 0; start < skus.length; start += RECEIVES_IN_FLIGHT_MAX) {
    const chunk = skus.slice(start, start + RECEIVES_IN_FLIGHT_MAX);
    const results = await Promise.all(chunk.map((sku) => engine.receive({ sku, location, qty })));
    const refusal = results.find((result) => !result.ok);
    if (refusal !== undefined) throw new Error(`receive refused during setup: ${JSON.stringify(refusal)}`);
  }
}

export function skuNames(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `SKU-${String(index).padStart(5, '0')}`);
}
