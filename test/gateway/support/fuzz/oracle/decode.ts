/** Decoding a frame exactly as the gateway does: UTF-8 JSON for text, data-only msgpack for binary. */
import { isUtf8 } from 'node:buffer';
import { DecodeError, Decoder } from '@msgpack/msgpack';
import type { Encoding } from '../vocabulary.js';

/**
 * The gateway decodes a binary frame as data only (docs/service.md "Protocol: JSON-RPC 2.0"): every
 * msgpack extension type is refused, so no structured-clone reference, record, bundled string,
 * Date, Set… gets through; nor does a `__proto__` map key. The oracle decodes the same way.
 */
const dataOnly = new Decoder({
  extensionCodec: {
    tryToEncode: () => null,
    decode: (_data: Uint8Array, type: number) => {
      throw new DecodeError(`extension ${type}`);
    },
  },
});

type Decoded = { ok: true; value: unknown } | { ok: false; invalidUtf8: boolean };

/** Decodes a frame the way the gateway does (text: UTF-8 JSON; binary: plain msgpack). */
export function decodeLikeGateway(bytes: Buffer, encoding: Encoding): Decoded {
  if (encoding === 'json' && !isUtf8(bytes)) return { ok: false, invalidUtf8: true };
  try {
    return { ok: true, value: encoding === 'json' ? JSON.parse(bytes.toString('utf8')) : dataOnly.decode(bytes) };
  } catch {
    return { ok: false, invalidUtf8: false };
  }
}
