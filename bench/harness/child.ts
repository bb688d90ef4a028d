/**
 * One suite case in a process of its own (so no case inherits another's heap, JIT state or
 * leftover workers): `node dist/bench/harness/child.js <case> <out.json>`, the profile, the peer
 * URLs and the case's inputs in BENCH_SUITE_PROFILE / BENCH_SUITE_REDIS_URL /
 * BENCH_SUITE_POSTGRES_URL / BENCH_SUITE_INPUTS. Writes
 * { ok, measurement | error, processCpuPercentOfMachine } to out.json and exits.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { caseNamed } from './registry.js';
import type { CaseContext, CaseMeasurement, Profile } from './types.js';

export interface ChildReport {
  ok: boolean;
  measurement?: CaseMeasurement;
  /** The case found it cannot measure here (one line). */
  skipped?: string;
  error?: string;
  /** This process's CPU (all its threads) during the case, as a % of all cores. */
  processCpuPercentOfMachine?: number;
}

function context(): CaseContext {
  const profile = JSON.parse(process.env.BENCH_SUITE_PROFILE ?? 'null') as Profile | null;
  if (profile === null) throw new Error('BENCH_SUITE_PROFILE is not set (run the suite: node dist/bench/suite.js)');
  const url = (name: string): string | null => (process.env[name] ? (process.env[name] as string) : null);
  const inputs = JSON.parse(process.env.BENCH_SUITE_INPUTS ?? '{}') as Record<string, number>;
  return {
    profile,
    peers: { redisUrl: url('BENCH_SUITE_REDIS_URL'), postgresUrl: url('BENCH_SUITE_POSTGRES_URL') },
    inputs,
  };
}

async function main(): Promise<void> {
  const [caseName, outPath] = process.argv.slice(2);
  if (caseName === undefined || outPath === undefined) throw new Error('usage: child.js <case> <out.json>');
  let report: ChildReport;
  try {
    const suiteCase = caseNamed(caseName);
    if (suiteCase === undefined) throw new Error(`unknown case '${caseName}'`);
    const cpuBefore = process.cpuUsage();
    const startMs = performance.now();
    const outcome = await suiteCase.run(context());
    const cpu = process.cpuUsage(cpuBefore);
    const percent = Math.round(
      ((cpu.user + cpu.system) / 1000 / ((performance.now() - startMs) * os.cpus().length)) * 100,
    );
    report =
      'skipped' in outcome
        ? { ok: true, skipped: outcome.skipped }
        : { ok: true, measurement: outcome, processCpuPercentOfMachine: percent };
  } catch (error) {
    report = { ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  writeFileSync(outPath, JSON.stringify(report));
  process.exit(report.ok ? 0 : 1);
}

await main();
