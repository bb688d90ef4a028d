import { Packr } from 'msgpackr';
import { decodeMsgpackData } from '../wire/msgpack-data.js';

/** A frame's encoding: a text frame carries JSON, a binary frame msgpack. A reply uses its request's. */
export type Encoding = 'json' | 'msgpack';

/**
 * Replies: plain msgpack (no msgpackr records), so any msgpack library reads them. They are the
 * engine's own plain data; an `undefined` field is left out, as in JSON (msgpackr would otherwise
 * write it as extension 0, which a data-only decoder, the typed client's included, refuses).
 * Integers past 32 bits go out as float64, which every JavaScript decoder reads as a number.
 */
// skipValues: not in msgpackr's types
const REPLY_OPTIONS = { useRecords: false, skipValues: [undefined], encodeUndefinedAsNil: true };
const replyPackr = new Packr(REPLY_OPTIONS);

export const PARSE_FAILED: unique symbol = Symbol('parse failed');

/**
 * A client's frame as plain data, or PARSE_FAILED. Both decoders make trees of data only: JSON by
 * nature, msgpack because the wire decoder refuses every extension (no structured-clone
 * references, records, bundled strings, Dates, Sets…: see engine/wire/msgpack-data.ts).
 */
export function decodeFrame(data: Buffer, encoding: Encoding): unknown {
  try {
    return encoding === 'json' ? JSON.parse(data.toString('utf8')) : decodeMsgpackData(data);
  } catch {
    return PARSE_FAILED;
  }
}

export function encodeFrame(value: unknown, encoding: Encoding): string | Buffer {
  return encoding === 'json' ? JSON.stringify(value) : replyPackr.pack(value);
}

/** Joins the raw chunks ws may deliver for one message. */
export function frameBytes(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
