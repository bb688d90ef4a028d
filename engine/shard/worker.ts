import { move, workerData } from 'piscina';
import { ShardHost, type ShardHostOptions } from './shard-host.js';

/** What the router hands each shard's worker thread at start: its host's options. */
export type ShardWorkerData = ShardHostOptions;

const config = workerData as ShardWorkerData;
/** A worker that starts (first, or after its predecessor died) recovers the shard from disk. */
const host = start();

/** Recovery fails the worker's start with the error's code in its message (the code does not cross threads). */
function start(): ShardHost {
  try {
    return new ShardHost(config);
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    throw new Error(`shard ${config.shard}: ${code === undefined ? '' : `${code}: `}${message}`, { cause: error });
  }
}

/**
 * piscina's task function: one micro-batch in, one reply out, both msgpack buffers transferred.
 * Micro-batches must arrive in the order the router sent them: sequence numbers only go up. (They
 * may skip: micro-batches in flight when a worker died never reach its replacement.)
 */
export default function applyShardMicroBatch(
  bytes: Uint8Array,
): ReturnType<typeof move> | Promise<ReturnType<typeof move>> {
  const reply = host.run(bytes);
  return reply instanceof Promise ? reply.then((value) => move(value)) : move(reply);
}

/** piscina's task `closeShard`, the last a worker runs on a clean close: see ShardHost.close. */
export function closeShard(): Promise<void> {
  return host.close();
}
