import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { refuse, type Refusal } from '../api/errors.js';
import type { ChangeEvent, LedgerCounters, ReserveRequest, ShardStats } from '../api/types.js';
import type { Durability } from '../api/options.js';
import type { LedgerOptions } from '../ledger/ledger.js';
import {
  MICRO_BATCH_HEADER_FIELDS,
  createCodec,
  encodeTransferable,
  OP,
  resolveRef,
  type ShardState,
} from '../shard/protocol.js';
import { OP_FIELDS, OP_NAMES } from '../shard/shard-ops.js';
import type { ShardWorkerData } from '../shard/worker.js';
import { Fifo } from '../../shared/fifo.js';
import { invariant } from '../../shared/invariant.js';
import { LatencyRecorder } from './latency.js';
import { OpCounts } from './op-counts.js';

// A shard's answer is typed by the operation that asked for it: the reply on the wire carries no type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Resolver = (result: any, slot: number) => void;

export interface ShardLinkOptions {
  shard: number;
  ledger: LedgerOptions;
  /** The shard's journal and snapshots; null: in memory only. */
  durability: Durability | null;
  maxInFlightOps: number;
  onOverload: 'reject' | 'wait';
  maxWaitingOps: number;
  maxBatchOps: number;
  heapMb: number;
  /** Above this share of its heap limit, the shard refuses operations that may grow it (LIMIT_REACHED). */
  heapWatermarkPercent: number;
  /** After a storage failure, how often the shard tries to recover from disk. */
  storageRetryIntervalMs: number;
  /** Called with every reply's events, before its promises resolve. */
  onEvents: (shard: number, events: ChangeEvent[]) => void;
  /**
   * Called with the ids whose records the shard dropped, after the reply's promises resolved: an
   * id evicted in the very micro-batch that recorded it is then forgotten after its reserve ended.
   */
  onForgotten: (shard: number, forgotten: string[]) => void;
  /**
   * Told when the shard has (or will have, before it answers again) recovered from disk: its
   * worker died and a replacement recovers, or it stopped on a storage failure and came back.
   */
  onFailure: (shard: number) => void;
  /** Asks the router to flush on the next turn of the event loop. */
  scheduleFlush: () => void;
  /** The router's clock, never going backwards: each micro-batch carries it as the shard's time. */
  nowMs: () => number;
}

/**
 * Micro-batches that may be in flight to one worker: two handed to it, two in piscina's queue.
 * Exported so that the transport-ceiling benchmark runs the very same policy.
 */
export const WORKER_CONCURRENT_MICRO_BATCHES = 2;
export const MICRO_BATCHES_IN_FLIGHT_MAX = 4;

function ignoreResult(): void {}

class MicroBatch {
  /** The two header slots (seq, nowMs) are filled at dispatch. */
  readonly fields: unknown[] = [0, 0];
  readonly resolvers: Resolver[] = [];
  /** Each operation's slot in its caller's answer (a many-call's index; -1 for a single call). */
  readonly slots: number[] = [];
  openedAtMs = 0;
}

interface Waiter {
  resolver: Resolver;
  slot: number;
  fields: unknown[];
}

/**
 * The caller's side of one shard: its open micro-batch, its bounded in-flight count, its
 * bounded waiting line, and the piscina pool (one worker thread) that owns its ledger.
 */
