/**
 * The durability benchmark: `npm run bench:durability`. Prints figures; never a timed test.
 * (1) Throughput of the uniform reserve → commit|release mix with no journal and under each
 * fsync policy, in the same run (ratios beat absolute figures on a shared machine); (2) the
 * journal's bytes per operation; (3) recovery time for 1M journal records (one op each: the
 * worst case) and for a journal of 1M operations as the engine batches them.
 * Knobs: BENCH_DURATION_MS (default 4000), BENCH_RECOVERY_RECORDS (default 1,000,000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine, type Engine, type EngineOptions } from '../engine/index.js';
import type { CaseResult } from './case-result.js';
import { runUniformMix } from './cases/uniform-mix.js';
import { skuNames } from './cases/stock.js';
import { directoryBytes } from './durability/directory-bytes.js';
import { writeSyntheticJournal } from './durability/synthetic-journal.js';
import { waitForQuietCpu } from './quiet-machine.js';
import { describeMachine, describeRevision, formatMachine, formatTable, writeReportJson } from './report.js';

const RESULTS_JSON_PATH = fileURLToPath(new URL('../../bench/results/durability.json', import.meta.url));
const SHARDS = 2;
const SKUS = skuNames(10_000);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 4000);
const RECOVERY_RECORDS = Number(process.env.BENCH_RECOVERY_RECORDS ?? 1_000_000);
const RECOVERY_TARGET_MS = 3000;

interface Policy {
  name: string;
  options: (dataDir: string) => EngineOptions;
}

const POLICIES: Policy[] = [
  { name: 'no journal', options: () => ({}) },
  { name: 'fsync off', options: (dataDir) => ({ dataDir, fsync: 'off' }) },
  { name: 'fsync interval', options: (dataDir) => ({ dataDir, fsync: 'interval', fsyncIntervalMs: 100 }) },
  { name: 'fsync always', options: (dataDir) => ({ dataDir, fsync: 'always' }) },
];

function temporaryDir(): string {
  return mkdtempSync(join(tmpdir(), 'holdfast-bench-durability-'));
}

async function throughput(policy: Policy): Promise<{ result: CaseResult; bytesPerOp: number | null }> {
  const dataDir = temporaryDir();
  try {
    await waitForQuietCpu(0.9, 5000);
    const result = await runUniformMix({
      shards: SHARDS, skus: SKUS, unitsPerSku: 1_000_000, reservesPerWindow: 2048, lanes: 1,
      warmupMs: 500, durationMs: DURATION_MS, latencySampleEvery: 16,
      engineOptions: { ...policy.options(dataDir), snapshotEveryRecords: policy.name === 'no journal' ? undefined : 100_000_000 },
    });
    result.name = policy.name;
    const journaled = policy.name === 'no journal' ? null : directoryBytes(dataDir);
    const details = result.details as Record<string, number>;
    const totalOps = details.reserveOps + details.commitOps + details.releaseOps + SKUS.length;
    return { result, bytesPerOp: journaled === null ? null : journaled / totalOps };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Starts an engine on a data directory and returns how long it took to be ready (snapshot + journal + index). */
async function timeStart(dataDir: string, shards: number): Promise<{ ms: number; engine: Engine }> {
  const startedAt = performance.now();
  const engine = await createEngine({ shards, dataDir, fsync: 'off' });
  return { ms: performance.now() - startedAt, engine };
}

