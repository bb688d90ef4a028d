import { refuse, type Refusal } from '../../engine/api/errors.js';
import { sampleLatencyUs, type LatencyModel } from '../kernel/latency.js';
import type { Random } from '../kernel/random.js';
import type { ShardModel } from './shard-model.js';
import type { CallRecorder, Scheduler } from './types.js';

export interface LinkLatency {
  toEngine: LatencyModel;
  fromEngine: LatencyModel;
}

/** A call's answer as the channel receives it, and when the engine applied it (µs). */
export type Answer<T> = (result: T | Refusal, appliedAtUs: number) => void;

/**
 * The hops between a channel and the engine: the injected latency each way, the shards' queues
 * (modelled in virtual time; the real ones in live mode), and the record of every call. Counts
 * the calls in flight: the holdfast strategy's queue depth.
 */
export class EngineLink {
  private inFlight = 0;
  private deepest = 0;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly random: Random,
    private readonly latency: LinkLatency,
    private readonly shards: ShardModel | null,
    private readonly recorder: CallRecorder | null,
  ) {}

  /** Records a call made outside the link (the opening stock, before time 0 has any traffic). */
  record(op: string, request: object): void {
    this.recorder?.record(this.scheduler.timeUs / 1000, op, request);
  }

  get depth(): number {
    return this.inFlight;
  }

  get deepestDepth(): number {
    return this.deepest;
  }

  /**
   * Sends `op` for `skus`; `invoke` makes the engine call when the request reaches the engine
   * (after the shards' queues); `answer` runs when the reply reaches the channel.
   */
  call<T>(skus: readonly string[], op: string, request: object, invoke: () => Promise<T | Refusal>, answer: Answer<T>): void {
    this.inFlight++;
    this.deepest = Math.max(this.deepest, this.inFlight);
    this.scheduler.after(sampleLatencyUs(this.latency.toEngine, this.random), () => this.arrive(skus, op, request, invoke, answer));
  }

  /**
   * The request reaches the engine. With modelled shards it joins their queues and the answer
   * leaves when the last of them has served it; the ledger applies it now, on arrival, which is
   * the order a FIFO shard serves in (one action per call fewer, the simulator's main cost).
   */
  private arrive<T>(skus: readonly string[], op: string, request: object, invoke: () => Promise<T | Refusal>, answer: Answer<T>): void {
    let appliedAtUs = this.scheduler.timeUs;
    if (this.shards !== null) {
      const load = this.loadOf(skus);
      const admitted = this.shards.admit(load, appliedAtUs);
      if ('fullShard' in admitted) {
        this.reply(refuse.overloaded(admitted.fullShard, 1), appliedAtUs, answer);
        return;
      }
      appliedAtUs = admitted.doneUs;
    }
    this.recorder?.record(this.scheduler.timeUs / 1000, op, request);
    this.scheduler.awaitAnswers();
    invoke().then(
      (result) => this.reply(result, appliedAtUs, answer),
      (error: unknown) => this.reply(refuse.unavailable(0, String(error)), appliedAtUs, answer),
    );
  }

  /** The answer travels back: it leaves the engine at `leavesAtUs` and takes the hop's latency. */
  private reply<T>(result: T | Refusal, leavesAtUs: number, answer: Answer<T>): void {
    this.scheduler.at(leavesAtUs + sampleLatencyUs(this.latency.fromEngine, this.random), () => {
      this.inFlight--;
      answer(result, leavesAtUs);
    });
  }

  /** The modelled cost: one operation per SKU touched, on the SKU's shard. */
  private loadOf(skus: readonly string[]): Map<number, number> {
    const load = new Map<number, number>();
    for (const sku of skus) {
      const shard = this.shards!.shardOf(sku);
      load.set(shard, (load.get(shard) ?? 0) + 1);
    }
    return load;
  }
}