export class ShardLink {
  private readonly pool: Piscina;
  private readonly codec = createCodec();
  private readonly latency = new LatencyRecorder();
  private readonly counts = new OpCounts();
  private open = new MicroBatch();
  /** Full micro-batches waiting for a place in flight (bounded: their ops count in maxInFlightOps). */
  private readonly sealed: MicroBatch[] = [];
  private readonly waiting = new Fifo<Waiter>();
  private inFlightOps = 0;
  private queueDepthMax = 0;
  private microBatchesInFlight = 0;
  private microBatchSeq = 0;
  private largestMicroBatchOps = 0;
  private lastMicroBatchFailed = false;
  private overloaded = 0;
  private roundTripMsAverage = 1;
  private counters: LedgerCounters = {
    liveHolds: 0,
    retainedOutcomes: 0,
    skus: 0,
    positions: 0,
    shippedWithoutStock: 0,
    returnsRestocked: 0,
    returnsReconcileMsTotal: 0,
    returnsReconcileMsMax: 0,
  };
  private drained: (() => void) | null = null;
  /** Why the shard is stopped after a storage failure (from its last reply), or null. */
  private stoppedCause: string | null = null;
  private storageFailures = 0;
  private heapUsedBytes = 0;
  private heapLimitBytes = 0;
  /** The last worker death, for stats and /healthz. */
  private workerError: string | null = null;
  /** A worker died and its replacement is not ready yet (a second death then is a crash loop). */
  private replacing = false;
  private destroying = false;
  /** The shard gave up: its worker died again while recovering; every operation is answered UNAVAILABLE. */
  private deadCause: string | null = null;
  private workerDeaths = 0;

  constructor(private readonly options: ShardLinkOptions) {
    const workerData: ShardWorkerData = {
      shard: options.shard,
      ledger: options.ledger,
      durability: options.durability,
      heapMb: options.heapMb,
      heapWatermarkPercent: options.heapWatermarkPercent,
      storageRetryIntervalMs: options.storageRetryIntervalMs,
    };
    const filename = fileURLToPath(new URL('../shard/worker.js', import.meta.url));
    if (!existsSync(filename)) {
      throw new Error(`holdfast: the shard worker ${filename} is missing; run the compiled package (npm run build)`);
    }
    this.pool = new Piscina({
      filename,
      minThreads: 1,
      maxThreads: 1,
      concurrentTasksPerWorker: WORKER_CONCURRENT_MICRO_BATCHES,
      maxQueue: MICRO_BATCHES_IN_FLIGHT_MAX - WORKER_CONCURRENT_MICRO_BATCHES,
      idleTimeout: 2 ** 31 - 1,
      recordTiming: false,
      atomics: 'disabled',
      workerData,
      resourceLimits: { maxOldGenerationSizeMb: options.heapMb },
    });
    // A worker that dies outside a task (its heap limit while recovering, say) must never take the
    // process down: the error is kept for stats and /healthz; the tasks it had are failed by piscina.
    this.pool.on('error', (error: Error) => {
      this.workerError = describeError(error);
    });
    this.pool.on('workerCreate', () => {
      this.replacing = false;
    });
    this.pool.on('workerDestroy', () => this.onWorkerGone());
  }

  /** Operations accepted and not yet answered. */
  get depth(): number {
    return this.inFlightOps + this.waitingCount();
  }

  /** Whether submit would accept or queue an operation now (not refuse it). */
  canTake(): boolean {
    return this.hasRoom() || this.canWait();
  }

  /** The OVERLOADED answer, with a retry hint from the recent micro-batch round trip. */
  overload(): ReturnType<typeof refuse.overloaded> {
    this.overloaded++;
    return refuse.overloaded(
      this.options.shard,
      Math.max(1, Math.ceil(this.roundTripMsAverage * Math.max(1, this.microBatchesInFlight))),
    );
  }

  /**
   * Accepts one operation (its opcode and fields) for the next micro-batch. At the in-flight limit it
   * answers OVERLOADED at once, or waits in line (onOverload 'wait') while the line has room.
   */
  submit(resolver: Resolver, fields: unknown[], slot = -1): void {
    const into = this.admit(resolver, slot);
    if (into !== null) for (let i = 0; i < fields.length; i++) into.push(fields[i]);
  }

  /**
   * A control operation (watch): always taken, even at the in-flight limit, so a subscription
   * never silently fails under load. Callers bound these themselves (one per subscribed SKU).
   */
  submitControl(fields: unknown[]): void {
    const into = this.accept(ignoreResult, -1);
    for (let i = 0; i < fields.length; i++) into.push(fields[i]);
  }

