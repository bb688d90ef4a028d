import { invariant } from '../../shared/invariant.js';
import { Fifo } from '../../shared/fifo.js';

/** The bounds of a Retention: by age, by count, and by bytes (outcome-bytes.ts). */
export interface RetentionBounds {
  retentionMs: number;
  capacity: number;
  capacityBytes: number;
}

/**
 * Terminal holds and refusal records, oldest first, kept so that a retried id still gets its
 * original outcome. Bounded three ways: by age (retentionMs), by count (capacity) and by the
 * estimated bytes they keep alive (capacityBytes); the oldest go first. An item is whatever
 * names a record (a Hold object, or a compact hold's slot number); `terminalAtOf` tells when
 * it reached its terminal state.
 */
export class Retention<T> {
  private readonly items = new Fifo<T>();
  /** Each item's estimated bytes as counted when it came in (so what goes out subtracts exactly that). */
  private readonly sizes = new Fifo<number>();
  private totalBytes = 0;

  constructor(
    private readonly bounds: RetentionBounds,
    private readonly terminalAtOf: (item: T) => number,
  ) {}

  get size(): number {
    return this.items.size;
  }

  /** The estimated bytes of everything retained. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** The records, oldest first (for a snapshot). */
  toArray(): T[] {
    return this.items.toArray();
  }

  /** Each record's counted bytes, oldest first (for a snapshot: a record may change after it is counted). */
  sizesBytes(): number[] {
    return this.sizes.toArray();
  }

  /**
   * Adds a terminal record, counted as `sizeBytes` (its estimate now, or what a snapshot saved;
   * outcome-bytes.ts); moves the records pushed out by the count or byte bound into `evicted`.
   */
  add(item: T, evicted: T[], sizeBytes: number): void {
    this.items.push(item);
    this.sizes.push(sizeBytes);
    this.totalBytes += sizeBytes;
    while (this.items.size > this.bounds.capacity || this.totalBytes > this.bounds.capacityBytes)
      evicted.push(this.shift());
    invariant(
      this.items.size <= this.bounds.capacity && this.totalBytes <= this.bounds.capacityBytes,
      'retention is past its bounds',
    );
  }

  /** Moves every record older than the retention window into `evicted`. */
  expire(nowMs: number, evicted: T[]): void {
    while (this.items.size > 0 && this.terminalAtOf(this.items.peek() as T) + this.bounds.retentionMs <= nowMs)
      evicted.push(this.shift());
  }

  private shift(): T {
    this.totalBytes -= this.sizes.shift() as number;
    invariant(this.totalBytes >= 0, 'retained bytes went negative');
    return this.items.shift() as T;
  }
}