async function recoverySynthetic(): Promise<{ records: number; bytes: number; ms: number; onHand: number }> {
  const dataDir = temporaryDir();
  try {
    const bytes = await writeSyntheticJournal(dataDir, RECOVERY_RECORDS, SKUS);
    const { ms, engine } = await timeStart(dataDir, 1);
    let onHand = 0;
    for (const sku of SKUS.slice(0, 100)) {
      const view = await engine.get(sku);
      if (view.ok) onHand += view.onHand;
    }
    await engine.close();
    return { records: RECOVERY_RECORDS, bytes, ms, onHand };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** 1M operations through the engine (reserves in windows of 4096), then a restart. */
async function recoveryBatched(): Promise<{ ops: number; bytes: number; ms: number; reserved: number }> {
  const dataDir = temporaryDir();
  try {
    const engine = await createEngine({ shards: SHARDS, dataDir, fsync: 'off', snapshotEveryRecords: 100_000_000, maxInFlightOpsPerShard: 1 << 20 });
    for (const sku of SKUS) await engine.receive({ sku, location: 'WH-1', qty: 1_000 });
    let ops = SKUS.length;
    for (let next = 0; ops < RECOVERY_RECORDS; ) {
      const window = Array.from({ length: 4096 }, () => {
        const id = `r${next++}`;
        return engine.reserve({ id, channel: 'web', ttlMs: 3_600_000, lines: [{ sku: SKUS[next % SKUS.length], qty: 1 }] });
      });
      await Promise.all(window);
      ops += window.length;
    }
    await engine.close();
    const bytes = directoryBytes(dataDir);
    const { ms, engine: recovered } = await timeStart(dataDir, SHARDS);
    let reserved = 0;
    for (const sku of SKUS) {
      const view = await recovered.get(sku);
      if (view.ok) reserved += view.reserved;
    }
    await recovered.close();
    return { ops, bytes, ms, reserved };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const machine = describeMachine();
  const startedAt = new Date().toISOString();
  console.log(`${new Date().toISOString()} holdfast durability bench · ${describeRevision()} · ${formatMachine(machine)}`);
  const runs: Array<{ result: CaseResult; bytesPerOp: number | null }> = [];
  for (const policy of POLICIES) runs.push(await throughput(policy));
  const baseline = runs[0].result.opsPerSecond;
  console.log(`\n${formatTable(runs.map((run) => run.result))}\n`);
  for (const { result, bytesPerOp } of runs) {
    const ratio = ((result.opsPerSecond / baseline) * 100).toFixed(0);
    const bytes = bytesPerOp === null ? '' : `, journal ${bytesPerOp.toFixed(1)} bytes/op`;
    console.log(`${result.name.padEnd(15)} ${Math.round(result.opsPerSecond).toLocaleString('en-US')} ops/s = ${ratio}% of no journal${bytes}`);
  }
  const synthetic = await recoverySynthetic();
  const syntheticOk = synthetic.onHand === (RECOVERY_RECORDS / SKUS.length) * 100;
  console.log(`\nrecovery: ${synthetic.records.toLocaleString('en-US')} journal records of one op each (${(synthetic.bytes / 2 ** 20).toFixed(1)} MiB): ` +
    `${Math.round(synthetic.ms).toLocaleString('en-US')} ms to ready (target < ${RECOVERY_TARGET_MS} ms: ${synthetic.ms < RECOVERY_TARGET_MS ? 'met' : 'NOT met'})` +
    ` · ${syntheticOk ? 'PASS' : 'FAIL'} recovered stock`);
  const batched = await recoveryBatched();
  const batchedOk = batched.reserved === batched.ops - SKUS.length;
  console.log(`recovery: ${batched.ops.toLocaleString('en-US')} operations as the engine batched them (${(batched.bytes / 2 ** 20).toFixed(1)} MiB, ${SHARDS} shards): ` +
    `${Math.round(batched.ms).toLocaleString('en-US')} ms to ready · ${batchedOk ? 'PASS' : 'FAIL'} recovered holds (${batched.reserved.toLocaleString('en-US')})`);
  const summary: Record<string, number | string | boolean> = {
    recoveryTargetMs: RECOVERY_TARGET_MS,
    recoverySyntheticRecords: synthetic.records,
    recoverySyntheticBytes: synthetic.bytes,
    recoverySyntheticMs: Math.round(synthetic.ms),
    recoveryBatchedOps: batched.ops,
    recoveryBatchedBytes: batched.bytes,
    recoveryBatchedMs: Math.round(batched.ms),
  };
  for (const { result, bytesPerOp } of runs) {
    summary[`${result.name} ratioToNoJournal`] = Number((result.opsPerSecond / baseline).toFixed(3));
    if (bytesPerOp !== null) summary[`${result.name} journalBytesPerOp`] = Number(bytesPerOp.toFixed(1));
  }
  await writeReportJson(RESULTS_JSON_PATH, {
    machine, revision: describeRevision(), startedAt, results: runs.map(({ result }) => result), summary,
  });
  if (!syntheticOk || !batchedOk || runs.some(({ result }) => result.checks.some((c) => !c.pass))) process.exitCode = 1;
}

await main();