  /**
   * The hot path's submit: a whole reserve, pushed straight into the micro-batch; a plain
   * single-line one (no location, strategy, destination or split) as RESERVE_ONE's five fields.
   */
  submitReserve(resolver: Resolver, request: ReserveRequest, slot = -1): void {
    const into = this.admit(resolver, slot);
    if (into === null) return;
    const { lines } = request;
    const line = lines.length === 1 ? lines[0]! : null;
    if (line !== null && line.location === undefined && isPlainPlacement(request)) {
      into.push(OP.RESERVE_ONE, request.id, request.channel, request.ttlMs, line.sku, line.qty);
      return;
    }
    into.push(
      OP.RESERVE,
      request.id,
      request.channel,
      request.ttlMs,
      lines,
      1,
      -1,
      null,
      request.strategy ?? null,
      request.destination ?? null,
      request.allowSplit ?? false,
    );
  }

  /** The hot path's submit: an operation that takes one argument (an id or a SKU). */
  submitOne(resolver: Resolver, op: number, argument: string, slot = -1): void {
    const into = this.admit(resolver, slot);
    if (into !== null) into.push(op, argument);
  }

  /**
   * Closes the open micro-batch and sends what the worker has room for. `force` sends an empty micro-batch
   * to an idle shard, to carry time to it.
   */
  flush(force: boolean): void {
    if (force && this.open.resolvers.length === 0 && this.sealed.length === 0 && this.microBatchesInFlight === 0) {
      this.dispatch(this.open);
      this.open = new MicroBatch();
      return;
    }
    this.seal();
    this.dispatchSealed();
  }

  private seal(): void {
    if (this.open.resolvers.length === 0) return;
    this.sealed.push(this.open);
    this.open = new MicroBatch();
  }

  private dispatchSealed(): void {
    while (this.microBatchesInFlight < MICRO_BATCHES_IN_FLIGHT_MAX && this.sealed.length > 0) {
      this.dispatch(this.sealed.shift() as MicroBatch);
    }
  }

  private dispatch(microBatch: MicroBatch): void {
    if (this.deadCause !== null) {
      this.microBatchesInFlight++;
      queueMicrotask(() => this.fail(microBatch, new Error(this.deadCause as string)));
      return;
    }
    this.countOps(microBatch.fields);
    if (microBatch.resolvers.length > this.largestMicroBatchOps)
      this.largestMicroBatchOps = microBatch.resolvers.length;
    microBatch.fields[0] = this.microBatchSeq++;
    microBatch.fields[1] = this.options.nowMs();
    const bytes = encodeTransferable(this.codec, microBatch.fields);
    this.microBatchesInFlight++;
    const sentAtMs = performance.now();
    this.pool.run(bytes, { transferList: [bytes.buffer as ArrayBuffer] }).then(
      (reply: Uint8Array) => this.complete(microBatch, reply, sentAtMs),
      (error: Error) => this.fail(microBatch, error),
    );
  }

  stats(): ShardStats {
    return {
      shard: this.options.shard,
      healthy: !this.lastMicroBatchFailed && this.stoppedCause === null && this.deadCause === null,
      cause:
        this.deadCause ??
        this.stoppedCause ??
        (this.lastMicroBatchFailed ? (this.workerError ?? 'its last micro-batch failed') : null),
      storageFailures: this.storageFailures,
      workerDeaths: this.workerDeaths,
      heapUsedBytes: this.heapUsedBytes,
      heapLimitBytes: this.heapLimitBytes,
      queueDepth: this.depth,
      queueDepthMax: this.queueDepthMax,
      batchesInFlight: this.microBatchesInFlight,
      batchesSent: this.microBatchSeq,
      largestBatchOps: this.largestMicroBatchOps,
      ops: this.counts.snapshot(),
      overloaded: this.overloaded,
      latency: this.latency.summary(),
      ledger: { ...this.counters },
      workerBusyMs: this.pool.threads[0]?.performance.eventLoopUtilization().active ?? 0,
    };
  }

