import { Piscina } from 'piscina';
import { WORKER_CONCURRENT_MICRO_BATCHES } from '../../engine/router/shard-link.js';
import { createEchoCodec, decodeTransferred, encodeTransferable } from './echo-protocol.js';
import type { EchoAnswer, EchoFailure, EchoOp, EchoResult } from './echo-protocol.js';

const ECHO_WORKER_URL = new URL('./echo-worker.js', import.meta.url);

export interface EchoShardOptions {
  /** A batch is sent as soon as it holds this many ops (if a batch slot is free). */
  maxBatchOps: number;
  /** Batches in flight to the worker at once; more ops wait in the open batch. */
  batchesInFlightMax: number;
}

type Resolve = (answer: EchoAnswer) => void;

class OpenBatch {
  readonly ops: EchoOp[] = [];
  readonly resolvers: Resolve[] = [];
}

/**
 * The caller side of one echo worker, with the engine router's transport policy: one promise
 * per op; ops collect in an open micro-batch, flushed on the next turn of the event loop
 * (setImmediate) or when full, with at most `batchesInFlightMax` batches in flight; msgpackr
 * encode, transfer; the reply is decoded and each op's promise resolved.
 */
export class EchoShard {
  readonly #pool: Piscina;
  readonly #codec = createEchoCodec();
  readonly #options: EchoShardOptions;
  #open = new OpenBatch();
  /** Full batches waiting for a place in flight, as in the engine's ShardLink. */
  readonly #sealed: OpenBatch[] = [];
  #batchesInFlight = 0;
  #flushScheduled = false;
  readonly #flushOnTick = (): void => {
    this.#flushScheduled = false;
    this.#flush();
  };

  constructor(options: EchoShardOptions) {
    this.#options = options;
    this.#pool = new Piscina({
      filename: ECHO_WORKER_URL.href,
      minThreads: 1,
      maxThreads: 1,
      concurrentTasksPerWorker: WORKER_CONCURRENT_MICRO_BATCHES,
      maxQueue: options.batchesInFlightMax - WORKER_CONCURRENT_MICRO_BATCHES,
      idleTimeout: 2 ** 31 - 1,
      recordTiming: false,
      atomics: 'disabled',
    });
  }

  /** Resolves (never rejects) with the op's echo, or a failure if its batch could not be echoed. */
  submit(op: EchoOp): Promise<EchoAnswer> {
    return new Promise<EchoAnswer>((resolve) => {
      if (this.#open.ops.length >= this.#options.maxBatchOps) this.#flush();
      const batch = this.#open;
      batch.ops.push(op);
      batch.resolvers.push(resolve);
      if (batch.ops.length === 1) this.#scheduleFlush();
    });
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(this.#flushOnTick);
  }

  #flush(): void {
    if (this.#open.ops.length > 0) {
      this.#sealed.push(this.#open);
      this.#open = new OpenBatch();
    }
    this.#flushSealed();
  }

  #flushSealed(): void {
    while (this.#batchesInFlight < this.#options.batchesInFlightMax && this.#sealed.length > 0) {
      this.#dispatch(this.#sealed.shift() as OpenBatch);
    }
  }

  #dispatch(batch: OpenBatch): void {
    this.#batchesInFlight++;
    const bytes = encodeTransferable(this.#codec, batch.ops);
    this.#pool.run(bytes, { transferList: [bytes] }).then(
      (reply: ArrayBuffer) => this.#complete(batch, decodeTransferred<EchoResult[]>(this.#codec, reply)),
      (error: Error) => this.#complete(batch, null, { ok: false, error: error.message }),
    );
  }

  #complete(batch: OpenBatch, results: EchoResult[] | null, failure?: EchoFailure): void {
    this.#batchesInFlight--;
    const resolvers = batch.resolvers;
    for (let index = 0; index < resolvers.length; index++)
      resolvers[index]!(results?.[index] ?? (failure as EchoFailure));
    this.#flushSealed();
    if (this.#open.ops.length > 0) this.#scheduleFlush();
  }
}
