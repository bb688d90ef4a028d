import { opsPerSecond, type CaseCheck, type CaseResult } from './case-result.js';
import type { LatencySummaryUs } from '../load/histogram.js';
import type { CaseMeasurement } from './types.js';

/** What a case's run hands back: its result, with metrics and a ceiling of its own when it has them. */
export function measured(result: CaseResult, extra: Omit<CaseMeasurement, 'result'> = {}): CaseMeasurement {
  return { result, ...extra };
}

/** A case timed as one run (a load, a recovery, a simulation): what it did and how long it took. */
export interface OneRun {
  name: string;
  description: string;
  ops: number;
  elapsedMs: number;
  latencyMeasures: string;
  checks: CaseCheck[];
  details: CaseResult['details'];
}

const NO_LATENCY: LatencySummaryUs = { count: 0, p50Us: 0, p99Us: 0, p999Us: 0, maxUs: 0 };

/** The result of a case timed as one run: ops per second of the run, no latency. */
export function oneRunResult(run: OneRun): CaseResult {
  return {
    name: run.name,
    description: run.description,
    ops: run.ops,
    durationMs: Math.round(run.elapsedMs),
    opsPerSecond: opsPerSecond(run.ops, run.elapsedMs),
    latencyMeasures: run.latencyMeasures,
    latencyUs: NO_LATENCY,
    checks: run.checks,
    details: run.details,
  };
}
