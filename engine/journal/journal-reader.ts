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
 *
 * Before any record, the file header (file-header.ts) is checked: another format version, or no
 * magic, is FORMAT_VERSION_UNSUPPORTED and nothing of the file is read or cut; a file that ends
 * inside its header (a crash while it was created) holds no record and reads as empty. A file
 * without the magic whose first u32 is a possible record length is a legacy (version 0) journal,
 * read from byte 0 by the same rules.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync } from 'node:fs';
import { crc32Of } from './crc32-bytes.js';
import { invalidArgument, invariant, JournalCorruptError, JournalError } from './errors.js';
import {
  checkFileHeader,
  FILE_FORMAT_VERSION,
  FILE_HEADER_BYTES,
  identityProblem,
  noMagicError,
  unsupportedVersionError,
  type FileIdentity,
} from './file-header.js';
import { FileWindow, READ_CHUNK_BYTES } from './file-window.js';
import {
  checkRecordHeader,
  isPayloadLengthPossible,
  payloadCrcProblem,
  payloadCutReason,
  RECORD_HEADER_BYTES,
  RECORD_PAYLOAD_MAX_BYTES,
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
  /**
   * FILE_FORMAT_VERSION (its header checked), 0 (a legacy headerless journal with records), or
   * null when the file holds neither a whole header nor a record (missing, empty, a torn header):
   * the writer must start it anew (startJournalFile).
   */
  readonly formatVersion: number | null;
}

export interface ReadJournalOptions {
  /** The shard and generation the file's header must name (JOURNAL_LAYOUT_INVALID otherwise); unchecked when absent. */
  readonly expected?: FileIdentity;
}

interface RecordsStart {
  readonly formatVersion: number | null;
  readonly startBytes: number;
  readonly tornTail: TornTail | null;
}

/**
 * The payload handed to `onRecord` is a view into a read chunk: decode it in the callback, or
 * copy it to keep it (a kept view pins its whole chunk in memory).
 */
export type OnJournalRecord = (payload: Buffer, offsetBytes: number) => void;

/** Reads every valid record in order, after checking the file header; a missing file is an empty journal. */
export function readJournal(
  path: string,
  onRecord: OnJournalRecord,
  options: ReadJournalOptions = {},
): JournalReadResult {
  const fd = openIfExists(path);
  if (fd === null) return { records: 0, validBytes: 0, sizeBytes: 0, tornTail: null, formatVersion: null };
  try {
    const window = new FileWindow(fd, fstatSync(fd).size, READ_CHUNK_BYTES);
    const start = recordsStart(path, window, options.expected);
    if (start.formatVersion === null)
      return { records: 0, validBytes: 0, sizeBytes: window.sizeBytes, tornTail: start.tornTail, formatVersion: null };
    const read = readRecords(path, window, start.startBytes, onRecord);
    // A legacy file without one valid record holds nothing to keep: it is started anew, with a header.
    return { ...read, formatVersion: start.formatVersion === 0 && read.records === 0 ? null : start.formatVersion };
  } finally {
    closeSync(fd);
  }
}

/** Where the records start, by the file header; throws when the file must not be read. */
function recordsStart(path: string, window: FileWindow, expected: FileIdentity | undefined): RecordsStart {
  if (window.sizeBytes === 0) return { formatVersion: null, startBytes: 0, tornTail: null };
  const head = window.bytesAt(0, FILE_HEADER_BYTES);
  const check = checkFileHeader('journal', head);
  switch (check.state) {
    case 'valid': {
      const problem = expected === undefined ? null : identityProblem(check.identity, expected);
      if (problem !== null) throw new JournalError('JOURNAL_LAYOUT_INVALID', `journal ${path}: ${problem}`);
      return { formatVersion: FILE_FORMAT_VERSION, startBytes: FILE_HEADER_BYTES, tornTail: null };
    }
    case 'torn':
      return { formatVersion: null, startBytes: 0, tornTail: { offsetBytes: 0, reason: check.reason } };
    case 'unknown-version':
      throw unsupportedVersionError('journal', path, check.version);
    case 'damaged':
      throw new JournalError('JOURNAL_CORRUPT', `journal ${path} is corrupt at byte offset 0 (${check.reason})`);
    case 'no-magic':
      if (isLegacyStart(head)) return { formatVersion: 0, startBytes: 0, tornTail: null };
      throw noMagicError('journal', path, head);
  }
}

/** A legacy journal starts with a record whose length field is possible, or with zeros, or a few bytes of either. */
function isLegacyStart(head: Buffer): boolean {
  return head.length < 4 || head.readUInt32LE(0) <= RECORD_PAYLOAD_MAX_BYTES;
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

function readRecords(
  path: string,
  window: FileWindow,
  startBytes: number,
  onRecord: OnJournalRecord,
): Omit<JournalReadResult, 'formatVersion'> {
  let offsetBytes = startBytes;
  let records = 0;
  while (offsetBytes < window.sizeBytes) {
    const payload = validPayloadAt(window, offsetBytes);
    if (payload === null) {
      const check = readRecordAt(window, offsetBytes);
      invariant(!check.ok, `journal ${path}: the record at ${offsetBytes} is valid on the slow path only`);
      const tornTail = tornTailOrThrow(path, window, offsetBytes, check.reason);
      return { records, validBytes: offsetBytes, sizeBytes: window.sizeBytes, tornTail };
    }
    onRecord(payload, offsetBytes);
    records += 1;
    offsetBytes += RECORD_HEADER_BYTES + payload.length;
  }
  return { records, validBytes: offsetBytes, sizeBytes: window.sizeBytes, tornTail: null };
}

/**
 * The hot path, one call per record: the payload of a whole valid record at `offsetBytes`, else
 * null (readRecordAt then says why). Reads the header without a view and makes one for the payload.
 */
function validPayloadAt(window: FileWindow, offsetBytes: number): Buffer | null {
  const payloadStart = offsetBytes + RECORD_HEADER_BYTES;
  if (payloadStart > window.sizeBytes) return null;
  const payloadBytes = window.u32At(offsetBytes);
  if (!isPayloadLengthPossible(payloadBytes) || payloadStart + payloadBytes > window.sizeBytes) return null;
  const storedCrc = window.u32At(offsetBytes + 4);
  const payload = window.bytesAt(payloadStart, payloadBytes);
  return crc32Of(payload) === storedCrc ? payload : null;
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
