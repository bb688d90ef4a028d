/**
 * The append side of a journal: one writer per file, on the thread that owns the shard.
 *
 * append() writes a whole record (header and payload) with one writev at the end of the file
 * (O_APPEND), so records are never interleaved. durable() resolves once every record appended
 * before the call is as durable as the policy promises:
 *
 *   always   — fdatasync with group commit: at most one fdatasync in flight; calls that arrive
 *              while it runs share the next one, which covers all of them.
 *   interval — resolves at once; an unref'd timer fdatasyncs every intervalMs if anything was
 *              appended since the last sync (a crash loses at most about intervalMs of records).
 *   off      — resolves at once; never fdatasyncs (a crash of the machine may lose anything the
 *              kernel had not written back yet).
 *
 * A failed write or fdatasync poisons the writer (code JOURNAL_FAILED): after an fdatasync error
 * the kernel may have dropped the dirty pages, and after a short write the file may end inside a
 * record, so nothing appended afterwards could be trusted. The owner should stop and recover.
 *
 * A missing file is created whole with its header (file-header.ts) by startJournalFile: written to
 * a .tmp, fsynced and renamed into place, so a crash leaves no file or a file with its whole
 * header. An existing file is appended to as it is (recovery has checked its header).
 */
import { closeSync, constants, fdatasync, fdatasyncSync, fstatSync, ftruncateSync, openSync } from 'node:fs';
import { writeFileAtomic } from './atomic-file.js';
import { invalidArgument, invariant, JournalError } from './errors.js';
import { encodeFileHeader, type FileIdentity } from './file-header.js';
import { encodeRecordHeader } from './record-format.js';
import { writeAllSync } from './sync-io.js';
import { NO_STORAGE_FAULTS, type StorageFaults } from './storage-faults.js';

import { FSYNC_POLICIES, type FsyncPolicy } from '../api/storage-options.js';

export type { FsyncPolicy };

export interface JournalWriterOptions {
  readonly fsync: FsyncPolicy;
  /** The period of the background fdatasync under 'interval' (ignored otherwise). */
  readonly intervalMs: number;
  /** The shard and generation written in the header of a file the writer creates. */
  readonly file: FileIdentity;
  /** Injected failures (tests); none by default. */
  readonly faults?: StorageFaults;
}

interface SyncRound {
  /** Every record appended before this round started (a count) is durable when it resolves. */
  readonly coversRecords: number;
  readonly done: Promise<void>;
}

interface Deferred {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export class JournalWriter {
  readonly path: string;
  readonly fsync: FsyncPolicy;
  private readonly fd: number;
  private readonly initialSizeBytes: number;
  private readonly timer: NodeJS.Timeout | null;
  private appendedRecords = 0;
  private appendedBytes = 0;
  private syncedRecords = 0;
  private completedSyncs = 0;
  private inFlight: SyncRound | null = null;
  private queued: Deferred | null = null;
  private failure: JournalError | null = null;
  private closing: Promise<void> | null = null;
  private readonly faults: StorageFaults;

  /** Opens `path` for appending, creating it with its header (startJournalFile) if missing. */
  constructor(path: string, options: JournalWriterOptions) {
    assertWriterOptions(options);
    this.path = path;
    this.fsync = options.fsync;
    this.faults = options.faults ?? NO_STORAGE_FAULTS;
    this.fd = openForAppend(path, options.file);
    this.initialSizeBytes = fstatSync(this.fd).size;
    this.timer =
      options.fsync === 'interval' ? setInterval(() => this.onIntervalTick(), options.intervalMs).unref() : null;
  }

  /** Records appended by this writer. */
  get records(): number {
    return this.appendedRecords;
  }

  /** Bytes (headers included) appended by this writer. */
  get bytes(): number {
    return this.appendedBytes;
  }

  /** The file's size: what it held when opened plus what this writer appended. */
  get sizeBytes(): number {
    return this.initialSizeBytes + this.appendedBytes;
  }

  /** Completed fdatasync calls. */
  get syncs(): number {
    return this.completedSyncs;
  }

  get closed(): boolean {
    return this.closing !== null;
  }

  append(payload: Uint8Array): void {
    if (this.closing !== null) throw new JournalError('JOURNAL_CLOSED', `journal ${this.path} is closed`);
    if (this.failure !== null) throw this.failure;
    const header = encodeRecordHeader(payload);
    try {
      this.faults.check('append');
      writeAllSync(this.fd, [header, payload]);
    } catch (error) {
      // A short write may have left part of the record: the size counts it, so a roll back cuts it.
      this.appendedBytes = fstatSizeOr(this.fd, this.sizeBytes) - this.initialSizeBytes;
      throw this.fail(
        new JournalError('JOURNAL_FAILED', `append to journal ${this.path} failed: ${describe(error)}`, {
          cause: error,
        }),
      );
    }
    this.appendedRecords += 1;
    this.appendedBytes += header.length + payload.byteLength;
  }

  /** Resolves when every record appended before this call is durable under the policy. */
  durable(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.fsync !== 'always') return Promise.resolve();
    if (this.closing !== null) return this.closing;
    return this.syncCovering(this.appendedRecords);
  }

  /** The writer's first failure (it accepts nothing since), or null. */
  get failed(): JournalError | null {
    return this.failure;
  }

