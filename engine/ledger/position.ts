import type { PositionView } from '../api/types.js';
import type { MovementLog } from './movement-log.js';
import { RareCounts, WithRareCounts } from './rare-counts.js';

/**
 * The SKU that owns a position. Declared empty here and filled in by sku-state.ts (a module
 * augmentation: `interface PositionOwner extends SkuState`), so that a position can point back
 * at its SKU while this module imports nothing above it: the holds, backorders and policies
 * that name positions then form no import cycle with the SKU state that names them.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface PositionOwner {}

/**
 * The fields most positions never use: units in transit, in quarantine or backordered, and the
 * time of the last count applied. Apart, so that a position that uses none of them (most of a
 * million) pays one null field, not four fields and a boxed -Infinity.
 */
class PositionRare extends RareCounts {
  lastSyncAsOf = Number.NEGATIVE_INFINITY;
}

/** One SKU at one location. Quantities change only through SkuState.apply. */
export class Position extends WithRareCounts<PositionRare> {
  onHand = 0;
  reserved = 0;
  committed = 0;
  /** onHand movements recorded for sync() rebasing (created with the first movement). */
  movements: MovementLog | null = null;
  /** Set while an operation has touched this position and not yet emitted its event. */
  touched = false;
  constructor(
    readonly state: PositionOwner,
    readonly location: string,
    /** Placement priority: lower first (configured order, then by name). */
    readonly rank: number,
  ) {
    super();
  }

  /** The asOf of the last count applied here (sync): an older one is stale. */
  get lastSyncAsOf(): number {
    return this.rare === null ? Number.NEGATIVE_INFINITY : this.rare.lastSyncAsOf;
  }

  set lastSyncAsOf(asOfMs: number) {
    if (asOfMs !== Number.NEGATIVE_INFINITY || this.rare !== null) this.rareFields().lastSyncAsOf = asOfMs;
  }

  protected newRare(): PositionRare {
    return new PositionRare();
  }
}

/** Nothing in it, nothing ever moved through it, never counted: as if it had never been made. */
export function isVacant(position: Position): boolean {
  return (
    position.onHand === 0 &&
    position.reserved === 0 &&
    position.committed === 0 &&
    position.inbound === 0 &&
    position.quarantined === 0 &&
    position.backordered === 0 &&
    position.movements === null &&
    position.lastSyncAsOf === Number.NEGATIVE_INFINITY
  );
}

export function availableOf(position: Position): number {
  const free = position.onHand - position.reserved - position.committed;
  return free > 0 ? free : 0;
}

export function shortfallOf(position: Position): number {
  const missing = position.reserved + position.committed - position.onHand;
  return missing > 0 ? missing : 0;
}

export function viewOf(position: Position): PositionView {
  return {
    onHand: position.onHand,
    reserved: position.reserved,
    committed: position.committed,
    available: availableOf(position),
    shortfall: shortfallOf(position),
    inbound: position.inbound,
    quarantined: position.quarantined,
    backordered: position.backordered,
  };
}
