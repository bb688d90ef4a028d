import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapSpaceStatistics } from 'node:v8';
import type { Durability } from '../api/options.js';
import { refuse, type Refusal } from '../api/errors.js';
import { ensureShardDirectory, StorageFaults } from '../journal/index.js';
import { invariant } from '../../shared/invariant.js';
import { Ledger, type LedgerOptions } from '../ledger/ledger.js';
import { applyMicroBatch, withoutOps, type AdmitOp } from './apply-micro-batch.js';
import { MICRO_BATCH_HEADER_FIELDS, createCodec, encodeTransferable, refusalRef, type ShardState } from './protocol.js';
import { OP_FIELDS, SHARD_OPS } from './shard-ops.js';
import { ShardJournal } from './shard-journal.js';

export interface ShardHostOptions {
  shard: number;
  ledger: LedgerOptions;
  /** null: in memory only. */
  durability: Durability | null;
  /** The worker's old-generation heap limit (its resourceLimits), in MB. */
  heapMb: number;
  /** Above this share of the heap limit, operations that may grow the ledger are refused. */
  heapWatermarkPercent: number;
  /** After a storage failure: how often the shard tries to recover from disk. */
  storageRetryIntervalMs: number;
}

/** Micro-batches that can wait behind a snapshot: the router never has more than this in flight to a shard. */
const WAITING_MICRO_BATCHES_MAX = 8;
/** Growing operations between two looks at the heap within one micro-batch. */
const HEAP_CHECK_EVERY_OPS = 16;
/** The smallest write that proves the disk takes records again. */
const PROBE_BYTES_MIN = 64 * 1024;

interface WaitingMicroBatch {
  bytes: Uint8Array;
  microBatch: unknown[];
  resolve: (reply: Uint8Array | Promise<Uint8Array>) => void;
}

/**
 * The worker-thread host of one shard's ledger: decodes a micro-batch, applies it, journals it and
 * answers once it is durable. Fail-stop on storage (as PostgreSQL since fsyncgate, and
 * TigerBeetle): when a journal write, fdatasync or snapshot fails, the shard stops taking
 * operations, cuts the journal back to the last record whose answer went out, answers every
 * unanswered micro-batch STORAGE_FAILED (nothing of it stays, in memory or on disk), and rebuilds its
 * ledger from disk once a probe write succeeds.
 */
export class ShardHost {
  private ledger: Ledger;
  private journal: ShardJournal | null;
  private readonly codec = createCodec();
  private lastSeq = -1;
  private stoppedCause: string | null = null;
  /** Why the last attempt to recover after a storage failure failed, or null. */
  private recoveryProblem: string | null = null;
  private storageFailures = 0;
  private rollingBack: Promise<void> | null = null;
  private snapshotWaiting = false;
  private closed = false;
  private readonly waiting: WaitingMicroBatch[] = [];
  private largestRecordBytes = 0;
  private readonly heapLimitBytes: number;
  /** The ledger's counters when the shard stopped (its ledger is dropped while it recovers). */
  private stoppedCounters: ReturnType<Ledger['counters']> | null = null;
  private readonly faults: StorageFaults;

  constructor(private readonly options: ShardHostOptions) {
    this.heapLimitBytes = options.heapMb * 1024 * 1024;
    this.faults = new StorageFaults(options.durability?.storageFaults ?? []);
    const recovered =
      options.durability === null
        ? null
        : ShardJournal.recover(options.shard, options.durability, options.ledger, this.faults);
    this.ledger = recovered?.ledger ?? new Ledger(options.ledger);
    this.journal = recovered?.journal ?? null;
  }

  /** One micro-batch in, its reply out (after it is durable, with a journal). Micro-batches arrive in order. */
  run(bytes: Uint8Array): Uint8Array | Promise<Uint8Array> {
    invariant(!this.closed, `shard ${this.options.shard}: a micro-batch arrived after the shard closed`);
    const microBatch = this.codec.unpack(bytes) as unknown[];
    const seq = microBatch[0] as number;
    invariant(
      seq > this.lastSeq,
      `shard ${this.options.shard}: micro-batch ${seq} arrived after micro-batch ${this.lastSeq}`,
    );
    this.lastSeq = seq;
    if (this.stoppedCause !== null) return this.failedReply(microBatch);
    if (this.snapshotWaiting) return this.wait(bytes, microBatch);
    return this.handle(bytes, microBatch);
  }

