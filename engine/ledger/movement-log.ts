import { invariant } from '../../shared/invariant.js';

/**
 * The onHand movements of one position, in time order, for sync() to rebase a count taken
 * elsewhere: the net movement after a time is one binary search over running totals. Bounded
 * by age (horizonMs) and by count (entriesMax); what fell out sets how far back it still answers.
 */
/** The shared stand-in for a log with no entry yet: never written to (the first entry replaces it). */
const EMPTY: number[] = Object.freeze([]) as unknown as number[];

/** How long and how many movements a log keeps: one object per ledger, shared by its logs. */
export interface MovementBounds {
  readonly horizonMs: number;
  readonly entriesMax: number;
}

export class MovementLog {
  /**
   * The entries as pairs in one array: entry i's time at 2i, and at 2i + 1 the running total of
   * the deltas up to and including it. Created by the first movement as a two-number literal (a
   * pushed-to `[]` gets room for 17 numbers at once) and one array, not two: most positions move
   * once or twice, and every array costs its header and backing store a million times over.
   */
  private entries: number[] = EMPTY;
  /** The first entry kept (entries before it were dropped). */
  private head = 0;
  /** The running total just before `head` (of the entries already dropped). */
  private droppedTotal = 0;
  /**
   * The newest time among dropped entries: a count older than this cannot be rebased. null: none
   * dropped yet (-Infinity), kept as null so that a log that never drops holds no boxed number.
   */
  private droppedUpToMs: number | null = null;

  constructor(private readonly bounds: MovementBounds) {}

  private timeAt(entry: number): number {
    return this.entries[2 * entry]!;
  }

  private totalAt(entry: number): number {
    return this.entries[2 * entry + 1]!;
  }

  /** Entries in the array, dropped ones included. */
  private get end(): number {
    return this.entries.length >> 1;
  }

  /**
   * Records a movement of `delta` that happened at `atMs` (default now). A movement reported late
   * (a return received before the engine heard of it) goes in at its own time, so a count taken
   * in between is not rebased by it twice.
   */
  record(nowMs: number, delta: number, atMs: number = nowMs): void {
    const last = this.end - 1;
    if (last >= this.head && this.timeAt(last) > atMs) this.insertEarlier(atMs, delta);
    else if (last >= this.head && this.timeAt(last) === atMs) this.entries[2 * last + 1]! += delta;
    else if (this.entries === EMPTY) {
      this.entries = [atMs, this.droppedTotal + delta];
    } else {
      this.entries.push(atMs, (last < this.head ? this.droppedTotal : this.totalAt(last)) + delta);
    }
    this.prune(nowMs);
  }

  /** A movement older than the newest entry: into its place in time, every later total moved by it. */
  private insertEarlier(atMs: number, delta: number): void {
    const end = this.end;
    if (this.droppedUpToMs !== null && atMs <= this.droppedUpToMs) {
      this.droppedTotal += delta;
      this.addToTotals(this.head, end, delta);
      return;
    }
    const index = this.firstAfter(atMs);
    if (index > this.head && this.timeAt(index - 1) === atMs) {
      this.addToTotals(index - 1, end, delta);
      return;
    }
    const before = index === this.head ? this.droppedTotal : this.totalAt(index - 1);
    this.entries.splice(2 * index, 0, atMs, before);
    this.addToTotals(index, end + 1, delta);
  }

  private addToTotals(from: number, to: number, delta: number): void {
    for (let entry = from; entry < to; entry++) this.entries[2 * entry + 1]! += delta;
  }

  /** The index of the first entry later than `asOfMs` (the end when none is). */
  private firstAfter(asOfMs: number): number {
    let low = this.head;
    let high = this.end;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.timeAt(middle) <= asOfMs) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** The earliest asOf this log can rebase at `nowMs`. */
  oldestRebasableMs(nowMs: number): number {
    return Math.max(nowMs - this.bounds.horizonMs, this.droppedUpToMs ?? Number.NEGATIVE_INFINITY);
  }

  /** Net movement recorded strictly after `asOfMs` (the caller checked it is rebasable). */
  after(asOfMs: number): number {
    const end = this.end;
    if (end === this.head) return 0;
    const index = this.firstAfter(asOfMs);
    const upTo = index === this.head ? this.droppedTotal : this.totalAt(index - 1);
    return this.totalAt(end - 1) - upTo;
  }

  /** What a snapshot keeps: the remembered entries and what the dropped ones left behind. */
  save(): [timesMs: number[], totals: number[], droppedTotal: number, droppedUpToMs: number] {
    const timesMs: number[] = [];
    const totals: number[] = [];
    for (let entry = this.head; entry < this.end; entry++) {
      timesMs.push(this.timeAt(entry));
      totals.push(this.totalAt(entry));
    }
    return [timesMs, totals, this.droppedTotal, this.droppedUpToMs ?? Number.NEGATIVE_INFINITY];
  }

  load([timesMs, totals, droppedTotal, droppedUpToMs]: ReturnType<MovementLog['save']>): void {
    invariant(timesMs.length === totals.length, 'a saved movement log has as many totals as times');
    const entries: number[] = [];
    for (let entry = 0; entry < timesMs.length; entry++) entries.push(timesMs[entry]!, totals[entry]!);
    this.entries = entries.length === 0 ? EMPTY : entries;
    this.head = 0;
    this.droppedTotal = droppedTotal;
    this.droppedUpToMs = droppedUpToMs === Number.NEGATIVE_INFINITY ? null : droppedUpToMs;
  }

  get size(): number {
    return this.end - this.head;
  }

  private prune(nowMs: number): void {
    const oldestKeptMs = nowMs - this.bounds.horizonMs;
    while (this.size > 0 && (this.size > this.bounds.entriesMax || this.timeAt(this.head) < oldestKeptMs)) this.drop();
    if (this.head > 32 && this.head * 2 > this.end) {
      this.entries.splice(0, 2 * this.head);
      this.head = 0;
    }
  }

  private drop(): void {
    this.droppedTotal = this.totalAt(this.head);
    const droppedMs = this.timeAt(this.head);
    if (this.droppedUpToMs === null || droppedMs > this.droppedUpToMs) this.droppedUpToMs = droppedMs;
    this.head++;
  }
}
