import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineOptions } from '../../engine/index.js';
import type { CaseResult } from '../harness/case-result.js';
import { runUniformMix } from '../engine/uniform-mix.js';
import { directoryBytes } from './directory-bytes.js';

/** A journal setting the uniform mix runs under: none, or a data directory with an fsync policy. */
export interface JournalPolicy {
  name: string;
  options: (dataDir: string) => EngineOptions;
}

export const NO_JOURNAL = 'no journal';

export const JOURNAL_POLICIES: JournalPolicy[] = [
  { name: NO_JOURNAL, options: () => ({}) },
  { name: 'fsync off', options: (dataDir) => ({ dataDir, fsync: 'off' }) },
  { name: 'fsync interval', options: (dataDir) => ({ dataDir, fsync: 'interval', fsyncIntervalMs: 100 }) },
  { name: 'fsync always', options: (dataDir) => ({ dataDir, fsync: 'always' }) },
];

export function journalPolicy(name: string): JournalPolicy {
  const policy = JOURNAL_POLICIES.find((candidate) => candidate.name === name);
  if (policy === undefined) throw new Error(`unknown journal policy '${name}'`);
  return policy;
}

export function temporaryDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'holdfast-bench-durability-'));
}

export interface JournalPlan {
  shards: number;
  skus: string[];
  warmupMs: number;
  durationMs: number;
}

/**
 * The uniform reserve → commit|release mix (windows of 2048 reserves, one lane) under one journal
 * policy; no snapshots during the run. Returns the case and the journal's bytes per operation.
 */
export async function runJournalPolicy(
  policy: JournalPolicy,
  plan: JournalPlan,
): Promise<{ result: CaseResult; bytesPerOp: number | null }> {
  const dataDir = temporaryDataDir();
  const journaled = policy.name !== NO_JOURNAL;
  try {
    const result = await runUniformMix({
      shards: plan.shards,
      skus: plan.skus,
      unitsPerSku: 1_000_000,
      reservesPerWindow: 2048,
      lanes: 1,
      warmupMs: plan.warmupMs,
      durationMs: plan.durationMs,
      latencySampleEvery: 16,
      engineOptions: { ...policy.options(dataDir), snapshotEveryRecords: journaled ? 100_000_000 : undefined },
    });
    result.name = policy.name;
    const details = result.details as Record<string, number>;
    const totalOps = details.reserveOps + details.commitOps + details.releaseOps + plan.skus.length;
    return { result, bytesPerOp: journaled ? directoryBytes(dataDir) / totalOps : null };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
