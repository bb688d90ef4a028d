import { Piscina } from 'piscina';
import { createEchoCodec, decodeTransferred, encodeTransferable } from './echo-protocol.js';
import type { EchoOp, EchoResult } from './echo-protocol.js';

const ECHO_WORKER_URL = new URL('./echo-worker.js', import.meta.url);

export interface EchoShardOptions {
  maxBatchOps: number;
  /** Batches piscina may hand the worker before the previous ones are answered. */
  concurrentTasksPerWorker: number;
}

type Resolve = (result: EchoResult) => void;

/**
 * The caller side of one echo worker, doing the per-op work a shard router does:
 * one promise per op, ops collected into a micro-batch flushed once per tick (or when full),
 * encoded with msgpackr, transferred; the reply is decoded and each op's promise resolved.
 */
export class EchoShard {
  readonly #pool: Piscina;
  readonly #codec = createEchoCodec();
  readonly #maxBatchOps: number;
  #ops: EchoOp[] = [];
  #resolvers: Resolve[] = [];
  #flushScheduled = false;
  readonly #flushOnTick = (): void => {
    this.#flushScheduled = false;
    this.#flush();
  };

  constructor(options: EchoShardOptions) {
    this.#maxBatchOps = options.maxBatchOps;
    this.#pool = new Piscina({
      filename: ECHO_WORKER_URL.href,
      minThreads: 1,
      maxThreads: 1,
      idleTimeout: Number.MAX_SAFE_INTEGER,
      concurrentTasksPerWorker: options.concurrentTasksPerWorker,
    });
  }

  submit(op: EchoOp): Promise<EchoResult> {
    return new Promise<EchoResult>((resolve) => {
      this.#ops.push(op);
      this.#resolvers.push(resolve);
      if (this.#ops.length >= this.#maxBatchOps) this.#flush();
      else if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        queueMicrotask(this.#flushOnTick);
      }
    });
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }

  #flush(): void {
    if (this.#ops.length === 0) return;
    const ops = this.#ops;
    const resolvers = this.#resolvers;
    this.#ops = [];
    this.#resolvers = [];
    const batch = encodeTransferable(this.#codec, ops);
    this.#pool.run(batch, { transferList: [batch] }).then((reply: ArrayBuffer) => {
      this.#resolveAll(resolvers, decodeTransferred<EchoResult[]>(this.#codec, reply));
    });
  }

  #resolveAll(resolvers: Resolve[], results: EchoResult[]): void {
    for (let index = 0; index < resolvers.length; index++) resolvers[index](results[index]);
  }
}
