/**
 * Errors of the journal layer. Every one carries a stable `code` from JOURNAL_ERROR_CODES (one
 * table, like engine/api/errors.ts); errors from node:fs pass through with their own `code`
 * (ENOENT, ENOSPC, EIO, ...).
 */
export const JOURNAL_ERROR_CODES = {
  JOURNAL_CORRUPT: 'a journal record is damaged and a valid record follows it: not a torn tail, recovery stops',
  JOURNAL_CLOSED: 'the journal writer is closed',
  JOURNAL_FAILED:
    'a write or fdatasync of the journal failed earlier; the writer accepts nothing more (reopen after recovery)',
  SNAPSHOT_CORRUPT: 'a snapshot file is truncated or fails its checksum',
  FORMAT_VERSION_UNSUPPORTED:
    'a journal or snapshot file has a format version this build does not read, or no holdfast magic; ' +
    'the message names the file, the version found and the versions this build reads; the file is left untouched',
  JOURNAL_LAYOUT_INVALID: 'the files of a shard directory do not form a recoverable generation',
  JOURNAL_INVALID_ARGUMENT: 'an argument or option of the journal layer is out of range',
  JOURNAL_INVARIANT: 'an invariant of the journal layer does not hold (a bug)',
  DATA_DIR_LOCKED:
    'another live process (or another engine in this one) owns the data directory; the message names its pid',
  DATA_DIR_INVALID: 'the data directory is not a directory, or cannot be created, read or written',
  RECOVERY_FAILED:
    "a shard's recovery did not fit in its heap or its worker " +
    'died while recovering; the start fails instead of looping',
} as const;

export type JournalErrorCode = keyof typeof JOURNAL_ERROR_CODES;

export class JournalError extends Error {
  override name = 'JournalError';

  constructor(
    readonly code: JournalErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A damaged record with a valid record after it: data loss in the middle, never truncated silently. */
export class JournalCorruptError extends JournalError {
  override name = 'JournalCorruptError';

  constructor(
    readonly path: string,
    readonly offsetBytes: number,
    readonly reason: string,
    readonly nextValidOffsetBytes: number,
  ) {
    super(
      'JOURNAL_CORRUPT',
      `journal ${path} is corrupt at byte offset ${offsetBytes} (${reason}); ` +
        `a valid record follows at byte offset ${nextValidOffsetBytes}`,
    );
  }
}

export class SnapshotCorruptError extends JournalError {
  override name = 'SnapshotCorruptError';

  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super('SNAPSHOT_CORRUPT', `snapshot ${path} is corrupt (${reason})`);
  }
}

/**
 * A file this build must not read: another format version (written by a newer build, say), or no
 * holdfast magic. Recovery stops; the file is never truncated, rewritten or deleted.
 */
export class FormatVersionError extends JournalError {
  override name = 'FormatVersionError';

  /** `foundVersion` is null when the file has no magic (no version to read). */
  constructor(
    readonly path: string,
    readonly foundVersion: number | null,
    readonly readableVersions: readonly number[],
    message: string,
  ) {
    super('FORMAT_VERSION_UNSUPPORTED', message);
  }
}

export function invalidArgument(message: string): JournalError {
  return new JournalError('JOURNAL_INVALID_ARGUMENT', message);
}

/** An invariant violation is a bug in the journal layer: fail loudly. */
export function invariant(condition: boolean, message: string): asserts condition {
  if (!condition) throw new JournalError('JOURNAL_INVARIANT', message);
}
