import { move } from 'piscina';
import { createEchoCodec, decodeTransferred, encodeTransferable } from './echo-protocol.js';
import type { EchoOp, EchoResult } from './echo-protocol.js';

const codec = createEchoCodec();
let seq = 0;

/** No ledger work: decode the batch, answer one small result object per op, encode, transfer back. */
export default function echoBatch(batch: ArrayBuffer): unknown {
  const ops = decodeTransferred<EchoOp[]>(codec, batch);
  const results: EchoResult[] = new Array(ops.length);
  for (let index = 0; index < ops.length; index++) {
    seq += 1;
    results[index] = { ok: true, id: ops[index]![1], seq };
  }
  return move(encodeTransferable(codec, results));
}