  /**
   * After a failure: cuts the file back to `sizeBytes` (the end of the last record whose answer
   * went out) and fdatasyncs it, so that no record of an operation answered as failed survives on
   * disk. Throws when the disk still refuses; the caller retries. The writer stays poisoned.
   */
  rollBackTo(sizeBytes: number): void {
    invariant(this.failure !== null, `journal ${this.path}: roll back only after a failure`);
    invariant(
      Number.isSafeInteger(sizeBytes) && sizeBytes >= this.initialSizeBytes && sizeBytes <= this.sizeBytes,
      `journal ${this.path}: cannot roll back to ${sizeBytes} bytes ` +
        `(opened at ${this.initialSizeBytes}, now ${this.sizeBytes})`,
    );
    ftruncateSync(this.fd, sizeBytes);
    fdatasyncSync(this.fd);
  }

  /** Closes the file without a last sync (after a failure, or when a snapshot replaced the journal). */
  abandon(): void {
    if (this.closing !== null) return;
    if (this.timer !== null) clearInterval(this.timer);
    this.failure ??= new JournalError('JOURNAL_CLOSED', `journal ${this.path} was abandoned`);
    this.closing = Promise.resolve();
    try {
      closeSync(this.fd);
    } catch {
      // Nothing more can be done with this descriptor; recovery opens the file anew.
    }
  }

  /** Waits for running syncs, fdatasyncs once more (always, interval), closes the file. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    try {
      while (this.inFlight !== null) await this.inFlight.done.catch(() => undefined);
      if (this.failure !== null) throw this.failure;
      if (this.fsync !== 'off') await this.startSync();
    } finally {
      closeSync(this.fd);
    }
  }

  private syncCovering(targetRecords: number): Promise<void> {
    if (targetRecords <= this.syncedRecords) return Promise.resolve();
    if (this.inFlight === null) return this.startSync();
    if (this.inFlight.coversRecords >= targetRecords) return this.inFlight.done;
    this.queued ??= createDeferred();
    return this.queued.promise;
  }

  private startSync(): Promise<void> {
    invariant(this.inFlight === null, `journal ${this.path}: a second fdatasync while one is in flight`);
    const coversRecords = this.appendedRecords;
    const done = fdatasyncAsync(this.fd, this.faults)
      .then(
        () => this.onSynced(coversRecords),
        (error: unknown) => {
          throw this.fail(
            new JournalError('JOURNAL_FAILED', `fdatasync of journal ${this.path} failed: ${describe(error)}`, {
              cause: error,
            }),
          );
        },
      )
      .finally(() => this.onRoundEnded());
    // the failure is kept in this.failure; an unwatched round must not be an unhandled rejection
    done.catch(() => undefined);
    this.inFlight = { coversRecords, done };
    return done;
  }

  private onSynced(coversRecords: number): void {
    this.completedSyncs += 1;
    this.syncedRecords = Math.max(this.syncedRecords, coversRecords);
  }

  /** Starts the round the queued durable() calls wait for, now that the fd is free. */
  private onRoundEnded(): void {
    this.inFlight = null;
    const queued = this.queued;
    if (queued === null) return;
    this.queued = null;
    if (this.failure !== null) queued.reject(this.failure);
    else this.startSync().then(queued.resolve, queued.reject);
  }

  private onIntervalTick(): void {
    if (this.failure !== null || this.closing !== null || this.inFlight !== null) return;
    if (this.appendedRecords > this.syncedRecords) void this.startSync();
  }

  private fail(error: JournalError): JournalError {
    this.failure ??= error;
    return this.failure;
  }
}

function assertWriterOptions(options: JournalWriterOptions): void {
  if (!FSYNC_POLICIES.includes(options.fsync))
    throw invalidArgument(`fsync must be one of ${FSYNC_POLICIES.join(', ')}, got ${String(options.fsync)}`);
  if (options.fsync === 'interval' && !(Number.isInteger(options.intervalMs) && options.intervalMs > 0)) {
    throw invalidArgument(
      `intervalMs must be a positive integer under fsync 'interval', got ${String(options.intervalMs)}`,
    );
  }
}

/**
 * Makes `path` a journal holding only its header, atomically (a .tmp, fsync, rename, directory
 * fsync): after a crash the path holds what it held before or the whole header. Replaces a file
 * that recovery found without a header or a record (empty, or a header cut short).
 */
export function startJournalFile(path: string, file: FileIdentity): void {
  writeFileAtomic(path, encodeFileHeader('journal', file));
}

/** O_APPEND, after creating the file with its header if missing. */
function openForAppend(path: string, file: FileIdentity): number {
  const existing = openExistingForAppend(path);
  if (existing !== null) return existing;
  startJournalFile(path, file);
  return openSync(path, 'a');
}

function openExistingForAppend(path: string): number | null {
  try {
    return openSync(path, constants.O_WRONLY | constants.O_APPEND);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function fdatasyncAsync(fd: number, faults: StorageFaults): Promise<void> {
  try {
    faults.check('sync');
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
}

function createDeferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The file's size now, or the fallback when even fstat fails. */
function fstatSizeOr(fd: number, fallbackBytes: number): number {
  try {
    return Math.max(fstatSync(fd).size, fallbackBytes);
  } catch {
    return fallbackBytes;
  }
}