  /** Resolves once nothing is waiting, queued or in flight. */
  whenDrained(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.drained = resolve;
    });
  }

  /** Fault injection (tests): kills the shard's worker thread as a crash would; piscina starts a new one. */
  killWorker(): Promise<number> {
    const [thread] = this.pool.threads;
    invariant(thread !== undefined, `shard ${this.options.shard} has no worker thread to kill`);
    return thread.terminate();
  }

  /**
   * A clean close, once drained: the worker finishes its journal's housekeeping and last sync
   * (worker.ts closeShard), then stops. A failed last sync is reported, and the worker stops anyway.
   */
  async close(): Promise<void> {
    // From here a worker that dies is not replaced: the close ends the shard either way.
    this.destroying = true;
    if (this.deadCause === null) {
      try {
        await this.pool.run(null, { name: 'closeShard' });
      } catch (error) {
        console.error(`holdfast shard ${this.options.shard}: close: ${describeError(error as Error)}`);
      }
    }
    await this.destroy();
  }

  /** Stops the worker at once, without waiting for anything it is doing. */
  destroy(): Promise<void> {
    this.destroying = true;
    return this.deadCause === null ? this.pool.destroy() : Promise.resolve();
  }

  /**
   * Takes an operation in: returns the array its opcode and fields go into (the open micro-batch, or
   * its place in the waiting line), or null after answering it OVERLOADED.
   */
  private admit(resolver: Resolver, slot: number): unknown[] | null {
    if (this.hasRoom()) return this.accept(resolver, slot);
    if (this.canWait()) {
      const waiter: Waiter = { resolver, slot, fields: [] };
      this.waiting.push(waiter);
      return waiter.fields;
    }
    resolver(this.overload(), slot);
    return null;
  }

  private countOps(fields: unknown[]): void {
    for (let at = MICRO_BATCH_HEADER_FIELDS; at < fields.length; at += 1 + OP_FIELDS[fields[at] as number]!) {
      this.counts.add(OP_NAMES[fields[at] as number]!);
    }
  }

  private hasRoom(): boolean {
    return this.inFlightOps < this.options.maxInFlightOps && this.waitingCount() === 0;
  }

  private canWait(): boolean {
    return this.options.onOverload === 'wait' && this.waitingCount() < this.options.maxWaitingOps;
  }

  /** Adds an operation to the open micro-batch; a full micro-batch is sealed and sent first, if there is room. */
  private accept(resolver: Resolver, slot: number): unknown[] {
    if (this.open.resolvers.length >= this.options.maxBatchOps) this.flush(false);
    const microBatch = this.open;
    if (microBatch.resolvers.length === 0) {
      microBatch.openedAtMs = performance.now();
      this.options.scheduleFlush();
    }
    microBatch.resolvers.push(resolver);
    microBatch.slots.push(slot);
    this.inFlightOps++;
    if (this.inFlightOps > this.queueDepthMax) this.queueDepthMax = this.inFlightOps;
    return microBatch.fields;
  }

  private complete(microBatch: MicroBatch, reply: Uint8Array, sentAtMs: number): void {
    const [results, events, forgotten, counters, refusals, state] = this.codec.unpack(reply) as [
      unknown[],
      ChangeEvent[],
      string[],
      LedgerCounters,
      Refusal[],
      ShardState,
    ];
    for (const refusal of refusals) Object.freeze(Object.freeze(refusal).error);
    this.counters = counters;
    this.lastMicroBatchFailed = false;
    this.takeState(state);
    this.retire(microBatch, sentAtMs);
    if (events.length > 0) this.options.onEvents(this.options.shard, events);
    const { resolvers, slots } = microBatch;
    for (let i = 0; i < resolvers.length; i++) resolvers[i]!(resolveRef(results[i], refusals), slots[i]!);
    if (forgotten.length > 0) this.options.onForgotten(this.options.shard, forgotten);
    this.afterMicroBatch();
  }

  /** The shard's state from a reply; its return from a storage failure is told like a recovery. */
  private takeState([stoppedCause, storageFailures, heapUsedBytes, heapLimitBytes]: ShardState): void {
    const recovered = this.stoppedCause !== null && stoppedCause === null;
    this.stoppedCause = stoppedCause;
    this.storageFailures = storageFailures;
    this.heapUsedBytes = heapUsedBytes;
    this.heapLimitBytes = heapLimitBytes;
    if (recovered) this.options.onFailure(this.options.shard);
  }

  private fail(microBatch: MicroBatch, error: Error): void {
    this.workerError = describeError(error);
    this.lastMicroBatchFailed = true;
    this.retire(microBatch, performance.now());
    const refusal = refuse.unavailable(this.options.shard, describeError(error));
    const { resolvers, slots } = microBatch;
    for (let i = 0; i < resolvers.length; i++) resolvers[i]!(refusal, slots[i]!);
    this.afterMicroBatch();
    if (this.deadCause === null) this.options.onFailure(this.options.shard);
  }

  /**
   * The worker died. piscina starts a replacement, which recovers from disk before it is ready
   * (workerCreate); if the replacement dies too before it is ready (its recovery does not fit in
   * the heap, say), the shard gives up instead of looping: RECOVERY_FAILED, until a restart.
   */
  private onWorkerGone(): void {
    if (this.destroying || this.deadCause !== null) return;
    this.workerDeaths++;
    if (!this.replacing) {
      this.replacing = true;
      return;
    }
    // piscina tells the worker's error to its tasks after this event: give up once it has.
    setImmediate(() => this.giveUp());
  }

  private giveUp(): void {
    if (this.destroying || this.deadCause !== null) return;
    this.deadCause =
      `RECOVERY_FAILED: shard ${this.options.shard}'s worker died again ` +
      `while recovering (${this.workerError ?? 'no error reported'}); ` +
      `it serves nothing until the engine restarts (raise shardHeapMb if the heap was the cause)`;
    console.error(`holdfast ${this.deadCause}`);
    void this.pool.destroy().catch(() => undefined);
  }

  /** A micro-batch came back (answered or failed): it leaves the in-flight counts; its round trip and latency count. */
  private retire(microBatch: MicroBatch, sentAtMs: number): void {
    const nowMs = performance.now();
    this.microBatchesInFlight--;
    this.inFlightOps -= microBatch.resolvers.length;
    this.roundTripMsAverage = this.roundTripMsAverage * 0.9 + (nowMs - sentAtMs) * 0.1;
    if (microBatch.resolvers.length > 0)
      this.latency.record((nowMs - microBatch.openedAtMs) * 1000, microBatch.resolvers.length);
  }

  private afterMicroBatch(): void {
    this.dispatchSealed();
    this.admitWaiting();
    if (this.open.resolvers.length > 0) this.options.scheduleFlush();
    if (this.drained !== null && this.depth === 0) {
      const drained = this.drained;
      this.drained = null;
      drained();
    }
  }

  private admitWaiting(): void {
    while (this.waitingCount() > 0 && this.inFlightOps < this.options.maxInFlightOps) {
      const waiter = this.waiting.shift() as Waiter;
      const into = this.accept(waiter.resolver, waiter.slot);
      for (let i = 0; i < waiter.fields.length; i++) into.push(waiter.fields[i]);
    }
  }

  private waitingCount(): number {
    return this.waiting.size;
  }
}

/** The placement options a reserve left out (or gave as their defaults): RESERVE_ONE can carry it. */
function isPlainPlacement(request: ReserveRequest): boolean {
  return request.strategy === undefined && request.destination === undefined && (request.allowSplit ?? false) === false;
}

function describeError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === undefined || error.message.includes(code) ? error.message : `${code}: ${error.message}`;
}
