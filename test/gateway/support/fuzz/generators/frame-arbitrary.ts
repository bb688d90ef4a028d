/** The one frame arbitrary the fuzz test samples: every kind of frame, in both encodings, weighted. */
import fc from 'fast-check';
import type { Encoding, FrameOptions } from '../vocabulary.js';
import { amplificationFrame } from './amplification.js';
import { cleanFrameValue } from './clean-frames.js';
import { deepFrame, rawDeepFrame } from './deep-frames.js';
import { encodeValue } from './encode.js';
import { hostileMsgpackFrame } from './hostile-msgpack.js';
import { hugeFrame } from './huge-frames.js';
import { mutationArb, type Mutation } from './mutations.js';

/**
 * One fuzzed frame, before the safety filter. `base` is a clean, safe frame; when `mutations`
 * is not empty the bytes sent are the mutated ones, provided the oracle finds them safe.
 */
export interface FrameDraft {
  kind: string;
  encoding: Encoding;
  base: Buffer;
  mutations: Mutation[];
}

export function frameArbitrary(options: FrameOptions): fc.Arbitrary<FrameDraft> {
  const perEncoding = (encoding: Encoding): fc.Arbitrary<FrameDraft> =>
    fc.oneof(
      {
        weight: 30,
        arbitrary: cleanFrameValue(encoding).map(({ kind, value }) => ({
          kind,
          encoding,
          base: encodeValue(value, encoding),
          mutations: [] as Mutation[],
        })),
      },
      {
        weight: 45,
        arbitrary: fc
          .tuple(cleanFrameValue(encoding), fc.array(mutationArb, { minLength: 1, maxLength: 4 }))
          .map(([{ kind, value }, mutations]) => ({
            kind: `mutated-${kind}`,
            encoding,
            base: encodeValue(value, encoding),
            mutations,
          })),
      },
      {
        weight: 8,
        arbitrary: fc
          .oneof(
            // Text frames get mostly UTF-8 (anything else closes the connection: see expectationOf).
            { weight: encoding === 'json' ? 1 : 4, arbitrary: fc.uint8Array({ maxLength: 64 }) },
            { weight: encoding === 'json' ? 1 : 2, arbitrary: fc.uint8Array({ minLength: 64, maxLength: 2048 }) },
            {
              weight: encoding === 'json' ? 12 : 2,
              arbitrary: fc
                .string({ unit: 'binary', maxLength: 64 })
                .map((s) => new Uint8Array(Buffer.from(s, 'utf8'))),
            },
            {
              weight: encoding === 'json' ? 4 : 1,
              arbitrary: fc
                .string({ unit: 'grapheme-ascii', maxLength: 300 })
                .map((s) => new Uint8Array(Buffer.from(s, 'utf8'))),
            },
            {
              weight: 1,
              arbitrary: fc.constantFrom(
                new Uint8Array(0),
                new Uint8Array([0xc1]),
                new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff]),
                new Uint8Array([0xdf, 0xff, 0xff, 0xff, 0xff]),
                new Uint8Array([0xc7, 0x01, 0x70, 0x01]),
                new Uint8Array([0xd4, 0x72, 0x40]),
                new Uint8Array([0xd6, 0xff, 0, 0, 0, 1]),
              ),
            },
          )
          .map((bytes) => ({ kind: 'random-bytes', encoding, base: Buffer.from(bytes), mutations: [] as Mutation[] })),
      },
      {
        weight: 2,
        arbitrary: deepFrame(encoding).map(({ kind, value }) => ({
          kind,
          encoding,
          base: encodeValue(value, encoding),
          mutations: [] as Mutation[],
        })),
      },
      {
        weight: 1,
        arbitrary: fc
          .integer({ min: 0, max: 39 })
          .chain((n) => (n === 0 ? rawDeepFrame(encoding) : fc.constant(null)))
          .map((raw) =>
            raw === null
              ? { kind: 'skip', encoding, base: Buffer.alloc(0), mutations: [] as Mutation[] }
              : { kind: raw.kind, encoding, base: raw.bytes, mutations: [] as Mutation[] },
          ),
      },
      ...(encoding === 'msgpack'
        ? [
            {
              weight: 3,
              arbitrary: hostileMsgpackFrame().map(({ kind, bytes }) => ({
                kind,
                encoding,
                base: bytes,
                mutations: [] as Mutation[],
              })),
            },
          ]
        : []),
      {
        weight: 1,
        arbitrary: fc
          .integer({ min: 0, max: 19 })
          .chain((n) => (n === 0 ? amplificationFrame(encoding) : fc.constant(null)))
          .map((frame) =>
            frame === null
              ? { kind: 'skip', encoding, base: Buffer.alloc(0), mutations: [] as Mutation[] }
              : { kind: frame.kind, encoding, base: encodeValue(frame.value, encoding), mutations: [] as Mutation[] },
          ),
      },
      {
        weight: 1,
        arbitrary: fc
          .integer({ min: 0, max: 9 })
          .chain((n) => (n === 0 ? hugeFrame(encoding, options) : fc.constant(null)))
          .map((huge) =>
            huge === null
              ? { kind: 'skip', encoding, base: Buffer.alloc(0), mutations: [] as Mutation[] }
              : { kind: huge.kind, encoding, base: encodeValue(huge.value, encoding), mutations: [] as Mutation[] },
          ),
      },
    );
  return fc.oneof(perEncoding('json'), perEncoding('msgpack'));
}
