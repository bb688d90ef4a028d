/**
 * A snapshot file: the file header (file-header.ts), then one checksummed record holding the
 * payload, written atomically (writeFileAtomic). A legacy snapshot (format version 0, written
 * before headers) is the record alone, filling the whole file.
 *
 *   [24-byte header 'HFSNAPSH' v1 shard generation crc][u32 LE length][u32 LE crc32][payload]
 *
 * Told apart: a file that starts with the magic is read by its header and never as a legacy
 * snapshot; one that does not is a legacy snapshot only if its first u32 (a record's length)
 * spans exactly the rest of the file, and it is then read only if that record's crc matches
 * (SNAPSHOT_CORRUPT otherwise). Anything else without the magic is FORMAT_VERSION_UNSUPPORTED.
 */
import { SNAPSHOT_PAYLOAD_MAX_BYTES, writeFileAtomic } from './atomic-file.js';
import { JournalError, SnapshotCorruptError } from './errors.js';
import {
  checkFileHeader,
  encodeFileHeader,
  FILE_FORMAT_VERSION,
  FILE_HEADER_BYTES,
  identityProblem,
  noMagicError,
  unsupportedVersionError,
  type FileIdentity,
} from './file-header.js';
import { checkRecordAt, encodeRecordHeader, RECORD_HEADER_BYTES } from './record-format.js';
import { readWholeFileSync } from './sync-io.js';

export interface SnapshotFile {
  /** FILE_FORMAT_VERSION, or 0 for a legacy snapshot. */
  readonly formatVersion: number;
  readonly payload: Buffer;
}

export function writeSnapshotFile(path: string, file: FileIdentity, payload: Uint8Array): void {
  writeFileAtomic(path, [
    encodeFileHeader('snapshot', file),
    encodeRecordHeader(payload, SNAPSHOT_PAYLOAD_MAX_BYTES),
    payload,
  ]);
}

/**
 * The payload of a snapshot file, its header checked first: FORMAT_VERSION_UNSUPPORTED for
 * another version or no magic, SNAPSHOT_CORRUPT when damaged or cut, JOURNAL_LAYOUT_INVALID when
 * its header names another shard or generation than `expected` (unchecked when absent).
 */
export function readSnapshotFile(path: string, expected?: FileIdentity): SnapshotFile {
  const bytes = readWholeFileSync(path);
  const check = checkFileHeader('snapshot', bytes.subarray(0, FILE_HEADER_BYTES));
  switch (check.state) {
    case 'valid': {
      const problem = expected === undefined ? null : identityProblem(check.identity, expected);
      if (problem !== null) throw new JournalError('JOURNAL_LAYOUT_INVALID', `snapshot ${path}: ${problem}`);
      return { formatVersion: FILE_FORMAT_VERSION, payload: wholeRecordAt(path, bytes, FILE_HEADER_BYTES) };
    }
    case 'torn':
    case 'damaged':
      throw new SnapshotCorruptError(path, check.reason);
    case 'unknown-version':
      throw unsupportedVersionError('snapshot', path, check.version);
    case 'no-magic':
      if (!looksLegacy(bytes)) throw noMagicError('snapshot', path, bytes);
      return { formatVersion: 0, payload: wholeRecordAt(path, bytes, 0) };
  }
}

/** One record from `offsetBytes` to the end of the file, or SNAPSHOT_CORRUPT. */
function wholeRecordAt(path: string, bytes: Buffer, offsetBytes: number): Buffer {
  const check = checkRecordAt(bytes, offsetBytes, SNAPSHOT_PAYLOAD_MAX_BYTES);
  if (!check.ok) throw new SnapshotCorruptError(path, check.reason);
  if (check.endBytes !== bytes.length) {
    throw new SnapshotCorruptError(path, `${bytes.length - check.endBytes} unexpected bytes after the record`);
  }
  return check.payload;
}

/** A legacy snapshot's length field spans the whole file (its crc is checked when it is read: SNAPSHOT_CORRUPT). */
function looksLegacy(bytes: Buffer): boolean {
  return bytes.length > RECORD_HEADER_BYTES && bytes.readUInt32LE(0) === bytes.length - RECORD_HEADER_BYTES;
}
