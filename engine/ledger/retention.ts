import type { Hold } from './hold.js';

/**
 * Terminal holds and refusal records, oldest first, kept so that a retried id still gets its
 * original outcome. Bounded twice: by age (retentionMs) and by count (capacity).
 */
export class Retention {
  private items: Hold[] = [];
  private head = 0;

  constructor(
    private readonly capacity: number,
    private readonly retentionMs: number,
  ) {}

  get size(): number {
    return this.items.length - this.head;
  }

  /** Adds a terminal record; returns the records pushed out by the count bound. */
  add(hold: Hold, evicted: Hold[]): void {
    this.items.push(hold);
    while (this.size > this.capacity) evicted.push(this.shift());
  }

  /** Moves every record older than the retention window into `evicted`. */
  expire(nowMs: number, evicted: Hold[]): void {
    while (this.size > 0 && this.items[this.head].terminalAtMs + this.retentionMs <= nowMs) {
      evicted.push(this.shift());
    }
  }

  private shift(): Hold {
    const hold = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return hold;
  }
}
