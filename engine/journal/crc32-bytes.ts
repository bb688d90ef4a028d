/**
 * CRC-32 of a whole buffer, as node:zlib crc32 computes it, but hashed in JavaScript below
 * JS_CRC_MAX_BYTES: for a journal record of a few dozen bytes the native call costs several times
 * the hashing (about 280 ns against 60 ns for 26 bytes, Node 20), and recovery hashes one per record.
 */
import { crc32 } from 'node:zlib';
import { crc32OfRegister, crc32Step, CRC32_REGISTER_START } from './crc32-ranges.js';

/** Above this the native crc32 is faster (measured: even at 96 bytes, slower from 128). */
export const JS_CRC_MAX_BYTES = 64;

export function crc32Of(bytes: Uint8Array): number {
  const length = bytes.length;
  if (length > JS_CRC_MAX_BYTES) return crc32(bytes);
  let register = CRC32_REGISTER_START;
  for (let index = 0; index < length; index++) register = crc32Step(register, bytes[index]!);
  return crc32OfRegister(register);
}
