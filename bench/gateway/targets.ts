import type { CaseResult, CaseTarget } from '../harness/case-result.js';
import { atLeast, opsPerSecondText, percentText } from '../harness/targets.js';

export const BATCHED_OPS_PER_SECOND_GOAL = 500_000;
export const BATCHED_ECHO_RATIO_GOAL = 0.4;
export const SINGLE_OPS_PER_SECOND_GOAL = 100_000;
/** p99 must stay under this at half the batched case's measured rate. */
export const PACED_P99_US_GOAL = 5_000;

const microsecondsText = (value: number): string => `${Math.round(value).toLocaleString('en-US')} µs`;

/** `measured` as a fraction of `ceiling` (0 when the ceiling measured nothing). */
export function shareOf(measured: CaseResult, ceiling: CaseResult): number {
  return ceiling.opsPerSecond > 0 ? measured.opsPerSecond / ceiling.opsPerSecond : 0;
}

export function batchedTargets(batched: CaseResult, echo: CaseResult | null): CaseTarget[] {
  const targets = [atLeast('throughput', BATCHED_OPS_PER_SECOND_GOAL, batched.opsPerSecond, opsPerSecondText)];
  if (echo !== null)
    targets.push(
      atLeast(
        `share of the ws echo ceiling (${echo.name})`,
        BATCHED_ECHO_RATIO_GOAL,
        shareOf(batched, echo),
        percentText,
      ),
    );
  return targets;
}

export function singleTargets(single: CaseResult): CaseTarget[] {
  return [atLeast('throughput', SINGLE_OPS_PER_SECOND_GOAL, single.opsPerSecond, opsPerSecondText)];
}

export function pacedTargets(paced: CaseResult, pacedOpsPerSecond: number): CaseTarget[] {
  const p99 = paced.latencyUs.p99Us;
  return [
    {
      name: `p99 at half the batched rate (${opsPerSecondText(pacedOpsPerSecond)} offered, ${opsPerSecondText(paced.opsPerSecond)} answered)`,
      goal: `< ${microsecondsText(PACED_P99_US_GOAL)}`,
      measured: microsecondsText(p99),
      met: paced.latencyUs.count > 0 && p99 < PACED_P99_US_GOAL,
    },
  ];
}
