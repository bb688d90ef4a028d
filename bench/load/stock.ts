import type { Engine } from '../../engine/index.js';
import type { Ledger } from '../../engine/ledger/ledger.js';

const RECEIVES_IN_FLIGHT_MAX = 4096;

/** The one location every case receives its stock at. */
export const BENCH_LOCATION = 'WH-1';
/** The channel of every hold but the hot SKU's (the uniform mix, the memory case). */
export const MIX_CHANNEL = 'web';
/** Long enough that no hold expires during a case. */
export const HOLD_TTL_MS = 3_600_000;

/** Receives `qty` units of every SKU at `location`; throws if any receive is refused. */
export async function receiveStock(
  engine: Engine,
  skus: readonly string[],
  location: string,
  qty: number,
): Promise<void> {
  for (let start = 0; start < skus.length; start += RECEIVES_IN_FLIGHT_MAX) {
    const chunk = skus.slice(start, start + RECEIVES_IN_FLIGHT_MAX);
    const results = await Promise.all(chunk.map((sku) => engine.receive({ sku, location, qty })));
    const refusal = results.find((result) => !result.ok);
    if (refusal !== undefined) throw new Error(`receive refused during setup: ${JSON.stringify(refusal)}`);
  }
}

/** The same on the ledger driven directly, at BENCH_LOCATION. */
export function receiveLedgerStock(ledger: Ledger, skus: readonly string[], qty: number): void {
  for (const sku of skus) {
    const received = ledger.receive(sku, BENCH_LOCATION, qty);
    if (!received.ok) throw new Error(`receive refused during setup: ${JSON.stringify(received)}`);
  }
}

export function skuNames(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `SKU-${String(index).padStart(5, '0')}`);
}