  /**
   * A clean close, after the router has every answer: the journal's housekeeping finishes and it
   * closes with a last sync. A shard stopped on a storage failure has nothing to close (recovery
   * reads what it left).
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.stoppedCause !== null || this.journal === null) return;
    await this.journal.close();
  }

  private handle(bytes: Uint8Array, microBatch: unknown[]): Uint8Array | Promise<Uint8Array> {
    if (this.stoppedCause !== null) return this.failedReply(microBatch);
    const journal = this.journal;
    if (journal !== null && journal.snapshotDue()) {
      if (journal.hasUnacknowledged()) return this.waitForSnapshot(journal, bytes, microBatch);
      this.snapshot(journal);
      if (this.stoppedCause !== null) return this.failedReply(microBatch);
    }
    const outcome = applyMicroBatch(this.ledger, microBatch, this.admission());
    const events = this.ledger.events.splice(0, this.ledger.events.length);
    // An id evicted early in the micro-batch and recorded again later in it (a retry decided afresh) is not forgotten.
    const forgotten = this.ledger.forgotten
      .splice(0, this.ledger.forgotten.length)
      .filter((id) => !this.ledger.knows(id));
    const reply = this.encodeReply([outcome.results, events, forgotten, this.ledger.counters(), outcome.refusals]);
    if (journal === null) return reply;
    let mark = -1;
    if (outcome.changed) {
      const record =
        outcome.dropped.length === 0 ? bytes : encodeTransferable(this.codec, withoutOps(microBatch, outcome.dropped));
      if (record.byteLength > this.largestRecordBytes) this.largestRecordBytes = record.byteLength;
      try {
        mark = journal.record(record);
      } catch (error) {
        journal.markFailed(journal.lastRecordStart());
        return this.fail(journal, error, microBatch);
      }
    }
    // Nothing journaled and nothing waiting: no earlier record's fate can change this answer.
    if (mark < 0 && !journal.hasUnacknowledged()) return reply;
    return journal.durable().then(
      () => {
        if (mark >= 0) journal.acknowledge(mark);
        return reply;
      },
      (error: unknown) => {
        if (mark >= 0) journal.markFailed(mark);
        return this.fail(journal, error, microBatch);
      },
    );
  }

  /**
   * The heap watermark: above it, operations that may grow the ledger are refused for capacity.
   * The heap is looked at when the micro-batch starts and again every HEAP_CHECK_EVERY_OPS growing
   * operations (a look costs about a microsecond; a refused 100-line hold can cost 16 KB).
   */
  private admission(): AdmitOp | undefined {
    if (this.options.heapWatermarkPercent >= 100) return undefined;
    let refusal = this.heapRefusal();
    let growing = 0;
    return (op) => {
      if (!SHARD_OPS[op]!.grows) return null;
      if (refusal === null && ++growing % HEAP_CHECK_EVERY_OPS === 0) refusal = this.heapRefusal();
      return refusal;
    };
  }

  private heapRefusal(): Refusal | null {
    const usedBytes = oldGenerationUsedBytes();
    if (usedBytes * 100 < this.heapLimitBytes * this.options.heapWatermarkPercent) return null;
    return refuse.limitReached(
      `shard ${this.options.shard}: its heap holds ${mb(usedBytes)} MB of ${mb(this.heapLimitBytes)} MB ` +
        (`(watermark ${this.options.heapWatermarkPercent} %): operations ` +
          `that may grow the ledger are refused until memory is freed`),
    );
  }

  /** A snapshot is due but records still wait for their answers: micro-batches wait until they have them. */
  private waitForSnapshot(journal: ShardJournal, bytes: Uint8Array, microBatch: unknown[]): Promise<Uint8Array> {
    this.snapshotWaiting = true;
    const reply = this.wait(bytes, microBatch);
    void journal.whenDecided().then(() => {
      if (this.stoppedCause === null && this.journal === journal) this.snapshot(journal);
      this.snapshotWaiting = false;
      for (const waiting of this.waiting.splice(0)) waiting.resolve(this.handle(waiting.bytes, waiting.microBatch));
    });
    return reply;
  }

  private wait(bytes: Uint8Array, microBatch: unknown[]): Promise<Uint8Array> {
    invariant(
      this.waiting.length < WAITING_MICRO_BATCHES_MAX,
      `shard ${this.options.shard}: more than ${WAITING_MICRO_BATCHES_MAX} micro-batches wait for a snapshot`,
    );
    return new Promise((resolve) => this.waiting.push({ bytes, microBatch, resolve }));
  }

  private snapshot(journal: ShardJournal): void {
    try {
      journal.snapshot(this.ledger);
    } catch (error) {
      this.stop(journal, error);
    }
  }

