import { invariant } from '../../shared/invariant.js';
import { decodeMsgpackData, encodeMsgpackData } from '../wire/msgpack-data.js';

/** 'json': text frames; 'msgpack': binary frames of plain data (engine/wire/msgpack-data.ts, as the gateway uses). */
export type Encoding = 'msgpack' | 'json';

/** One message encoded on its own: a JSON string or a msgpack buffer. */
export type Encoded = string | Buffer;

/** What `ws` hands a 'message' listener. */
export type FrameData = Buffer | ArrayBuffer | Buffer[];

/** Bytes a frame may add around its messages: the array header, and one separator per message. */
export const FRAME_OVERHEAD_BYTES = 3;
export const MESSAGE_OVERHEAD_BYTES = 1;

/** Encodes one message. Throws when the value cannot be encoded (a cycle, a BigInt in JSON…). */
export function encodeMessage(message: unknown, encoding: Encoding): Encoded {
  if (encoding === 'json') return JSON.stringify(message);
  // A fresh buffer each time (the encoder copies out of its own): the bytes stay ours.
  return encodeMsgpackData(message);
}

export function encodedBytes(encoded: Encoded): number {
  return typeof encoded === 'string' ? Buffer.byteLength(encoded) : encoded.length;
}

/**
 * One frame of messages encoded apart: a single message as is, several as a batch frame (an array).
 * msgpack arrays are a header followed by the elements, so the parts are joined, not re-encoded.
 */
export function joinFrame(parts: readonly Encoded[], encoding: Encoding): Encoded {
  if (parts.length === 1) {
    const [only] = parts;
    invariant(only !== undefined, 'a frame of one part has that part');
    return only;
  }
  if (encoding === 'json') return `[${parts.join(',')}]`;
  return Buffer.concat([msgpackArrayHeader(parts.length), ...(parts as Buffer[])]);
}

/** msgpack fixarray, array 16 or array 32 header for `length` elements. */
export function msgpackArrayHeader(length: number): Buffer {
  if (length < 16) return Buffer.from([0x90 | length]);
  if (length < 0x10000) return Buffer.from([0xdc, length >> 8, length & 0xff]);
  const header = Buffer.alloc(5);
  header[0] = 0xdd;
  header.writeUInt32BE(length, 1);
  return header;
}

/**
 * Decodes a received frame: binary frames are msgpack, text frames JSON. Throws on malformed
 * input, and on any msgpack extension: the server's bytes are read as data only, as the server
 * reads a client's.
 */
export function decodeFrame(data: FrameData, isBinary: boolean): unknown {
  const bytes = toBuffer(data);
  return isBinary ? decodeMsgpackData(bytes) : JSON.parse(bytes.toString('utf8'));
}

function toBuffer(data: FrameData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
