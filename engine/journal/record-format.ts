/**
 * The record format shared by journals and snapshot files:
 *
 *   [u32 LE payload length][u32 LE crc32 of the payload][payload bytes]
 *
 * A payload holds 1..RECORD_PAYLOAD_MAX_BYTES bytes. Length 0 is never written, so a run of zero
 * bytes (what some file systems leave after a crash that extended a file before its data reached
 * the disk) never parses as a record.
 */
import { crc32Of } from './crc32-bytes.js';
import { invalidArgument, invariant } from './errors.js';

export const RECORD_HEADER_BYTES = 8;
/** A journal record's length field beyond this is garbage, not a record. */
export const RECORD_PAYLOAD_MAX_BYTES = 256 * 1024 * 1024;
/** The largest payload the u32 length field can describe with the whole record under 4 GiB. */
export const LENGTH_FIELD_PAYLOAD_MAX_BYTES = 0xffff_ffff - RECORD_HEADER_BYTES;

export type RecordCheck =
  | { readonly ok: true; readonly payload: Buffer; readonly endBytes: number }
  | { readonly ok: false; readonly reason: string };

export type HeaderCheck =
  | { readonly ok: true; readonly payloadBytes: number; readonly crc: number }
  | { readonly ok: false; readonly reason: string };

export function assertPayloadSize(payload: Uint8Array, payloadMaxBytes: number): void {
  invariant(
    payloadMaxBytes >= 1 && payloadMaxBytes <= LENGTH_FIELD_PAYLOAD_MAX_BYTES,
    `payloadMaxBytes ${payloadMaxBytes} out of range`,
  );
  if (payload.byteLength === 0) throw invalidArgument('a record payload must not be empty');
  if (payload.byteLength > payloadMaxBytes) {
    throw invalidArgument(`a record payload of ${payload.byteLength} bytes exceeds ${payloadMaxBytes}`);
  }
}

/** `payloadMaxBytes` is RECORD_PAYLOAD_MAX_BYTES for journals; snapshot files allow more. */
export function encodeRecordHeader(payload: Uint8Array, payloadMaxBytes = RECORD_PAYLOAD_MAX_BYTES): Buffer {
  assertPayloadSize(payload, payloadMaxBytes);
  const header = Buffer.allocUnsafe(RECORD_HEADER_BYTES);
  header.writeUInt32LE(payload.byteLength, 0);
  header.writeUInt32LE(crc32Of(payload), 4);
  return header;
}

/** Header and payload in one buffer (one write, never interleaved). */
export function encodeRecord(payload: Uint8Array, payloadMaxBytes = RECORD_PAYLOAD_MAX_BYTES): Buffer {
  return Buffer.concat([encodeRecordHeader(payload, payloadMaxBytes), payload]);
}

export function isPayloadLengthPossible(payloadBytes: number, payloadMaxBytes = RECORD_PAYLOAD_MAX_BYTES): boolean {
  return payloadBytes >= 1 && payloadBytes <= payloadMaxBytes;
}

/** The header at `offsetBytes`; `buffer` ends where the file ends. */
export function checkRecordHeader(
  buffer: Buffer,
  offsetBytes: number,
  payloadMaxBytes = RECORD_PAYLOAD_MAX_BYTES,
): HeaderCheck {
  const availableBytes = buffer.length - offsetBytes;
  if (availableBytes < RECORD_HEADER_BYTES) {
    return { ok: false, reason: `header cut short: ${availableBytes} of ${RECORD_HEADER_BYTES} bytes` };
  }
  const payloadBytes = buffer.readUInt32LE(offsetBytes);
  if (!isPayloadLengthPossible(payloadBytes, payloadMaxBytes))
    return { ok: false, reason: `impossible payload length ${payloadBytes}` };
  return { ok: true, payloadBytes, crc: buffer.readUInt32LE(offsetBytes + 4) };
}

export function payloadCutReason(availableBytes: number, payloadBytes: number): string {
  return `payload cut short: ${availableBytes} of ${payloadBytes} bytes`;
}

/** Null when the payload matches the header's crc, else why not. */
export function payloadCrcProblem(payload: Uint8Array, expectedCrc: number): string | null {
  const actualCrc = crc32Of(payload);
  return actualCrc === expectedCrc ? null : `crc mismatch: stored ${expectedCrc}, computed ${actualCrc}`;
}

/**
 * Checks the record starting at `offsetBytes`, where `buffer` ends where the file ends (bytes
 * missing from the buffer are missing from the file). The payload is a view into `buffer`.
 */
export function checkRecordAt(
  buffer: Buffer,
  offsetBytes: number,
  payloadMaxBytes = RECORD_PAYLOAD_MAX_BYTES,
): RecordCheck {
  invariant(
    Number.isInteger(offsetBytes) && offsetBytes >= 0 && offsetBytes <= buffer.length,
    `offset ${offsetBytes} outside the buffer`,
  );
  const header = checkRecordHeader(buffer, offsetBytes, payloadMaxBytes);
  if (!header.ok) return header;
  const payloadStart = offsetBytes + RECORD_HEADER_BYTES;
  const endBytes = payloadStart + header.payloadBytes;
  if (endBytes > buffer.length)
    return { ok: false, reason: payloadCutReason(buffer.length - payloadStart, header.payloadBytes) };
  const payload = buffer.subarray(payloadStart, endBytes);
  const problem = payloadCrcProblem(payload, header.crc);
  return problem === null ? { ok: true, payload, endBytes } : { ok: false, reason: problem };
}
