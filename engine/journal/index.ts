/** The journal file layer: append-only record journals and atomic checksummed snapshot files, per shard. */
export {
  JOURNAL_ERROR_CODES,
  FormatVersionError,
  JournalError,
  JournalCorruptError,
  SnapshotCorruptError,
} from './errors.js';
export {
  FILE_FORMAT_VERSION,
  FILE_HEADER_BYTES,
  READABLE_FILE_FORMAT_VERSIONS,
  checkFileHeader,
  encodeFileHeader,
} from './file-header.js';
export type { FileHeaderCheck, FileIdentity, FileKind } from './file-header.js';
export type { JournalErrorCode } from './errors.js';
export {
  RECORD_HEADER_BYTES,
  RECORD_PAYLOAD_MAX_BYTES,
  checkRecordAt,
  encodeRecord,
  encodeRecordHeader,
} from './record-format.js';
export type { RecordCheck } from './record-format.js';
export { JournalWriter, startJournalFile } from './journal-writer.js';
export type { FsyncPolicy, JournalWriterOptions } from './journal-writer.js';
export { LOCK_FILE_NAME, lockDataDir } from './data-dir-lock.js';
export { NO_STORAGE_FAULTS, StorageFaults } from './storage-faults.js';
export type { StorageFault, StorageFaultOp } from './storage-faults.js';
export type { DataDirLock, LockHolder } from './data-dir-lock.js';
export { readJournal, truncateJournal } from './journal-reader.js';
export type { JournalReadResult, OnJournalRecord, ReadJournalOptions, TornTail } from './journal-reader.js';
export { readSnapshotFile, writeSnapshotFile } from './snapshot-file.js';
export type { SnapshotFile } from './snapshot-file.js';
export {
  SNAPSHOT_PAYLOAD_MAX_BYTES,
  readChecksummedFile,
  writeChecksummedFileAtomic,
  writeFileAtomic,
} from './atomic-file.js';
export {
  GENERATION_DIGITS,
  GENERATION_MAX,
  ensureShardDirectory,
  formatGeneration,
  journalPath,
  listShardFiles,
  newestSnapshotGeneration,
  planRecovery,
  removeStaleFiles,
  shardDirectory,
  snapshotPath,
} from './layout.js';
export type { RecoveryPlan, ShardFiles } from './layout.js';