  /** A record could not be made durable: stop, roll back, then answer this micro-batch STORAGE_FAILED. */
  private fail(journal: ShardJournal, error: unknown, microBatch: unknown[]): Promise<Uint8Array> {
    this.stop(journal, error);
    return (this.rollingBack as Promise<void>).then(() => this.failedReply(microBatch));
  }

  private stop(journal: ShardJournal, error: unknown): void {
    if (this.stoppedCause !== null) return;
    this.stoppedCause = describe(error);
    this.stoppedCounters = this.ledger.counters();
    this.storageFailures++;
    console.error(
      `holdfast shard ${this.options.shard}: STORAGE_FAILED: ${this.stoppedCause}; ` +
        `the shard stops taking operations and recovers from disk once it can write`,
    );
    this.rollingBack = this.rollBack(journal);
  }

  /** Once every micro-batch in flight knows its fate, cuts their records off (retrying while the disk refuses). */
  private async rollBack(journal: ShardJournal): Promise<void> {
    await journal.whenDecided();
    for (;;) {
      try {
        journal.rollBack();
        break;
      } catch (error) {
        console.error(`holdfast shard ${this.options.shard}: cannot roll the journal back yet: ${describe(error)}`);
        await sleep(this.options.storageRetryIntervalMs);
      }
    }
    journal.abandon();
    // What is in memory includes what was rolled back: it is never read again (recovery rebuilds it).
    this.ledger = new Ledger(this.options.ledger);
    this.scheduleRecovery();
  }

  private scheduleRecovery(): void {
    setTimeout(() => this.tryRecover(), this.options.storageRetryIntervalMs);
  }

  /** Rebuilds the ledger from disk (what was answered as done, nothing else) once the disk takes a probe write. */
  private tryRecover(): void {
    const durability = this.options.durability as Durability;
    try {
      probeWrite(
        ensureShardDirectory(durability.dataDir, this.options.shard),
        Math.max(PROBE_BYTES_MIN, this.largestRecordBytes),
      );
      const recovered = ShardJournal.recover(this.options.shard, durability, this.options.ledger, this.faults);
      this.ledger = recovered.ledger;
      this.journal = recovered.journal;
      this.rollingBack = null;
      this.stoppedCounters = null;
      console.error(
        `holdfast shard ${this.options.shard}: recovered from disk after ` +
          `a storage failure (${recovered.report.records} records replayed)`,
      );
      this.stoppedCause = null;
      this.recoveryProblem = null;
    } catch (error) {
      this.recoveryProblem = describe(error);
      this.scheduleRecovery();
    }
  }

  /** Every operation of the micro-batch answered STORAGE_FAILED; nothing was applied. */
  private failedReply(microBatch: unknown[]): Uint8Array {
    const results: number[] = [];
    for (let at = MICRO_BATCH_HEADER_FIELDS; at < microBatch.length; at += 1 + OP_FIELDS[microBatch[at] as number]!)
      results.push(refusalRef(0));
    const refusal: Refusal = refuse.storageFailed(this.options.shard, this.cause() ?? 'the shard is stopped');
    return this.encodeReply([results, [], [], this.stoppedCounters ?? this.ledger.counters(), [refusal]]);
  }

  /** Why the shard is stopped, with why it could not recover yet; null while it serves. */
  private cause(): string | null {
    if (this.stoppedCause === null) return null;
    return this.recoveryProblem === null ? this.stoppedCause : `${this.stoppedCause}; still: ${this.recoveryProblem}`;
  }

  private encodeReply(parts: unknown[]): Uint8Array {
    const state: ShardState = [this.cause(), this.storageFailures, oldGenerationUsedBytes(), this.heapLimitBytes];
    parts.push(state);
    return encodeTransferable(this.codec, parts);
  }
}

/** Writes, fdatasyncs and removes a file of `sizeBytes` in the shard's directory: the disk takes records again. */
function probeWrite(directory: string, sizeBytes: number): void {
  const path = join(directory, 'storage-probe.tmp');
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, Buffer.alloc(sizeBytes));
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
}

/**
 * What the worker's heap limit (maxOldGenerationSizeMb) bounds: every space but the young
 * generation's. Live data plus garbage not collected yet, so the watermark errs on the safe side.
 */
function oldGenerationUsedBytes(): number {
  let usedBytes = 0;
  for (const space of getHeapSpaceStatistics()) {
    if (space.space_name !== 'new_space' && space.space_name !== 'new_large_object_space')
      usedBytes += space.space_used_size;
  }
  return usedBytes;
}

function describe(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  const text = message ?? String(error);
  return code === undefined || text.startsWith(code) ? text : `${code}: ${text}`;
}

function mb(bytes: number): number {
  return Math.round(bytes / 1024 / 1024);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
