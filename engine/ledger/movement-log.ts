import { invariant } from './assert.js';

/**
 * The onHand movements of one position, in time order, for sync() to rebase a count taken
 * elsewhere: the net movement after a time is one binary search over running totals. Bounded
 * by age (horizonMs) and by count (entriesMax); what fell out sets how far back it still answers.
 */
export class MovementLog {
  private readonly timesMs: number[] = [];
  /** Running total of the deltas up to and including each entry. */
  private readonly totals: number[] = [];
  private head = 0;
  /** The running total just before `head` (of the entries already dropped). */
  private droppedTotal = 0;
  /** The newest time among dropped entries: a count older than this cannot be rebased. */
  private droppedUpToMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly horizonMs: number, private readonly entriesMax: number) {}

  record(nowMs: number, delta: number): void {
    const last = this.timesMs.length - 1;
    invariant(last < this.head || this.timesMs[last] <= nowMs, 'movements are recorded in time order');
    const before = last < this.head ? this.droppedTotal : this.totals[last];
    if (last >= this.head && this.timesMs[last] === nowMs) {
      this.totals[last] = before + delta;
    } else {
      this.timesMs.push(nowMs);
      this.totals.push(before + delta);
    }
    this.prune(nowMs);
  }

  /** The earliest asOf this log can rebase at `nowMs`. */
  oldestRebasableMs(nowMs: number): number {
    return Math.max(nowMs - this.horizonMs, this.droppedUpToMs);
  }

  /** Net movement recorded strictly after `asOfMs` (the caller checked it is rebasable). */
  after(asOfMs: number): number {
    const end = this.timesMs.length;
    if (end === this.head) return 0;
    let low = this.head;
    let high = end;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.timesMs[middle] <= asOfMs) low = middle + 1;
      else high = middle;
    }
    const upTo = low === this.head ? this.droppedTotal : this.totals[low - 1];
    return this.totals[end - 1] - upTo;
  }

  /** What a snapshot keeps: the remembered entries and what the dropped ones left behind. */
  save(): [timesMs: number[], totals: number[], droppedTotal: number, droppedUpToMs: number] {
    return [this.timesMs.slice(this.head), this.totals.slice(this.head), this.droppedTotal, this.droppedUpToMs];
  }

  load([timesMs, totals, droppedTotal, droppedUpToMs]: ReturnType<MovementLog['save']>): void {
    invariant(timesMs.length === totals.length, 'a saved movement log has as many totals as times');
    this.timesMs.push(...timesMs);
    this.totals.push(...totals);
    this.droppedTotal = droppedTotal;
    this.droppedUpToMs = droppedUpToMs;
  }

  get size(): number {
    return this.timesMs.length - this.head;
  }

  private prune(nowMs: number): void {
    const oldestKeptMs = nowMs - this.horizonMs;
    while (this.size > 0 && (this.size > this.entriesMax || this.timesMs[this.head] < oldestKeptMs)) this.drop();
    if (this.head > 32 && this.head * 2 > this.timesMs.length) {
      this.timesMs.splice(0, this.head);
      this.totals.splice(0, this.head);
      this.head = 0;
    }
  }

  private drop(): void {
    this.droppedTotal = this.totals[this.head];
    if (this.timesMs[this.head] > this.droppedUpToMs) this.droppedUpToMs = this.timesMs[this.head];
    this.head++;
  }
}
