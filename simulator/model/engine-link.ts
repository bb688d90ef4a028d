import { refuse, type Refusal } from '../../engine/api/errors.js';
import { sampleLatencyUs, type LatencyModel } from '../kernel/latency.js';
import type { Random } from '../kernel/random.js';
import type { ShardModel } from './shard-model.js';
import type { CallRecorder, Scheduler } from './types.js';

/** A call sent again this many times while OVERLOADED is answered with the refusal. */
const RETRY_ATTEMPTS_MAX = 1000;

export interface CallOptions {
  /** Runs when the engine applied the call (not for a refusal). */
  applied?: () => void;
  /** Sends an OVERLOADED call again after retryAfterMs. */
  retryOverloaded?: boolean;
}

interface Call<T> {
  skus: readonly string[];
  op: string;
  request: object;
  invoke: () => Promise<T | Refusal>;
  answer: Answer<T>;
  options: CallOptions;
  attempt: number;
}

function isApplied(result: unknown): boolean {
  return (result as { ok?: unknown }).ok === true;
}

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
  /** Calls sent again after OVERLOADED. */
  retries = 0;

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

  /** The deepest queue of one modelled shard (null without a shard model). */
  get shardQueueDepthMax(): number | null {
    return this.shards?.deepestQueue ?? null;
  }

  get deepestDepth(): number {
    return this.deepest;
  }

  /**
   * Sends `op` for `skus`; `invoke` makes the engine call when the request reaches the engine
   * (after the shards' queues); `answer` runs when the reply reaches the channel. `applied` runs
   * at the instant the engine applied the call (a dispatch scan: the units leave the shelf as the
   * engine records it). With `retryOverloaded`, an OVERLOADED answer is sent again after its
   * retryAfterMs, as a client does for a call it cannot drop (commit, fulfil, release, counts).
   */
  call<T>(
    skus: readonly string[],
    op: string,
    request: object,
    invoke: () => Promise<T | Refusal>,
    answer: Answer<T>,
    options: CallOptions = {},
  ): void {
    this.inFlight++;
    this.deepest = Math.max(this.deepest, this.inFlight);
    this.send({ skus, op, request, invoke, answer, options, attempt: 1 });
  }

  private send<T>(call: Call<T>): void {
    this.scheduler.after(sampleLatencyUs(this.latency.toEngine, this.random), () => this.arrive(call));
  }

  /**
   * The request reaches the engine. With modelled shards it joins their queues and the answer
   * leaves when the last of them has served it; the ledger applies it now, on arrival, which is
   * the order a FIFO shard serves in (one action per call fewer, the simulator's main cost).
   */
  private arrive<T>(call: Call<T>): void {
    let leavesAtUs = this.scheduler.timeUs;
    if (this.shards !== null) {
      const admitted = this.shards.admit(this.loadOf(call.skus), leavesAtUs);
      if ('fullShard' in admitted) {
        this.reply(call, refuse.overloaded(admitted.fullShard, 1), leavesAtUs);
        return;
      }
      leavesAtUs = admitted.doneUs;
    }
    this.recorder?.record(this.scheduler.timeUs / 1000, call.op, call.request);
    const answered = this.scheduler.expectAnswer();
    call.invoke().then(
      (result) => {
        answered();
        if (isApplied(result)) call.options.applied?.();
        this.reply(call, result, leavesAtUs);
      },
      (error: unknown) => {
        answered();
        this.reply(call, refuse.unavailable(0, String(error)), leavesAtUs);
      },
    );
  }

  /** The answer travels back: it leaves the engine at `leavesAtUs` and takes the hop's latency. */
  private reply<T>(call: Call<T>, result: T | Refusal, leavesAtUs: number): void {
    this.scheduler.at(leavesAtUs + sampleLatencyUs(this.latency.fromEngine, this.random), () => {
      const retryAfterMs = this.retryAfterMs(call, result);
      if (retryAfterMs !== null) {
        this.retries++;
        this.scheduler.after(retryAfterMs * 1000, () => this.send({ ...call, attempt: call.attempt + 1 }));
        return;
      }
      this.inFlight--;
      call.answer(result, leavesAtUs);
    });
  }

  /** When to send an OVERLOADED call again, or null to answer now. */
  private retryAfterMs<T>(call: Call<T>, result: T | Refusal): number | null {
    if (call.options.retryOverloaded !== true || call.attempt >= RETRY_ATTEMPTS_MAX) return null;
    const refusal = result as Refusal;
    if (refusal.ok !== false || refusal.error.code !== 'OVERLOADED') return null;
    return Math.max(1, refusal.error.retryAfterMs ?? 1);
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
