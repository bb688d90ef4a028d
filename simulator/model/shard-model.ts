import { defined, invariant } from '../../shared/invariant.js';
import { shardOfSku } from '../../engine/index.js';

/**
 * The engine's shards as modelled in virtual time: each a FIFO server that takes `serviceUs` per
 * operation. An operation touching several shards (a cross-shard hold) waits for the slowest.
 * A shard with `maxQueued` operations queued or in service refuses new ones (OVERLOADED), as
 * the real router does at its in-flight limit. One difference: a call's operations are admitted
 * or refused together, and an empty queue takes a batch larger than the limit; the real router
 * admits a syncMany's counts one by one and refuses those beyond the limit (they would then be
 * sent again). It only shows with limits below a batch of counts. Every operation takes the same time, so a shard
 * busy until t has ⌈(t − now) / serviceUs⌉ operations queued: no per-operation bookkeeping.
 */
export class ShardModel {
  private readonly busyUntilUs: number[];
  private deepest = 0;

  constructor(
    readonly shards: number,
    private readonly serviceUs: number,
    private readonly maxQueued: number,
  ) {
    invariant(shards >= 1 && serviceUs > 0, 'a shard model needs at least one shard and a service time');
    this.busyUntilUs = new Array<number>(shards).fill(0);
  }

  shardOf(sku: string): number {
    return shardOfSku(sku, this.shards);
  }

  /** Operations queued or in service on every shard at `nowUs`. */
  depthAt(nowUs: number): number {
    let depth = 0;
    for (let shard = 0; shard < this.shards; shard++) depth += this.queuedAt(shard, nowUs);
    return depth;
  }

  /** The most operations ever queued on one shard. */
  get deepestQueue(): number {
    return this.deepest;
  }

  /**
   * Queues `opsPerShard` (shard → operations) arriving at `nowUs`: the time the last of them is
   * served, or the first full shard (nothing queued then).
   */
  admit(opsPerShard: Map<number, number>, nowUs: number): { doneUs: number } | { fullShard: number } {
    for (const [shard, ops] of opsPerShard) {
      const queued = this.queuedAt(shard, nowUs);
      if (queued > 0 && queued + ops > this.maxQueued) return { fullShard: shard };
    }
    let doneUs = nowUs;
    for (const [shard, ops] of opsPerShard) {
      const busyUntilUs = Math.max(nowUs, this.busyUntilOf(shard)) + ops * this.serviceUs;
      this.busyUntilUs[shard] = busyUntilUs;
      this.deepest = Math.max(this.deepest, this.queuedAt(shard, nowUs));
      doneUs = Math.max(doneUs, busyUntilUs);
    }
    return { doneUs };
  }

  private queuedAt(shard: number, nowUs: number): number {
    return Math.max(0, Math.ceil((this.busyUntilOf(shard) - nowUs) / this.serviceUs - 1e-9));
  }

  private busyUntilOf(shard: number): number {
    return defined(this.busyUntilUs[shard], 'a shard of the model');
  }
}
