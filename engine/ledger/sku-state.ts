import type { Refusal } from '../api/errors.js';
import { MODE_ACTIVE } from '../lifecycle/tables.js';
import { invariant } from '../../shared/invariant.js';
import type { BackorderQueue } from './backorder-queue.js';
import type { ChannelPolicy } from './channel-policy.js';
import { availableOf, isVacant, Position, shortfallOf } from './position.js';
import { RareCounts, WithRareCounts } from './rare-counts.js';

/** Positions looked up by scanning; beyond this many, by a Map. */
const POSITIONS_SCANNED_MAX = 8;

/** The shared stand-in for a SKU with no position yet (never written to: the first one replaces it). */
const NO_POSITIONS: Position[] = Object.freeze([]) as unknown as Position[];

/**
 * The fields most SKUs never use: a policy, backorders, a refusal kept for reuse, the location map
 * of a SKU with many positions, and the totals of units in transit, in quarantine or backordered.
 * Apart, so that a SKU that uses none of them (most of a million) pays one null field, not seven.
 */
class SkuRare extends RareCounts {
  policy: ChannelPolicy | null = null;
  backorders: BackorderQueue | null = null;
  lastShortage: Refusal | null = null;
  byLocation: Map<string, Position> | null = null;
}

/**
 * The actor state of one SKU: its positions and running totals. Owned by exactly one ledger
 * (one shard thread), so every change is a plain local check-and-update.
 */
export class SkuState extends WithRareCounts<SkuRare> {
  seq = 0;
  mode = MODE_ACTIVE;
  onHand = 0;
  reserved = 0;
  committed = 0;
  /** Sum of the positions' available (a shortfall at one location never eats another's). */
  available = 0;
  shortfall = 0;
  watched = false;
  /** Positions in placement priority order (a one-element literal at first: a pushed-to `[]` reserves 17 slots). */
  ordered: Position[] = NO_POSITIONS;

  constructor(readonly sku: string) {
    super();
  }

  /** Safety stock, fences, caps and backorder limit; null: none. */
  get policy(): ChannelPolicy | null {
    return this.rare === null ? null : this.rare.policy;
  }

  set policy(policy: ChannelPolicy | null) {
    if (policy !== null || this.rare !== null) this.rareFields().policy = policy;
  }

  /** Backordered lines in fill order; null until the first backorder. */
  get backorders(): BackorderQueue | null {
    return this.rare === null ? null : this.rare.backorders;
  }

  set backorders(queue: BackorderQueue | null) {
    if (queue !== null || this.rare !== null) this.rareFields().backorders = queue;
  }

  /** The last shortage refusal given for this SKU (reused while identical: see Ledger.shortage). */
  get lastShortage(): Refusal | null {
    return this.rare === null ? null : this.rare.lastShortage;
  }

  set lastShortage(refusal: Refusal | null) {
    if (refusal !== null || this.rare !== null) this.rareFields().lastShortage = refusal;
  }

  /**
   * location → position, built once a SKU has more than POSITIONS_SCANNED_MAX positions; below
   * that a scan of `ordered` is as quick, and a Map per SKU costs ~150 bytes a million times over.
   */
  private get byLocation(): Map<string, Position> | null {
    return this.rare === null ? null : this.rare.byLocation;
  }

  protected newRare(): SkuRare {
    return new SkuRare();
  }

  position(location: string): Position | undefined {
    const byLocation = this.byLocation;
    if (byLocation !== null) return byLocation.get(location);
    const ordered = this.ordered;
    for (const position of ordered) if (position.location === location) return position;
    return undefined;
  }

  addPosition(location: string, rank: number): Position {
    const position = new Position(this, location, rank);
    if (this.ordered === NO_POSITIONS) this.ordered = [position];
    else {
      this.ordered.push(position);
      this.ordered.sort(byRankThenName);
    }
    const byLocation = this.byLocation;
    if (byLocation !== null) byLocation.set(location, position);
    else if (this.ordered.length > POSITIONS_SCANNED_MAX)
      this.rareFields().byLocation = new Map(this.ordered.map((p) => [p.location, p]));
    return position;
  }

  /** Recomputes the running totals from the positions (after a snapshot set them directly). */
  recountTotals(): void {
    this.onHand = this.reserved = this.committed = this.available = this.shortfall = 0;
    this.inbound = this.quarantined = this.backordered = 0;
    for (const position of this.ordered) {
      this.onHand += position.onHand;
      this.reserved += position.reserved;
      this.committed += position.committed;
      this.available += availableOf(position);
      this.shortfall += shortfallOf(position);
      this.inbound += position.inbound;
      this.quarantined += position.quarantined;
      this.backordered += position.backordered;
    }
  }

  /** Undoes addPosition for a position that never held anything (a refused reserve made it). */
  removeEmptyPosition(position: Position): void {
    invariant(isVacant(position), `position ${this.sku}@${position.location} is not vacant`);
    this.byLocation?.delete(position.location);
    this.ordered.splice(this.ordered.indexOf(position), 1);
  }

  /** Units in transit to `position` arrive (negative) or set out (positive). */
  applyInbound(position: Position, delta: number): void {
    position.inbound += delta;
    this.inbound += delta;
    invariant(position.inbound >= 0, `inbound of ${this.sku}@${position.location} went negative`);
  }

  /** Units held beyond stock wait at `position` (positive) or stop waiting (negative). */
  applyBackorder(position: Position, delta: number): void {
    position.backordered += delta;
    this.backordered += delta;
    invariant(position.backordered >= 0, `backordered of ${this.sku}@${position.location} went negative`);
  }

  /** Damaged returned units enter quarantine. */
  applyQuarantine(position: Position, delta: number): void {
    position.quarantined += delta;
    this.quarantined += delta;
    invariant(position.quarantined >= 0, `quarantined of ${this.sku}@${position.location} went negative`);
  }

  /** The one place quantities change: keeps totals exact and asserts no count goes negative. */
  apply(position: Position, onHandDelta: number, reservedDelta: number, committedDelta: number): void {
    const availableBefore = availableOf(position);
    const shortfallBefore = shortfallOf(position);
    position.onHand += onHandDelta;
    position.reserved += reservedDelta;
    position.committed += committedDelta;
    invariant(
      position.onHand >= 0 && position.reserved >= 0 && position.committed >= 0,
      `position ${this.sku}@${position.location} went negative`,
    );
    this.onHand += onHandDelta;
    this.reserved += reservedDelta;
    this.committed += committedDelta;
    this.available += availableOf(position) - availableBefore;
    this.shortfall += shortfallOf(position) - shortfallBefore;
  }
}

function byRankThenName(a: Position, b: Position): number {
  if (a.rank !== b.rank) return a.rank - b.rank;
  return a.location < b.location ? -1 : a.location > b.location ? 1 : 0;
}

/** A position's owner is its SkuState (see PositionOwner in position.ts for why it is declared here). */
declare module './position.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface PositionOwner extends SkuState {}
}
