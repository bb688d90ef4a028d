import type { SuiteTarget } from '../harness/types.js';
import { opsPerSecondText } from '../harness/targets.js';

export const BATCHED_OPS_PER_SECOND_GOAL = 500_000;
export const SINGLE_OPS_PER_SECOND_GOAL = 100_000;
/** p99 must stay under this at half the batched case's measured rate. */
export const PACED_P99_US_GOAL = 5_000;

const microsecondsText = (value: number): string => `${Math.round(value).toLocaleString('en-US')} µs`;

/** The paced case's target: its p99 at the rate it offered, under PACED_P99_US_GOAL. */
export function pacedP99Target(
  p99Us: number | undefined,
  offeredOpsPerSecond: number | undefined,
  answeredOpsPerSecond: number,
): SuiteTarget {
  const offered = offeredOpsPerSecond === undefined ? 'not paced' : opsPerSecondText(offeredOpsPerSecond);
  const name = `p99 at half the batched rate (${offered} offered, ${opsPerSecondText(answeredOpsPerSecond)} answered)`;
  const goal = `< ${microsecondsText(PACED_P99_US_GOAL)}`;
  if (p99Us === undefined) return { name, goal, measured: 'not measured', met: null };
  return { name, goal, measured: microsecondsText(p99Us), met: p99Us < PACED_P99_US_GOAL };
}
