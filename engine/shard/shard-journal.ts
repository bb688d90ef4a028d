import { Packr } from 'msgpackr';
import type { Durability } from '../api/options.js';
import {
  ensureShardDirectory,
  FormatVersionError,
  journalPath,
  JournalWriter,
  planRecovery,
  readJournal,
  readSnapshotFile,
  removeStaleFiles,
  snapshotPath,
  startJournalFile,
  truncateJournal,
  writeSnapshotFile,
  NO_STORAGE_FAULTS,
  type FileIdentity,
  type JournalReadResult,
  type StorageFaults,
  type TornTail,
} from '../journal/index.js';
import { Ledger, type LedgerOptions } from '../ledger/ledger.js';
import { READABLE_VERSIONS, type LedgerSnapshot } from '../ledger/snapshot.js';
import { invariant } from '../../shared/invariant.js';
import { applyMicroBatch } from './apply-micro-batch.js';
import { createCodec } from './protocol.js';

/** What a shard found on disk when it started. */
export interface RecoveryReport {
  generation: number;
  snapshotLoaded: boolean;
  /** Journal records (micro-batches) replayed on top of the snapshot. */
  records: number;
  tornTail: TornTail | null;
  durationMs: number;
}

const WAITING = 0;
const FAILED = 1;

/** Snapshots are msgpack with records (the same shapes repeat for every hold). */
const snapshotCodec = new Packr({ useRecords: true });

/**
 * One shard's durability: its journal (every micro-batch that changed the ledger, appended after it
 * was applied and made durable before its replies go back) and its snapshots. Recovery is the
 * newest snapshot plus the journal of the same generation; a snapshot starts a new generation
 * and the older files are deleted (engine/journal/layout.ts explains the crash-safe order).
 */
export class ShardJournal {
  private recordsSinceSnapshot: number;
  /** Records whose answers have not gone out, by where they start (bytes): waiting for durability, or failed. */
  private readonly unanswered = new Map<number, typeof WAITING | typeof FAILED>();
  private decidedWaiters: Array<() => void> = [];
  private lastStartBytes = -1;
  /** The last snapshot's housekeeping: the previous journal's close and the old generation's deletion. */
  private housekeeping: Promise<void> = Promise.resolve();

  private constructor(
    private readonly shard: number,
    private readonly durability: Durability,
    private writer: JournalWriter,
    private generation: number,
    recordsReplayed: number,
    private readonly faults: StorageFaults,
  ) {
    this.recordsSinceSnapshot = recordsReplayed;
  }

  /** Loads the shard's newest snapshot and replays its journal; a torn tail is cut off with a warning. */
  static recover(
    shard: number,
    durability: Durability,
    options: LedgerOptions,
    faults: StorageFaults = NO_STORAGE_FAULTS,
  ): { ledger: Ledger; journal: ShardJournal; report: RecoveryReport } {
    const startedAt = performance.now();
    ensureShardDirectory(durability.dataDir, shard);
    const plan = planRecovery(durability.dataDir, shard);
    const file = { shard, generation: plan.generation };
    const ledger =
      plan.snapshotPath === null
        ? new Ledger(options)
        : Ledger.restore(options, readLedgerSnapshot(plan.snapshotPath, file));
    const codec = createCodec();
    ledger.enforceCapacity(false);
    const read = readJournal(
      plan.journalPath,
      (payload) => {
        applyMicroBatch(ledger, codec.unpack(payload) as unknown[]);
      },
      { expected: file },
    );
    ledger.enforceCapacity(true);
    repairJournal(plan.journalPath, file, read);
    ledger.events.length = 0;
    ledger.forgotten.length = 0;
    ledger.unwatchAll();
    removeStaleFiles(durability.dataDir, shard, plan.generation);
    const writer = new JournalWriter(plan.journalPath, {
      fsync: durability.fsync,
      intervalMs: durability.fsyncIntervalMs,
      file,
      faults,
    });
    const journal = new ShardJournal(shard, durability, writer, plan.generation, read.records, faults);
    const report = {
      generation: plan.generation,
      snapshotLoaded: plan.snapshotPath !== null,
      records: read.records,
      tornTail: read.tornTail,
      durationMs: performance.now() - startedAt,
    };
    return { ledger, journal, report };
  }

  /**
   * Appends a micro-batch that changed the ledger (as replay must decode it) and returns where its
   * record starts: the mark to acknowledge once its answer goes out. Throws JOURNAL_FAILED.
   */
  record(microBatchBytes: Uint8Array): number {
    const startBytes = this.writer.sizeBytes;
    invariant(!this.unanswered.has(startBytes), `shard ${this.shard}: two records start at ${startBytes}`);
    this.unanswered.set(startBytes, WAITING);
    this.lastStartBytes = startBytes;
    this.writer.append(microBatchBytes);
    this.recordsSinceSnapshot++;
    return startBytes;
  }

  /** Where the last record appended (or attempted) starts. */
  lastRecordStart(): number {
    return this.lastStartBytes;
  }

  /** Resolves once every record so far is as durable as the fsync policy makes it. */
  durable(): Promise<void> {
    return this.writer.durable();
  }

  /** The record starting at `startBytes` is durable and its answer goes out: no roll back may cut it. */
  acknowledge(startBytes: number): void {
    invariant(
      this.unanswered.get(startBytes) === WAITING,
      `shard ${this.shard}: acknowledged a record at ${startBytes} that is not waiting`,
    );
    this.unanswered.delete(startBytes);
    this.wakeIfDecided();
  }

