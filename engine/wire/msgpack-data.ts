import { DecodeError, Decoder, Encoder, type ExtensionCodecType } from '@msgpack/msgpack';
import { LIMITS } from '../api/limits.js';

/**
 * msgpack for bytes that cross the network (the gateway reads a stranger's, the client the
 * server's): DATA ONLY — nil, booleans, numbers, strings, binaries, arrays and maps, nothing else.
 *
 * Why @msgpack/msgpack and not msgpackr (which the engine keeps for its own shard micro-batches):
 * msgpackr's unpack honours its in-band extensions whatever the Unpackr's options. Its table of
 * extension readers is one module-wide object (`currentExtensions` in unpack.js), shared by every
 * Unpackr: structured-clone ids and pointers (0x69 / 0x70: one map referenced from many places,
 * so a 400-byte frame decodes to a graph with 2^28 paths), record definitions (0x72, read by the
 * fixext cases before any extension lookup, and honoured with `useRecords: false`), bundled
 * strings (0x62), Set, Error, RegExp, typed arrays, Date, BigInt, undefined. `structuredClone:
 * false` turns off only the first two. @msgpack/msgpack (the reference implementation) hands
 * every extension to the ExtensionCodec it is given, so one that refuses every type refuses all
 * of them; it has no records and no references, it refuses a `__proto__` map key, and it decodes
 * nested containers with a stack of its own (no recursion), so decoding stays linear in the
 * frame's bytes.
 *
 * The encoder here is for values a caller hands the typed client (anything at all): the same
 * library with the same codec, so no value is ever written as an extension the gateway would
 * refuse — `undefined` in a map is left out (as JSON.stringify does; msgpackr writes extension 0),
 * a Date or a Map becomes a map of its own enumerable fields, which validation then refuses for
 * that one call, rather than a frame the gateway cannot read. (The gateway's replies are the
 * engine's own plain data: engine/gateway/frame-codec.ts writes them with msgpackr, as before.)
 */
const REFUSE_EVERY_EXTENSION: ExtensionCodecType<undefined> = {
  tryToEncode: () => null,
  decode: (_data, extensionType) => {
    throw new DecodeError(`msgpack extension type ${extensionType} is refused: only plain data is accepted`);
  },
};

const decoder = new Decoder({
  extensionCodec: REFUSE_EVERY_EXTENSION,
  // No payload is ever read for an extension: the codec refuses it, and this refuses it first.
  maxExtLength: 0,
  // A larger container could never pass the frame's value bound; refused before it is allocated.
  maxArrayLength: LIMITS.valuesPerFrameMax,
  maxMapLength: LIMITS.valuesPerFrameMax,
  useBigInt64: false,
});

const encoder = new Encoder({ extensionCodec: REFUSE_EVERY_EXTENSION, ignoreUndefined: true });

/** Decodes one msgpack value of plain data. Throws on anything else, on trailing bytes, or on truncated input. */
export function decodeMsgpackData(bytes: Uint8Array): unknown {
  return decoder.decode(bytes);
}

/**
 * Encodes a value as plain msgpack (never an extension; integers past 32 bits as 64-bit integers,
 * which decodeMsgpackData reads as numbers). Throws on a value nested deeper than 100 or a BigInt.
 */
export function encodeMsgpackData(value: unknown): Buffer {
  const bytes = encoder.encode(value);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
