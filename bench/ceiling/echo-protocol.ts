import { Packr } from 'msgpackr';

/** An op as the ceiling sends it: [kind, id, channel, ttlMs, sku, qty] — the fields a reserve carries. */
export type EchoOp = [kind: number, id: string, channel: string, ttlMs: number, sku: string, qty: number];

/** The small result object the echo worker answers for each op. */
export interface EchoResult {
  ok: true;
  id: string;
  seq: number;
}

/** What each op of a batch resolves to when its batch could not be echoed (the worker failed). */
export interface EchoFailure {
  ok: false;
  error: string;
}

export type EchoAnswer = EchoResult | EchoFailure;

export const ECHO_KIND_RESERVE = 1;

/** One codec per side of the boundary, with the default record extension (structures inline per message). */
export function createEchoCodec(): Packr {
  return new Packr();
}

/** Encodes into a fresh, exactly sized ArrayBuffer that can be transferred (msgpackr reuses its own buffer). */
export function encodeTransferable(codec: Packr, value: unknown): ArrayBuffer {
  const packed = codec.pack(value);
  return new Uint8Array(packed).buffer;
}

export function decodeTransferred<T>(codec: Packr, buffer: ArrayBuffer): T {
  return codec.unpack(new Uint8Array(buffer)) as T;
}
