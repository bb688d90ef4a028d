import { invariant } from '../../shared/invariant.js';
import type { Hold, HoldLine } from './hold.js';

/** One backordered line and the hold it belongs to (for its channel, status and id). */
export interface Backorder {
  readonly hold: Hold;
  readonly line: HoldLine;
}

/**
 * A SKU's backordered lines in arrival order: the order they are filled in. A line leaves when
 * it has nothing left waiting (filled, or its hold ended); ended entries are swept out once they
 * outnumber the waiting ones, so the queue stays bounded by the live backorders.
 */
export class BackorderQueue {
  private entries: Backorder[] = [];
  private waiting = 0;

  get size(): number {
    return this.waiting;
  }

  add(hold: Hold, line: HoldLine): void {
    invariant(line.backordered > 0, `line of ${hold.id} has nothing backordered`);
    this.sweep();
    this.entries.push({ hold, line });
    this.waiting++;
  }

  /** A line's backorder ended (filled in full, or dropped with its hold). */
  ended(): void {
    this.waiting--;
    invariant(this.waiting >= 0, 'more backorders ended than began');
  }

  /** Visits the waiting backorders, oldest first, while `visit` returns true. */
  visit(visit: (entry: Backorder) => boolean): void {
    const entries = this.entries;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      if (entry.line.backordered > 0 && !visit(entry)) return;
    }
  }

  private sweep(): void {
    if (this.entries.length <= 2 * this.waiting + 16) return;
    this.entries = this.entries.filter((entry) => entry.line.backordered > 0);
  }
}
