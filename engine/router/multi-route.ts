import type { LineRequest } from '../api/types.js';

/**
 * The router's record of one hold whose lines span shards: which shard took each line, which
 * shards still keep a part, its deadline, and a queue that runs the operations on this hold
 * one at a time, so every part sees the same operations in the same order.
 */
export class MultiRoute {
  /** Distinct shards of the hold, ascending. */
  readonly shards: number[];
  recordedMask = 0;
  /** Operations queued or running on this hold. */
  pending = 0;
  expiresAt = Number.POSITIVE_INFINITY;
  order = 0;
  heapIndex = -1;
  /** False once the hold is known to have left `held` (no expiry to run). */
  mayBeHeld = false;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    readonly id: string,
    readonly lineShards: readonly number[],
  ) {
    // -1: a line whose part no shard remembers (a recovered record; a replay of it is a CONFLICT).
    this.shards = [...new Set(lineShards)].filter((shard) => shard >= 0).sort((a, b) => a - b);
  }

  sameShape(lineShards: readonly number[]): boolean {
    return lineShards.length === this.lineShards.length && lineShards.every((shard, i) => shard === this.lineShards[i]);
  }

  linesOn<T extends LineRequest | { sku: string }>(
    lines: readonly T[],
    shard: number,
    shardOf: (sku: string) => number,
  ): T[] {
    return lines.filter((line) => shardOf(line.sku) === shard);
  }

  /** Where each of a shard's lines stands in the whole hold (for messages that name a line). */
  lineIndexesOn(shard: number): number[] {
    const indexes: number[] = [];
    this.lineShards.forEach((lineShard, index) => {
      if (lineShard === shard) indexes.push(index);
    });
    return indexes;
  }

  /** Runs `task` after every operation queued before it on this hold. */
  serialize<T>(task: () => Promise<T>): Promise<T> {
    this.pending++;
    const run = this.tail.then(task);
    this.tail = run.then(() => {
      this.pending--;
    });
    return run;
  }

  forgetPart(shard: number): void {
    this.recordedMask &= ~(1 << shard);
  }

  isEmpty(): boolean {
    return this.recordedMask === 0 && this.pending === 0;
  }
}
