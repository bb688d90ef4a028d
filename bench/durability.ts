/**
 * The durability benchmark: `npm run bench:durability`. Prints figures; never a timed test.
 * (1) Throughput of the uniform reserve → commit|release mix with no journal and under each
 * fsync policy, in the same run (ratios beat absolute figures on a shared machine); (2) the
 * journal's bytes per operation; (3) recovery time for 1M journal records (one op each: the
 * worst case) and for a journal of 1M operations as the engine batches them.
 * Knobs: BENCH_DURATION_MS (default 4000), BENCH_RECOVERY_RECORDS (default 1,000,000).
 */
import { fileURLToPath } from 'node:url';
import type { CaseResult } from './harness/case-result.js';
import { skuNames } from './load/stock.js';
import { JOURNAL_POLICIES, runJournalPolicy, type JournalPolicy } from './durability/policies.js';
import { recoverBatched, recoverSynthetic } from './durability/recovery.js';
import { waitForQuietCpu } from './harness/quiet-machine.js';
import { describeMachine, describeRevision, formatMachine, formatTable, writeReportJson } from './harness/machine.js';

const RESULTS_JSON_PATH = fileURLToPath(new URL('../../bench/results/durability.json', import.meta.url));
const SHARDS = 2;
const SKUS = skuNames(10_000);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 4000);
const RECOVERY_RECORDS = Number(process.env.BENCH_RECOVERY_RECORDS ?? 1_000_000);
const RECOVERY_TARGET_MS = 3000;

async function throughput(policy: JournalPolicy): Promise<{ result: CaseResult; bytesPerOp: number | null }> {
  await waitForQuietCpu(0.9, 5000);
  return runJournalPolicy(policy, { shards: SHARDS, skus: SKUS, warmupMs: 500, durationMs: DURATION_MS });
}

async function recoverySynthetic(): Promise<{
  records: number;
  bytes: number;
  ms: number;
  onHand: number;
  ok: boolean;
}> {
  const recovery = await recoverSynthetic(RECOVERY_RECORDS, SKUS);
  return { ...recovery, ok: recovery.onHand === recovery.expectedOnHand };
}

async function recoveryBatched(): Promise<{ ops: number; bytes: number; ms: number; reserved: number; ok: boolean }> {
  const recovery = await recoverBatched(RECOVERY_RECORDS, SKUS, SHARDS);
  return { ...recovery, ok: recovery.reserved === recovery.expectedReserved };
}

async function main(): Promise<void> {
  const machine = describeMachine();
  const startedAt = new Date().toISOString();
  console.log(
    `${new Date().toISOString()} holdfast durability bench · ${describeRevision()} · ${formatMachine(machine)}`,
  );
  const runs: Array<{ result: CaseResult; bytesPerOp: number | null }> = [];
  for (const policy of JOURNAL_POLICIES) runs.push(await throughput(policy));
  const baseline = runs[0].result.opsPerSecond;
  console.log(`\n${formatTable(runs.map((run) => run.result))}\n`);
  for (const { result, bytesPerOp } of runs) {
    const ratio = ((result.opsPerSecond / baseline) * 100).toFixed(0);
    const bytes = bytesPerOp === null ? '' : `, journal ${bytesPerOp.toFixed(1)} bytes/op`;
    console.log(
      `${result.name.padEnd(15)} ${Math.round(result.opsPerSecond).toLocaleString('en-US')} ops/s = ${ratio}% of no journal${bytes}`,
    );
  }
  const synthetic = await recoverySynthetic();
  const syntheticOk = synthetic.ok;
  console.log(
    `\nrecovery: ${synthetic.records.toLocaleString('en-US')} journal records of one op each (${(synthetic.bytes / 2 ** 20).toFixed(1)} MiB): ` +
      `${Math.round(synthetic.ms).toLocaleString('en-US')} ms to ready (target < ${RECOVERY_TARGET_MS} ms: ${synthetic.ms < RECOVERY_TARGET_MS ? 'met' : 'NOT met'})` +
      ` · ${syntheticOk ? 'PASS' : 'FAIL'} recovered stock`,
  );
  const batched = await recoveryBatched();
  const batchedOk = batched.ok;
  console.log(
    `recovery: ${batched.ops.toLocaleString('en-US')} operations as the engine batched them (${(batched.bytes / 2 ** 20).toFixed(1)} MiB, ${SHARDS} shards): ` +
      `${Math.round(batched.ms).toLocaleString('en-US')} ms to ready · ${batchedOk ? 'PASS' : 'FAIL'} recovered holds (${batched.reserved.toLocaleString('en-US')})`,
  );
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
    machine,
    revision: describeRevision(),
    startedAt,
    results: runs.map(({ result }) => result),
    summary,
  });
  if (!syntheticOk || !batchedOk || runs.some(({ result }) => result.checks.some((c) => !c.pass))) process.exitCode = 1;
}

await main();
