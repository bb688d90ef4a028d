import { defined, invariant } from '../../shared/invariant.js';
import { positionOf, type RunCatalogue } from './catalogue.js';

const SKU = 'a SKU of the catalogue';
const POSITION = 'a position of the catalogue';

/**
 * The physical truth of a run, kept apart from every strategy's records: units on the shelf per
 * position, units promised to paid orders not yet shipped per SKU, and what the strategy's system
 * records as on hand. Oversell is judged against this, never against a strategy's own numbers.
 * Accuracy and sellable units are kept incrementally (O(1) per change), so a sample costs nothing.
 */
export class Shelf {
  private readonly units: Float64Array;
  private readonly recorded: Float64Array;
  private readonly tracked: Uint8Array;
  private readonly skuUnits: Float64Array;
  private readonly promised: Float64Array;
  private readonly trackedCount: number;
  private mismatched = 0;
  private sellable = 0;

  constructor(private readonly catalogue: RunCatalogue) {
    const positions = catalogue.skus.length * catalogue.locations.length;
    this.units = new Float64Array(positions);
    this.recorded = new Float64Array(positions);
    this.tracked = new Uint8Array(positions);
    this.skuUnits = new Float64Array(catalogue.skus.length);
    this.promised = new Float64Array(catalogue.skus.length);
    let trackedCount = 0;
    for (const sku of catalogue.skus) {
      sku.openingUnits.forEach((opening, location) => {
        const position = positionOf(catalogue, sku.index, location);
        this.units[position] = opening;
        this.recorded[position] = opening;
        if (opening > 0) this.tracked[position] = 1;
        trackedCount += opening > 0 ? 1 : 0;
      });
      const openingUnits = sku.openingUnits.reduce((sum, units) => sum + units, 0);
      this.skuUnits[sku.index] = openingUnits;
      this.sellable += openingUnits;
    }
    this.trackedCount = trackedCount;
  }

  unitsAt(position: number): number {
    return defined(this.units[position], POSITION);
  }

  /** Ships `qty` from a position; false (and nothing taken) when the shelf has fewer. */
  take(skuIndex: number, position: number, qty: number): boolean {
    if (this.unitsAt(position) < qty) return false;
    this.changeUnits(skuIndex, position, -qty);
    return true;
  }

  put(skuIndex: number, position: number, qty: number): void {
    this.changeUnits(skuIndex, position, qty);
  }

  /** Units of a SKU promised to a paid order (+) or no longer promised (−). */
  promise(skuIndex: number, qty: number): void {
    const before = this.sellableOf(skuIndex);
    const promised = defined(this.promised[skuIndex], SKU) + qty;
    this.promised[skuIndex] = promised;
    invariant(promised >= 0, 'more units unpromised than were promised');
    this.sellable += this.sellableOf(skuIndex) - before;
  }

  /** What the strategy's system records as on hand at a position. */
  record(position: number, onHand: number): void {
    if (this.tracked[position] === 1) this.mismatched -= this.mismatchAt(position);
    this.recorded[position] = onHand;
    if (this.tracked[position] === 1) this.mismatched += this.mismatchAt(position);
  }

  /** Share of stocked positions whose record equals the shelf, 0..1. */
  accuracy(): number {
    return this.trackedCount === 0 ? 1 : 1 - this.mismatched / this.trackedCount;
  }

  /** Units on shelves not promised to a paid order, over every SKU. */
  sellableUnits(): number {
    return this.sellable;
  }

  /** The shelf's count of every stocked position (what an ERP count sees). */
  count(): { position: number; skuIndex: number; locationIndex: number; units: number }[] {
    const width = this.catalogue.locations.length;
    const counted = [];
    for (let position = 0; position < this.units.length; position++) {
      if (this.tracked[position] === 1) {
        counted.push({
          position,
          skuIndex: Math.floor(position / width),
          locationIndex: position % width,
          units: this.unitsAt(position),
        });
      }
    }
    return counted;
  }

  private changeUnits(skuIndex: number, position: number, delta: number): void {
    const before = this.sellableOf(skuIndex);
    if (this.tracked[position] === 1) this.mismatched -= this.mismatchAt(position);
    const units = this.unitsAt(position) + delta;
    this.units[position] = units;
    this.skuUnits[skuIndex] = defined(this.skuUnits[skuIndex], SKU) + delta;
    invariant(units >= 0, `position ${position} below zero`);
    if (this.tracked[position] === 1) this.mismatched += this.mismatchAt(position);
    this.sellable += this.sellableOf(skuIndex) - before;
  }

  private mismatchAt(position: number): number {
    return this.units[position] === this.recorded[position] ? 0 : 1;
  }

  private sellableOf(skuIndex: number): number {
    return Math.max(0, defined(this.skuUnits[skuIndex], SKU) - defined(this.promised[skuIndex], SKU));
  }
}
