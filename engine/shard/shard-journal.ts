import { Packr } from 'msgpackr';
import type { Durability } from '../api/options.js';
import {
  ensureShardDirectory, journalPath, JournalWriter, planRecovery, readChecksummedFile, readJournal, removeStaleFiles,
  snapshotPath, truncateJournal, writeChecksummedFileAtomic, type TornTail,
} from '../journal/index.js';
import { Ledger, type LedgerOptions } from '../ledger/ledger.js';
import type { LedgerSnapshot } from '../ledger/snapshot.js';
import { applyBatch } from './apply-batch.js';
import { createCodec } from './protocol.js';

/** What a shard found on disk when it started. */
export interface RecoveryReport {
  generation: number;
  snapshotLoaded: boolean;
  /** Journal records (batches) replayed on top of the snapshot. */
  records: number;
  tornTail: TornTail | null;
  durationMs: number;
}

/** Snapshots are msgpack with records (the same shapes repeat for every hold). */
const snapshotCodec = new Packr({ useRecords: true });

/**
 * One shard's durability: its journal (every batch that changed the ledger, appended after it
 * was applied and made durable before its replies go back) and its snapshots. Recovery is the
 * newest snapshot plus the journal of the same generation; a snapshot starts a new generation
 * and the older files are deleted (engine/journal/layout.ts explains the crash-safe order).
 */
export class ShardJournal {
  private recordsSinceSnapshot: number;

  private constructor(
    private readonly shard: number,
    private readonly durability: Durability,
    private writer: JournalWriter,
    private generation: number,
    recordsReplayed: number,
  ) {
    this.recordsSinceSnapshot = recordsReplayed;
  }

  /** Loads the shard's newest snapshot and replays its journal; a torn tail is cut off with a warning. */
  static recover(shard: number, durability: Durability, options: LedgerOptions): { ledger: Ledger; journal: ShardJournal; report: RecoveryReport } {
    const startedAt = performance.now();
    ensureShardDirectory(durability.dataDir, shard);
    const plan = planRecovery(durability.dataDir, shard);
    const ledger = plan.snapshotPath === null
      ? new Ledger(options)
      : Ledger.restore(options, snapshotCodec.unpack(readChecksummedFile(plan.snapshotPath)) as LedgerSnapshot);
    const codec = createCodec();
    const read = readJournal(plan.journalPath, (payload) => {
      applyBatch(ledger, codec.unpack(payload) as unknown[]);
    });
    if (read.tornTail !== null) {
      truncateJournal(plan.journalPath, read.validBytes);
      console.warn(`holdfast shard ${shard}: ${plan.journalPath}: torn tail at byte ${read.tornTail.offsetBytes} (${read.tornTail.reason}); cut off`);
    }
    ledger.events.length = 0;
    ledger.forgotten.length = 0;
    ledger.unwatchAll();
    removeStaleFiles(durability.dataDir, shard, plan.generation);
    const writer = new JournalWriter(plan.journalPath, { fsync: durability.fsync, intervalMs: durability.fsyncIntervalMs });
    const journal = new ShardJournal(shard, durability, writer, plan.generation, read.records);
    const report = {
      generation: plan.generation,
      snapshotLoaded: plan.snapshotPath !== null,
      records: read.records,
      tornTail: read.tornTail,
      durationMs: performance.now() - startedAt,
    };
    return { ledger, journal, report };
  }

  /** Appends a batch that changed the ledger (as the router encoded it: replay decodes the same bytes). */
  record(batchBytes: Uint8Array): void {
    this.writer.append(batchBytes);
    this.recordsSinceSnapshot++;
  }

  /** Resolves once every record so far is as durable as the fsync policy makes it. */
  durable(): Promise<void> {
    return this.writer.durable();
  }

  /**
   * After snapshotEveryRecords records: writes the ledger as snapshot g+1 (atomically, fsynced),
   * continues in journal g+1, then closes journal g (its last sync) and deletes generation g.
   */
  async snapshotIfDue(ledger: Ledger): Promise<void> {
    if (this.recordsSinceSnapshot < this.durability.snapshotEveryRecords) return;
    const next = this.generation + 1;
    const { dataDir, fsync, fsyncIntervalMs } = this.durability;
    writeChecksummedFileAtomic(snapshotPath(dataDir, this.shard, next), snapshotCodec.pack(ledger.snapshot()));
    const previous = this.writer;
    this.writer = new JournalWriter(journalPath(dataDir, this.shard, next), { fsync, intervalMs: fsyncIntervalMs });
    this.generation = next;
    this.recordsSinceSnapshot = 0;
    await previous.close();
    removeStaleFiles(dataDir, this.shard, next);
  }
}
