import { Hold } from '../../engine/ledger/hold.js';
import { benchLedger } from '../load/engine-options.js';
import { BENCH_LOCATION, HOLD_TTL_MS, MIX_CHANNEL } from '../load/stock.js';

export interface MemoryPlan {
  /** SKUs received, one position (one location) each. */
  skus: number;
  /** Live holds of 1 unit added afterwards, spread over the SKUs round-robin. */
  holds: number;
}

export interface MemoryFigures {
  skus: number;
  holds: number;
  heapBytesBaseline: number;
  heapBytesAfterPositions: number;
  heapBytesAfterHolds: number;
  bytesPerPosition: number;
  bytesPerLiveHold: number;
  positionsCounted: number;
  liveHoldsCounted: number;
  refused: number;
  loadMs: number;
  holdMs: number;
}

/** SKU names are made on the fly (not kept in an array here), so the engine's own copy is what the heap holds. */
function skuName(index: number): string {
  return `SKU-${String(index).padStart(7, '0')}`;
}

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('the memory case needs node --expose-gc');
  gc();
  gc();
}

function heapUsedAfterGc(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

/**
 * Heap per position and per live hold in the ledger a shard (or the in-thread engine) keeps,
 * built with the engine's options for the bench's limits: heap used after a full GC, before and
 * after receiving `skus` SKUs at one location, then after `holds` reserves of 1 unit (live:
 * never committed or released). The ledger is driven directly (no promise per op), so loading
 * 1M SKUs takes seconds; the engine wraps this same ledger. Needs --expose-gc.
 */
export function measureMemory(plan: MemoryPlan): MemoryFigures {
  const ledger = benchLedger();
  const heapBytesBaseline = heapUsedAfterGc();
  const loadStartMs = performance.now();
  let refused = 0;
  for (let index = 0; index < plan.skus; index++) {
    if (!ledger.receive(skuName(index), BENCH_LOCATION, 1_000).ok) refused += 1;
  }
  ledger.events.length = 0;
  const loadMs = performance.now() - loadStartMs;
  const heapBytesAfterPositions = heapUsedAfterGc();
  const holdStartMs = performance.now();
  for (let index = 0; index < plan.holds; index++) {
    const hold = ledger.reserve(`hold-${String(index).padStart(8, '0')}`, MIX_CHANNEL, HOLD_TTL_MS, [
      { sku: skuName(index % plan.skus), qty: 1 },
    ]);
    if (!(hold instanceof Hold)) refused += 1;
  }
  ledger.events.length = 0;
  const holdMs = performance.now() - holdStartMs;
  const heapBytesAfterHolds = heapUsedAfterGc();
  const counters = ledger.counters();
  return {
    skus: plan.skus,
    holds: plan.holds,
    heapBytesBaseline,
    heapBytesAfterPositions,
    heapBytesAfterHolds,
    bytesPerPosition: (heapBytesAfterPositions - heapBytesBaseline) / plan.skus,
    bytesPerLiveHold: plan.holds > 0 ? (heapBytesAfterHolds - heapBytesAfterPositions) / plan.holds : 0,
    positionsCounted: counters.positions,
    liveHoldsCounted: counters.liveHolds,
    refused,
    loadMs,
    holdMs,
  };
}
