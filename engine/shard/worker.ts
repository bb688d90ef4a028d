import { move, workerData } from 'piscina';
import type { Durability } from '../api/options.js';
import { invariant } from '../ledger/assert.js';
import { Ledger, type LedgerOptions } from '../ledger/ledger.js';
import { applyBatch } from './apply-batch.js';
import { createCodec, encodeTransferable } from './protocol.js';
import { ShardJournal } from './shard-journal.js';

/** What the router hands each shard's worker thread at start. */
export interface ShardWorkerData {
  shard: number;
  ledger: LedgerOptions;
  /** null: in memory only. */
  durability: Durability | null;
}

const config = workerData as ShardWorkerData;
/** A worker that starts (first, or after its predecessor died) recovers the shard from disk. */
const recovered = config.durability === null ? null : recover(config.durability);

/** Recovery fails the worker's start with the error's code in its message (the code does not cross threads). */
function recover(durability: Durability): ReturnType<typeof ShardJournal.recover> {
  try {
    return ShardJournal.recover(config.shard, durability, config.ledger);
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    throw new Error(`shard ${config.shard}: ${code === undefined ? '' : `${code}: `}${message}`, { cause: error });
  }
}
const ledger = recovered?.ledger ?? new Ledger(config.ledger);
const journal = recovered?.journal ?? null;
const codec = createCodec();
let lastSeq = -1;

/**
 * piscina's task function: one batch in, one reply out, both msgpack buffers transferred.
 * Batches must arrive in the order the router sent them: sequence numbers only go up. (They
 * may skip: batches in flight when a worker died never reach its replacement.) With a journal,
 * a batch that changed the ledger is appended and the reply waits until it is durable.
 */
export default function applyShardBatch(bytes: Uint8Array): ReturnType<typeof move> | Promise<ReturnType<typeof move>> {
  const batch = codec.unpack(bytes) as unknown[];
  const seq = batch[0] as number;
  invariant(seq > lastSeq, `shard ${config.shard}: batch ${seq} arrived after batch ${lastSeq}`);
  lastSeq = seq;
  const { results, refusals, changed } = applyBatch(ledger, batch);
  const events = ledger.events.splice(0, ledger.events.length);
  const forgotten = ledger.forgotten.splice(0, ledger.forgotten.length);
  const reply = encodeTransferable(codec, [results, events, forgotten, ledger.counters(), refusals]);
  if (journal === null || !changed) return move(reply);
  journal.record(bytes);
  const durable = journal.durable();
  return journal.snapshotIfDue(ledger).then(() => durable).then(() => move(reply));
}
