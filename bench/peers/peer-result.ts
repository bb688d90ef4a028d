import { check, opsPerSecond, type CaseCheck, type CaseResult } from '../harness/case-result.js';
import { summarizeLatencyUs } from '../load/histogram.js';
import type { PeerCounts, PeerHotPlan, PeerMixRun, PeerRun } from './peer-load.js';

/** What a peer says of its own run. */
export interface PeerReport {
  name: string;
  description: string;
  latencyMeasures: string;
  checks: CaseCheck[];
  /** Shown after the counts. */
  details: Record<string, number | string>;
}

function countsDetails(counts: PeerCounts): Record<string, number | string> {
  return {
    reserveOk: counts.reserveOk,
    reserveRefused: counts.reserveRefused,
    commitOk: counts.commitOk,
    releaseOk: counts.releaseOk,
    anomalies: counts.anomalies,
    firstAnomaly: counts.firstAnomaly,
  };
}

export function peerResult(run: PeerRun, report: PeerReport): CaseResult {
  return {
    name: report.name,
    description: report.description,
    ops: run.pass.ops,
    durationMs: Math.round(run.elapsedMs),
    opsPerSecond: opsPerSecond(run.pass.ops, run.elapsedMs),
    latencyMeasures: report.latencyMeasures,
    latencyUs: summarizeLatencyUs(run.pass.latency),
    checks: report.checks,
    details: {
      ...countsDetails(run.counts),
      reservesPerSecond: opsPerSecond(run.pass.reservesHeld, run.elapsedMs),
      ...report.details,
    },
  };
}

/**
 * The uniform mix's checks: no anomaly, no refusal (stock far above demand), the peer's reserved units
 * (`reservedCheck`) as the driver holds.
 */
export function mixChecks(run: PeerMixRun, reservedCheck: string, reservedUnits: number): CaseCheck[] {
  return [
    check('errors and settles that found no hold', 0, run.counts.anomalies),
    check('reserves refused (stock far above demand)', 0, run.counts.reserveRefused),
    check(reservedCheck, run.heldUnits, reservedUnits),
  ];
}

/** A peer's stock summed over its SKUs. */
export interface StockUnits {
  reservedUnits: number;
  availableUnits: number;
}

/**
 * The hot SKU's checks: every attempt answered, exactly the stock accepted and reserved (`stock`, read by `via`), none
 * left, no error.
 */
export function hotChecks(plan: PeerHotPlan, run: PeerRun, stock: StockUnits, via: string): CaseCheck[] {
  return [
    check('attempts answered', plan.attempts, run.pass.ops),
    check('accepted', plan.units, run.counts.reserveOk),
    check(`reserved (${via})`, plan.units, stock.reservedUnits),
    check(`available left (${via})`, 0, stock.availableUnits),
    check('errors', 0, run.counts.anomalies),
  ];
}
