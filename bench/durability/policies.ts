import { defined } from '../../shared/invariant.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineOptions } from '../../engine/index.js';
import type { CaseResult } from '../harness/case-result.js';
import { uniformMixPlan, type EngineLoad } from '../engine/engine-load.js';
import { runUniformMix } from '../engine/uniform-mix.js';
import { directoryBytes } from './directory-bytes.js';

/** A journal setting the uniform mix runs under: a data directory with an fsync policy. */
export interface JournalPolicy {
  name: string;
  options: (dataDir: string) => EngineOptions;
}

/** The no-journal baseline is engine-uniform itself (the journal cases' ceiling). */
export const JOURNAL_POLICIES: JournalPolicy[] = [
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
  /** engine-uniform's driver and timing (bench/engine/engine-load.ts). */
  load: EngineLoad;
}

/**
 * The uniform reserve → commit|release mix, engine-uniform's plan, under one journal policy; no snapshots during the
 * run. Returns the case and the journal's bytes per operation.
 */
export async function runJournalPolicy(
  policy: JournalPolicy,
  plan: JournalPlan,
): Promise<{ result: CaseResult; bytesPerOp: number }> {
  const dataDir = temporaryDataDir();
  try {
    const result = await runUniformMix({
      ...uniformMixPlan(plan.shards, plan.skus, plan.load),
      engineOptions: { ...policy.options(dataDir), snapshotEveryRecords: 100_000_000 },
    });
    result.name = policy.name;
    const details = result.details as Record<string, number>;
    const totalOps =
      defined(details.reserveOps, 'reserveOps in the details') +
      defined(details.commitOps, 'commitOps in the details') +
      defined(details.releaseOps, 'releaseOps in the details') +
      plan.skus.length;
    return { result, bytesPerOp: directoryBytes(dataDir) / totalOps };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
