import type { LatencySummaryUs } from '../load/histogram.js';

/** An assertion a case makes; a failed check fails the run. */
export interface CaseCheck {
  name: string;
  expected: number;
  actual: number;
  pass: boolean;
}

export interface CaseResult {
  name: string;
  description: string;
  ops: number;
  durationMs: number;
  opsPerSecond: number;
  /** Which op's latency, measured how. */
  latencyMeasures: string;
  latencyUs: LatencySummaryUs;
  /** engine.stats() latency per shard, when the case ran against the engine. */
  engineLatencyUsByShard?: LatencySummaryUs[];
  checks: CaseCheck[];
  details: Record<string, number | string | boolean>;
}

export function check(name: string, expected: number, actual: number): CaseCheck {
  return { name, expected, actual, pass: expected === actual };
}

export function opsPerSecond(ops: number, durationMs: number): number {
  return durationMs > 0 ? Math.round((ops * 1000) / durationMs) : 0;
}
