import { Packr } from 'msgpackr';

/** A frame's encoding: a text frame carries JSON, a binary frame msgpack. A reply uses its request's. */
export type Encoding = 'json' | 'msgpack';

/** Plain msgpack (no msgpackr records), so any msgpack library on the other side can read it. */
const packr = new Packr({ useRecords: false });

export const PARSE_FAILED: unique symbol = Symbol('parse failed');

export function decodeFrame(data: Buffer, encoding: Encoding): unknown {
  try {
    return encoding === 'json' ? JSON.parse(data.toString('utf8')) : packr.unpack(data);
  } catch {
    return PARSE_FAILED;
  }
}

export function encodeFrame(value: unknown, encoding: Encoding): string | Buffer {
  return encoding === 'json' ? JSON.stringify(value) : packr.pack(value);
}

/** Joins the raw chunks ws may deliver for one message. */
export function frameBytes(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
