/** Byte mutations of an encoded frame: set, flip, cut, delete, duplicate, insert, swap. */
import fc from 'fast-check';
import type { Encoding } from '../vocabulary.js';

export interface Mutation {
  op: 'set' | 'bitflip' | 'truncate' | 'delete' | 'duplicate' | 'insert' | 'swap';
  at: number;
  length: number;
  byte: number;
  ascii: boolean;
}

export const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom<Mutation['op']>(
    'set',
    'set',
    'bitflip',
    'truncate',
    'delete',
    'delete',
    'duplicate',
    'insert',
    'swap',
  ),
  at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
  length: fc.integer({ min: 1, max: 12 }),
  byte: fc.integer({ min: 0, max: 255 }),
  ascii: fc.integer({ min: 0, max: 59 }).map((n) => n > 0),
});

/** Bytes JSON cares about: mutations of a text frame mostly pick these. */
const JSON_BYTES = Buffer.from('{}[]",:\\0123456789-.eE ntfrulsa');

export function mutate(bytes: Buffer, mutations: readonly Mutation[], encoding: Encoding): Buffer {
  let out = Buffer.from(bytes);
  for (const m of mutations) {
    const at = Math.floor(m.at * out.length);
    const byte =
      encoding === 'json' && m.ascii
        ? m.byte % 2 === 0
          ? JSON_BYTES[m.byte % JSON_BYTES.length]
          : 0x20 + (m.byte % 95)
        : m.byte;
    switch (m.op) {
      case 'set':
        if (out.length > 0) out[at] = byte;
        break;
      case 'bitflip':
        if (out.length > 0) out[at] ^= 1 << (m.byte % (encoding === 'json' && m.ascii ? 7 : 8));
        break;
      case 'truncate':
        out = out.subarray(0, at);
        break;
      case 'delete':
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + m.length)]);
        break;
      case 'duplicate':
        out = Buffer.concat([out.subarray(0, at + m.length), out.subarray(at)]);
        break;
      case 'insert':
        out = Buffer.concat([out.subarray(0, at), Buffer.alloc(m.length, byte), out.subarray(at)]);
        break;
      case 'swap': {
        const other = Math.floor(((m.at * 7919) % 1) * out.length);
        if (out.length > 0) [out[at], out[other]] = [out[other], out[at]];
        break;
      }
    }
  }
  return out;
}
