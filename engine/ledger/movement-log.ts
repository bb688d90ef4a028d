import { invariant } from '../../shared/invariant.js';

/**
 * The onHand movements of one position, in time order, for sync() to rebase a count taken
 * elsewhere: the net movement after a time is one binary search over running totals. Bounded
 * by age (horizonMs) and by count (entriesMax); what fell out sets how far back it still answers.
 */
/** The shared stand-in for a log with no entry yet: never written to (the first entry replaces it). */
const EMPTY: number[] = Object.freeze([]) as unknown as number[];

export class MovementLog {
  /**
   * Created by the first movement as one-element literals: a pushed-to `[]` gets room for 17
   * numbers at once, and most positions move once or twice (the bench's memory case: 464 → ~200
   * bytes per position).
   */
  private timesMs: number[] = EMPTY;
  /** Running total of the deltas up to and including each entry. */
  private totals: number[] = EMPTY;
  private head = 0;
  /** The running total just before `head` (of the entries already dropped). */
  private droppedTotal = 0;
  /** The newest time among dropped entries: a count older than this cannot be rebased. */
  private droppedUpToMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly horizonMs: number,
    private readonly entriesMax: number,
  ) {}

  /**
   * Records a movement of `delta` that happened at `atMs` (default now). A movement reported late
   * (a return received before the engine heard of it) goes in at its own time, so a count taken
   * in between is not rebased by it twice.
   */
  record(nowMs: number, delta: number, atMs: number = nowMs): void {
    const last = this.timesMs.length - 1;
    if (last >= this.head && this.timesMs[last]! > atMs) this.insertEarlier(atMs, delta);
    else if (last >= this.head && this.timesMs[last] === atMs) this.totals[last]! += delta;
    else if (this.timesMs === EMPTY) {
      this.timesMs = [atMs];
      this.totals = [this.droppedTotal + delta];
    } else {
      this.timesMs.push(atMs);
      this.totals.push((last < this.head ? this.droppedTotal : this.totals[last]!) + delta);
    }
    this.prune(nowMs);
  }

  /** A movement older than the newest entry: into its place in time, every later total moved by it. */
  private insertEarlier(atMs: number, delta: number): void {
    const end = this.timesMs.length;
    if (atMs <= this.droppedUpToMs) {
      this.droppedTotal += delta;
      for (let i = this.head; i < end; i++) this.totals[i]! += delta;
      return;
    }
    const index = this.firstAfter(atMs);
    if (index > this.head && this.timesMs[index - 1] === atMs) {
      for (let i = index - 1; i < end; i++) this.totals[i]! += delta;
      return;
    }
    this.timesMs.splice(index, 0, atMs);
    this.totals.splice(index, 0, index === this.head ? this.droppedTotal : this.totals[index - 1]!);
    for (let i = index; i <= end; i++) this.totals[i]! += delta;
  }

  /** The index of the first entry later than `asOfMs` (the end when none is). */
  private firstAfter(asOfMs: number): number {
    let low = this.head;
    let high = this.timesMs.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.timesMs[middle]! <= asOfMs) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** The earliest asOf this log can rebase at `nowMs`. */
  oldestRebasableMs(nowMs: number): number {
    return Math.max(nowMs - this.horizonMs, this.droppedUpToMs);
  }

  /** Net movement recorded strictly after `asOfMs` (the caller checked it is rebasable). */
  after(asOfMs: number): number {
    const end = this.timesMs.length;
    if (end === this.head) return 0;
    const index = this.firstAfter(asOfMs);
    const upTo = index === this.head ? this.droppedTotal : this.totals[index - 1]!;
    return this.totals[end - 1]! - upTo;
  }

  /** What a snapshot keeps: the remembered entries and what the dropped ones left behind. */
  save(): [timesMs: number[], totals: number[], droppedTotal: number, droppedUpToMs: number] {
    return [this.timesMs.slice(this.head), this.totals.slice(this.head), this.droppedTotal, this.droppedUpToMs];
  }

  load([timesMs, totals, droppedTotal, droppedUpToMs]: ReturnType<MovementLog['save']>): void {
    invariant(timesMs.length === totals.length, 'a saved movement log has as many totals as times');
    this.timesMs = timesMs.length === 0 ? EMPTY : timesMs.slice();
    this.totals = totals.length === 0 ? EMPTY : totals.slice();
    this.droppedTotal = droppedTotal;
    this.droppedUpToMs = droppedUpToMs;
  }

  get size(): number {
    return this.timesMs.length - this.head;
  }

  private prune(nowMs: number): void {
    const oldestKeptMs = nowMs - this.horizonMs;
    while (this.size > 0 && (this.size > this.entriesMax || this.timesMs[this.head]! < oldestKeptMs)) this.drop();
    if (this.head > 32 && this.head * 2 > this.timesMs.length) {
      this.timesMs.splice(0, this.head);
      this.totals.splice(0, this.head);
      this.head = 0;
    }
  }

  private drop(): void {
    this.droppedTotal = this.totals[this.head]!;
    const droppedMs = this.timesMs[this.head]!;
    if (droppedMs > this.droppedUpToMs) this.droppedUpToMs = droppedMs;
    this.head++;
  }
}
