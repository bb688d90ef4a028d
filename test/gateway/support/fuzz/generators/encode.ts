/** Encoding a generated value into a frame's bytes, as a client of that encoding would. */
import { Packr } from 'msgpackr';
import type { Encoding } from '../vocabulary.js';

/** The fuzzer's encoder: plain msgpack that writes an own `toJSON` key as a key (msgpackr would call it). */
const clientPackr = new Packr({ useRecords: false, useToJSON: false });

/** Encodes a value as the client of that encoding would (JSON has no NaN, Infinity or BigInt). */
export function encodeValue(value: unknown, encoding: Encoding): Buffer {
  if (encoding === 'msgpack') return clientPackr.pack(value);
  return Buffer.from(
    JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null',
    'utf8',
  );
}
