import { Fifo } from './fifo.js';
import type { Hold } from './hold.js';

/**
 * Terminal holds and refusal records, oldest first, kept so that a retried id still gets its
 * original outcome. Bounded twice: by age (retentionMs) and by count (capacity).
 */
export class Retention {
  private readonly items = new Fifo<Hold>();

  constructor(
    private readonly capacity: number,
    private readonly retentionMs: number,
  ) {}

  get size(): number {
    return this.items.size;
  }

  /** The records, oldest first (for a snapshot). */
  toArray(): Hold[] {
    return this.items.toArray();
  }

  /** Adds a terminal record; moves the records pushed out by the count bound into `evicted`. */
  add(hold: Hold, evicted: Hold[]): void {
    this.items.push(hold);
    while (this.items.size > this.capacity) evicted.push(this.items.shift() as Hold);
  }

  /** Moves every record older than the retention window into `evicted`. */
  expire(nowMs: number, evicted: Hold[]): void {
    for (let oldest = this.items.peek(); oldest !== undefined && oldest.terminalAtMs + this.retentionMs <= nowMs; oldest = this.items.peek()) {
      evicted.push(this.items.shift() as Hold);
    }
  }
}
