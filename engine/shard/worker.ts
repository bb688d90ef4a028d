import { move, workerData } from 'piscina';
import { invariant } from '../ledger/assert.js';
import { Ledger, type LedgerOptions } from '../ledger/ledger.js';
import { applyBatch } from './apply-batch.js';
import { createCodec, encodeTransferable } from './protocol.js';

/** What the router hands each shard's worker thread at start. */
export interface ShardWorkerData {
  shard: number;
  ledger: LedgerOptions;
}

const config = workerData as ShardWorkerData;
const ledger = new Ledger(config.ledger);
const codec = createCodec();
let lastSeq = -1;

/**
 * piscina's task function: one batch in, one reply out, both msgpack buffers transferred.
 * Batches must arrive in the order the router sent them: sequence numbers only go up. (They
 * may skip: batches in flight when a worker died never reach its replacement.)
 */
export default function applyShardBatch(bytes: Uint8Array): ReturnType<typeof move> {
  const batch = codec.unpack(bytes) as unknown[];
  const seq = batch[0] as number;
  invariant(seq > lastSeq, `shard ${config.shard}: batch ${seq} arrived after batch ${lastSeq}`);
  lastSeq = seq;
  const { results, refusals } = applyBatch(ledger, batch);
  const events = ledger.events.splice(0, ledger.events.length);
  const forgotten = ledger.forgotten.splice(0, ledger.forgotten.length);
  const reply = encodeTransferable(codec, [results, events, forgotten, ledger.counters(), refusals]);
  return move(reply);
}
