/**
 * Whole files replaced atomically (snapshots, a new journal's header: snapshot-file.ts,
 * journal-writer.ts): after a crash the path holds either the old
 * content or the new, never a mix. A leftover `${path}.tmp` from a crash mid-write is never read
 * and is overwritten by the next write (layout.ts deletes it at recovery).
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { SnapshotCorruptError } from './errors.js';
import { checkRecordAt, encodeRecordHeader, LENGTH_FIELD_PAYLOAD_MAX_BYTES } from './record-format.js';
import { fsyncDirectory, readWholeFileSync, writeAllSync } from './sync-io.js';

/** A snapshot may be far larger than a journal record: the u32 length field is the only limit. */
export const SNAPSHOT_PAYLOAD_MAX_BYTES = LENGTH_FIELD_PAYLOAD_MAX_BYTES;

export function temporaryPathOf(path: string): string {
  return `${path}.tmp`;
}

/** Writes `${path}.tmp`, fsyncs it, renames it over `path`, fsyncs the directory. */
export function writeFileAtomic(path: string, bytes: Uint8Array | readonly Uint8Array[]): void {
  const temporaryPath = temporaryPathOf(path);
  try {
    writeDurably(temporaryPath, bytes instanceof Uint8Array ? [bytes] : bytes);
  } catch (error) {
    rmSync(temporaryPath, { force: true });
    throw error;
  }
  renameSync(temporaryPath, path);
  fsyncDirectory(dirname(path));
}

/** The file is one record (header with length and crc32, then the payload): a torn or damaged file is detected. */
export function writeChecksummedFileAtomic(path: string, payload: Uint8Array): void {
  writeFileAtomic(path, [encodeRecordHeader(payload, SNAPSHOT_PAYLOAD_MAX_BYTES), payload]);
}

/**
 * The payload of a file written by writeChecksummedFileAtomic; SNAPSHOT_CORRUPT when truncated, extended or damaged.
 */
export function readChecksummedFile(path: string): Buffer {
  const bytes = readWholeFileSync(path);
  const check = checkRecordAt(bytes, 0, SNAPSHOT_PAYLOAD_MAX_BYTES);
  if (!check.ok) throw new SnapshotCorruptError(path, check.reason);
  if (check.endBytes !== bytes.length) {
    throw new SnapshotCorruptError(path, `${bytes.length - check.endBytes} unexpected bytes after the record`);
  }
  return check.payload;
}

function writeDurably(path: string, parts: readonly Uint8Array[]): void {
  const fd = openSync(path, 'w');
  try {
    writeAllSync(fd, parts);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
