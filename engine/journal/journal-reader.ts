/**
 * Reads a journal back, record by record, and tells a torn tail (the end of the file, cut by a
 * crash: the caller truncates it and warns) from corruption in the middle (a damaged record with
 * a valid record after it: thrown, never truncated silently).
 *
 * The rule, for a bad record at offset X (header cut short, impossible length, payload cut short
 * or crc mismatch): scan every later offset for a record that parses with a matching crc
 * (record-scan.ts, one linear pass). None → torn tail at X (garbage, zeros or a partial record to
 * the end). One at Y → JournalCorruptError naming the file, X and Y.
 *
 * The scan runs even when X's length field claims more bytes than the file holds: a bit flip in
 * a length field in the middle looks exactly like that, and calling it a torn tail would truncate
 * every acknowledged record after it. The price is a false alarm when a partial last record's
 * payload happens to contain a valid record (a 32-bit crc match at the right length) — it fails
 * safe: recovery stops with an error instead of losing data.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync } from 'node:fs';
import { invalidArgument, JournalCorruptError } from './errors.js';
import { FileWindow, READ_CHUNK_BYTES } from './file-window.js';
import {
  checkRecordHeader,
  payloadCrcProblem,
  payloadCutReason,
  RECORD_HEADER_BYTES,
  type RecordCheck,
} from './record-format.js';
import { findValidRecordAfter } from './record-scan.js';

export interface TornTail {
  readonly offsetBytes: number;
  readonly reason: string;
}

export interface JournalReadResult {
  readonly records: number;
  /** Where the valid records end: truncate here when tornTail is set. */
  readonly validBytes: number;
  /** The file's size when read (validBytes when there is no torn tail). */
  readonly sizeBytes: number;
  readonly tornTail: TornTail | null;
}

/**
 * The payload handed to `onRecord` is a view into a read chunk: decode it in the callback, or
 * copy it to keep it (a kept view pins its whole chunk in memory).
 */
export type OnJournalRecord = (payload: Buffer, offsetBytes: number) => void;

/** Reads every valid record in order; a missing file is an empty journal. */
export function readJournal(path: string, onRecord: OnJournalRecord): JournalReadResult {
  const fd = openIfExists(path);
  if (fd === null) return { records: 0, validBytes: 0, sizeBytes: 0, tornTail: null };
  try {
    const window = new FileWindow(fd, fstatSync(fd).size, READ_CHUNK_BYTES);
    return readRecords(path, window, onRecord);
  } finally {
    closeSync(fd);
  }
}

/** Cuts the journal to `validBytes` (from readJournal) and makes the new size durable. */
export function truncateJournal(path: string, validBytes: number): void {
  const fd = openSync(path, 'r+');
  try {
    const sizeBytes = fstatSync(fd).size;
    if (!Number.isSafeInteger(validBytes) || validBytes < 0 || validBytes > sizeBytes) {
      throw invalidArgument(`cannot truncate journal ${path} of ${sizeBytes} bytes to ${validBytes} bytes`);
    }
    ftruncateSync(fd, validBytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function openIfExists(path: string): number | null {
  try {
    return openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function readRecords(path: string, window: FileWindow, onRecord: OnJournalRecord): JournalReadResult {
  let offsetBytes = 0;
  let records = 0;
  while (offsetBytes < window.sizeBytes) {
    const check = readRecordAt(window, offsetBytes);
    if (!check.ok) {
      const tornTail = tornTailOrThrow(path, window, offsetBytes, check.reason);
      return { records, validBytes: offsetBytes, sizeBytes: window.sizeBytes, tornTail };
    }
    onRecord(check.payload, offsetBytes);
    records += 1;
    offsetBytes = check.endBytes;
  }
  return { records, validBytes: offsetBytes, sizeBytes: window.sizeBytes, tornTail: null };
}

/** Like checkRecordAt, over the window; endBytes is a file offset. Never reads a payload that cannot fit. */
function readRecordAt(window: FileWindow, offsetBytes: number): RecordCheck {
  const header = checkRecordHeader(window.bytesAt(offsetBytes, RECORD_HEADER_BYTES), 0);
  if (!header.ok) return header;
  const payloadStart = offsetBytes + RECORD_HEADER_BYTES;
  const endBytes = payloadStart + header.payloadBytes;
  if (endBytes > window.sizeBytes)
    return { ok: false, reason: payloadCutReason(window.sizeBytes - payloadStart, header.payloadBytes) };
  const payload = window.bytesAt(payloadStart, header.payloadBytes);
  const problem = payloadCrcProblem(payload, header.crc);
  return problem === null ? { ok: true, payload, endBytes } : { ok: false, reason: problem };
}

function tornTailOrThrow(path: string, window: FileWindow, badOffsetBytes: number, reason: string): TornTail {
  const nextValidOffsetBytes = findValidRecordAfter(window, badOffsetBytes);
  if (nextValidOffsetBytes !== null) throw new JournalCorruptError(path, badOffsetBytes, reason, nextValidOffsetBytes);
  return { offsetBytes: badOffsetBytes, reason };
}
