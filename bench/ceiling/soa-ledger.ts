import { invariant } from '../../shared/invariant.js';

/** A reserve's answer: held, refused for stock, or refused as a hold id already held. */
export const SOA_HELD = 0;
export const SOA_SOLD_OUT = 1;
export const SOA_DUPLICATE = 2;
export type SoaReserveOutcome = typeof SOA_HELD | typeof SOA_SOLD_OUT | typeof SOA_DUPLICATE;

const SLOT_FREE = 0;
const SLOT_HELD = 1;
const INITIAL_SLOTS = 4096;

/**
 * The least a ledger can do for the uniform mix, as a reference: SKUs interned to indexes with their quantities in
 * Int32Array columns, holds in slots of Int32Array / Float64Array / Uint8Array columns (SKU, quantity, deadline,
 * status) reached by a Map from hold id, freed slots reused from a free list. One line per hold, one location, no
 * channels, events, journal, expiry sweep or validation: none of the features the engine's Ledger has.
 */
export class SoaLedger {
  readonly #skuIndex = new Map<string, number>();
  readonly available: Int32Array;
  readonly reserved: Int32Array;
  readonly committed: Int32Array;
  readonly #slotOfHold = new Map<string, number>();
  #holdSku = new Int32Array(INITIAL_SLOTS);
  #holdQty = new Int32Array(INITIAL_SLOTS);
  #holdDeadlineMs = new Float64Array(INITIAL_SLOTS);
  #holdStatus = new Uint8Array(INITIAL_SLOTS);
  #free = new Int32Array(INITIAL_SLOTS);
  #freeCount = 0;
  #slotsUsed = 0;

  /** `skus` interned in order, each with `unitsPerSku` available. */
  constructor(skus: readonly string[], unitsPerSku: number) {
    invariant(Number.isInteger(unitsPerSku) && unitsPerSku >= 0 && unitsPerSku <= 0x7fffffff, 'units fit an Int32');
    this.available = new Int32Array(skus.length).fill(unitsPerSku);
    this.reserved = new Int32Array(skus.length);
    this.committed = new Int32Array(skus.length);
    for (const [index, sku] of skus.entries()) this.#skuIndex.set(sku, index);
    invariant(this.#skuIndex.size === skus.length, 'SKU names are unique');
  }

  get liveHolds(): number {
    return this.#slotOfHold.size;
  }

  reserve(id: string, sku: string, qty: number, deadlineMs: number): SoaReserveOutcome {
    if (this.#slotOfHold.has(id)) return SOA_DUPLICATE;
    const skuIndex = this.#skuIndex.get(sku);
    invariant(skuIndex !== undefined, `unknown SKU ${sku}`);
    const available = this.available[skuIndex] as number;
    if (available < qty) return SOA_SOLD_OUT;
    this.available[skuIndex] = available - qty;
    this.reserved[skuIndex] = (this.reserved[skuIndex] as number) + qty;
    const slot = this.#takeSlot();
    this.#holdSku[slot] = skuIndex;
    this.#holdQty[slot] = qty;
    this.#holdDeadlineMs[slot] = deadlineMs;
    this.#holdStatus[slot] = SLOT_HELD;
    this.#slotOfHold.set(id, slot);
    return SOA_HELD;
  }

  /** Commits (the units leave) or releases (they return to available) a live hold; false when there is none. */
  settle(id: string, commit: boolean): boolean {
    const slot = this.#slotOfHold.get(id);
    if (slot === undefined) return false;
    invariant(this.#holdStatus[slot] === SLOT_HELD, `hold ${id}'s slot ${slot} is live`);
    const skuIndex = this.#holdSku[slot] as number;
    const qty = this.#holdQty[slot] as number;
    this.reserved[skuIndex] = (this.reserved[skuIndex] as number) - qty;
    if (commit) this.committed[skuIndex] = (this.committed[skuIndex] as number) + qty;
    else this.available[skuIndex] = (this.available[skuIndex] as number) + qty;
    this.#holdStatus[slot] = SLOT_FREE;
    this.#slotOfHold.delete(id);
    this.#free[this.#freeCount++] = slot;
    return true;
  }

  #takeSlot(): number {
    if (this.#freeCount > 0) return this.#free[--this.#freeCount] as number;
    if (this.#slotsUsed === this.#holdSku.length) this.#grow();
    return this.#slotsUsed++;
  }

  #grow(): void {
    const size = this.#holdSku.length * 2;
    const grown = <T extends Int32Array | Float64Array | Uint8Array>(column: T, make: (n: number) => T): T => {
      const next = make(size);
      next.set(column);
      return next;
    };
    this.#holdSku = grown(this.#holdSku, (n) => new Int32Array(n));
    this.#holdQty = grown(this.#holdQty, (n) => new Int32Array(n));
    this.#holdDeadlineMs = grown(this.#holdDeadlineMs, (n) => new Float64Array(n));
    this.#holdStatus = grown(this.#holdStatus, (n) => new Uint8Array(n));
    this.#free = grown(this.#free, (n) => new Int32Array(n));
  }
}