  /** The record starting at `startBytes` could not be made durable: it will be answered as failed. */
  markFailed(startBytes: number): void {
    invariant(
      this.unanswered.has(startBytes),
      `shard ${this.shard}: failed a record at ${startBytes} that is not waiting`,
    );
    this.unanswered.set(startBytes, FAILED);
    this.wakeIfDecided();
  }

  hasUnacknowledged(): boolean {
    return this.unanswered.size > 0;
  }

  /** Resolves when no record waits to learn whether it is durable (each is acknowledged or failed). */
  whenDecided(): Promise<void> {
    if (this.waitingCount() === 0) return Promise.resolve();
    return new Promise((resolve) => this.decidedWaiters.push(resolve));
  }

  /**
   * After a failed write or fdatasync, once every record is decided: cuts the journal back to where the oldest
   * failed record starts, so no operation answered as failed is ever replayed. Records answered
   * as done all lie before it (durability is a prefix). Throws while the disk still refuses.
   */
  rollBack(): void {
    invariant(this.waitingCount() === 0, `shard ${this.shard}: roll back while records wait`);
    const failed = [...this.unanswered.keys()];
    if (failed.length > 0 && this.writer.failed !== null) this.writer.rollBackTo(Math.min(...failed));
    this.unanswered.clear();
  }

  private waitingCount(): number {
    let waiting = 0;
    for (const state of this.unanswered.values()) if (state === WAITING) waiting++;
    return waiting;
  }

  private wakeIfDecided(): void {
    if (this.decidedWaiters.length === 0 || this.waitingCount() > 0) return;
    const waiters = this.decidedWaiters;
    this.decidedWaiters = [];
    for (const waiter of waiters) waiter();
  }

  /** Closes the journal file without a last sync (the shard stopped; recovery reopens it). */
  abandon(): void {
    this.writer.abandon();
  }

  /** A snapshot is due, and may be taken now only once no record waits for its answer. */
  snapshotDue(): boolean {
    return this.recordsSinceSnapshot >= this.durability.snapshotEveryRecords;
  }

  /**
   * Writes the ledger as snapshot g+1 (atomically, fsynced), continues in journal g+1, then
   * closes journal g and deletes generation g in the background. Only between micro-batches with every
   * record answered: a snapshot must never make durable an operation that is then answered as
   * failed. Throws when the snapshot or the new journal cannot be written (the shard stops).
   */
  snapshot(ledger: Ledger): void {
    invariant(this.unanswered.size === 0, `shard ${this.shard}: snapshot while records wait for their answers`);
    const next = this.generation + 1;
    const { dataDir, fsync, fsyncIntervalMs } = this.durability;
    this.faults.check('snapshot');
    const file = { shard: this.shard, generation: next };
    writeSnapshotFile(snapshotPath(dataDir, this.shard, next), file, snapshotCodec.pack(ledger.snapshot()));
    const previous = this.writer;
    this.writer = new JournalWriter(journalPath(dataDir, this.shard, next), {
      fsync,
      intervalMs: fsyncIntervalMs,
      file,
      faults: this.faults,
    });
    this.generation = next;
    this.recordsSinceSnapshot = 0;
    // The snapshot covers journal g: its last sync and its deletion are housekeeping; a failure
    // leaves files that the next recovery deletes.
    this.housekeeping = previous
      .close()
      .catch(() => undefined)
      .then(() => {
        removeStaleFiles(dataDir, this.shard, next);
      })
      .catch(() => undefined);
  }

  /**
   * A clean close, once every record is answered: waits for the last snapshot's housekeeping, so
   * one generation is left, then closes the journal with a last sync (under any fsync policy but
   * 'off'). Rejects when that sync fails.
   */
  async close(): Promise<void> {
    invariant(this.waitingCount() === 0, `shard ${this.shard}: close while records wait for their answers`);
    await this.housekeeping;
    await this.writer.close();
  }
}

/** A snapshot file's ledger state; FORMAT_VERSION_UNSUPPORTED for a ledger snapshot version not read here. */
function readLedgerSnapshot(path: string, file: FileIdentity): LedgerSnapshot {
  const snapshot = snapshotCodec.unpack(readSnapshotFile(path, file).payload) as LedgerSnapshot;
  const version = (snapshot as Partial<LedgerSnapshot> | null)?.version;
  if (typeof version !== 'number' || !READABLE_VERSIONS.includes(version)) {
    throw new FormatVersionError(
      path,
      typeof version === 'number' ? version : null,
      READABLE_VERSIONS,
      `snapshot ${path} holds ledger snapshot version ${String(version)}; this build reads ledger snapshot ` +
        `versions ${READABLE_VERSIONS.join(', ')} ` +
        '(a newer holdfast wrote it? start that build; the file is left untouched)',
    );
  }
  return snapshot;
}

/**
 * After the replay: a torn tail is cut off; a file with neither a whole header nor a record (empty,
 * or a crash while it was created) is started anew with its header. Both are reported on stderr.
 */
function repairJournal(path: string, file: FileIdentity, read: JournalReadResult): void {
  if (read.formatVersion === null) {
    if (read.sizeBytes > 0) {
      console.warn(
        `holdfast shard ${file.shard}: ${path}: no record and no whole header ` +
          `(${read.tornTail?.reason ?? 'empty'}); started anew`,
      );
    }
    startJournalFile(path, file);
    return;
  }
  if (read.tornTail === null) return;
  truncateJournal(path, read.validBytes);
  console.warn(
    `holdfast shard ${file.shard}: ${path}: torn tail at byte ` +
      `${read.tornTail.offsetBytes} (${read.tornTail.reason}); cut off`,
  );
}
