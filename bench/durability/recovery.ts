import { defined } from '../../shared/invariant.js';
import { readdirSync, rmSync } from 'node:fs';
import { Packr } from 'msgpackr';
import { createEngine, type Engine } from '../../engine/index.js';
import { planRecovery, readJournal, readSnapshotFile } from '../../engine/journal/index.js';
import { createCodec } from '../../engine/shard/protocol.js';
import { receiveStock } from '../load/stock.js';
import { directoryBytes } from './directory-bytes.js';
import { temporaryDataDir } from './policies.js';
import { writeSyntheticJournal } from './synthetic-journal.js';

/** Starts an engine on a data directory and returns how long it took to be ready (snapshot + journal + index). */
async function timeStart(dataDir: string, shards: number): Promise<{ ms: number; engine: Engine }> {
  const startedAt = performance.now();
  const engine = await createEngine({ shards, dataDir, fsync: 'off' });
  return { ms: performance.now() - startedAt, engine };
}

/**
 * The recovery ceiling: read every shard's snapshot and journal and decode each record, as
 * recovery does, but apply nothing (no ledger work, no worker threads). Returns milliseconds.
 */
export function decodeOnlyMs(dataDir: string): number {
  const startedAt = performance.now();
  const snapshotCodec = new Packr({ useRecords: true });
  const codec = createCodec();
  const shards = readdirSync(dataDir)
    .filter((name) => /^shard-\d+$/.test(name))
    .map((name) => Number(name.slice(6)));
  for (const shard of shards) {
    const plan = planRecovery(dataDir, shard);
    if (plan.snapshotPath !== null) snapshotCodec.unpack(readSnapshotFile(plan.snapshotPath).payload);
    readJournal(plan.journalPath, (payload) => codec.unpack(payload));
  }
  return performance.now() - startedAt;
}

export interface SyntheticRecovery {
  records: number;
  bytes: number;
  /** Engine start (1 shard) to ready. */
  ms: number;
  /** The same files read and decoded without applying them. */
  decodeOnlyMs: number;
  onHand: number;
  expectedOnHand: number;
}

/** `records` journal records of one receive each (the worst case: no batching), then a restart. */
export async function recoverSynthetic(records: number, skus: readonly string[]): Promise<SyntheticRecovery> {
  const dataDir = temporaryDataDir();
  try {
    const bytes = await writeSyntheticJournal(dataDir, records, skus);
    const decodeMs = decodeOnlyMs(dataDir);
    const { ms, engine } = await timeStart(dataDir, 1);
    let onHand = 0;
    const checked = skus.slice(0, 100);
    for (const sku of checked) {
      const view = await engine.get(sku);
      if (view.ok) onHand += view.onHand;
    }
    await engine.close();
    let expectedOnHand = 0;
    for (let index = 0; index < checked.length; index++)
      expectedOnHand += Math.floor(records / skus.length) + (index < records % skus.length ? 1 : 0);
    return { records, bytes, ms, decodeOnlyMs: decodeMs, onHand, expectedOnHand };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export interface BatchedRecovery {
  ops: number;
  bytes: number;
  ms: number;
  reserved: number;
  expectedReserved: number;
}

/** About `ops` operations through the engine (reserves in windows of 4096), then a restart. */
export async function recoverBatched(ops: number, skus: readonly string[], shards: number): Promise<BatchedRecovery> {
  const dataDir = temporaryDataDir();
  try {
    const engine = await createEngine({
      shards,
      dataDir,
      fsync: 'off',
      snapshotEveryRecords: 100_000_000,
      maxInFlightOpsPerShard: 1 << 20,
    });
    await receiveStock(engine, skus, 'WH-1', 1_000);
    let done = skus.length;
    for (let next = 0; done < ops;) {
      const window = Array.from({ length: 4096 }, () => {
        const id = `r${next++}`;
        return engine.reserve({
          id,
          channel: 'web',
          ttlMs: 3_600_000,
          lines: [{ sku: defined(skus[next % skus.length], 'a SKU to reserve'), qty: 1 }],
        });
      });
      await Promise.all(window);
      done += window.length;
    }
    await engine.close();
    const bytes = directoryBytes(dataDir);
    const { ms, engine: recovered } = await timeStart(dataDir, shards);
    let reserved = 0;
    for (let start = 0; start < skus.length; start += 4096) {
      const views = await Promise.all(skus.slice(start, start + 4096).map((sku) => recovered.get(sku)));
      for (const view of views) if (view.ok) reserved += view.reserved;
    }
    await recovered.close();
    return { ops: done, bytes, ms, reserved, expectedReserved: done - skus.length };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
