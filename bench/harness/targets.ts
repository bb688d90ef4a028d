import type { CaseResult, CaseTarget } from './case-result.js';

export const UNIFORM_MIX_OPS_PER_SECOND_GOAL = 1_500_000;
export const UNIFORM_MIX_CEILING_RATIO_GOAL = 0.5;
export const HOT_SKU_ATTEMPTS_PER_SECOND_GOAL = 1_000_000;

export function atLeast(name: string, goal: number, measured: number, format: (value: number) => string): CaseTarget {
  return { name, goal: `>= ${format(goal)}`, measured: format(measured), met: measured >= goal };
}

export const opsPerSecondText = (value: number): string => `${Math.round(value).toLocaleString('en-US')} ops/s`;
export const percentText = (value: number): string => `${(value * 100).toFixed(1)}%`;

/** engine (a) ops/s as a fraction of the transport ceiling's ops/s. */
export function ceilingRatio(uniformMix: CaseResult, ceiling: CaseResult): number {
  return ceiling.opsPerSecond > 0 ? uniformMix.opsPerSecond / ceiling.opsPerSecond : 0;
}

export function uniformMixTargets(uniformMix: CaseResult, ceiling: CaseResult): CaseTarget[] {
  return [
    atLeast('throughput', UNIFORM_MIX_OPS_PER_SECOND_GOAL, uniformMix.opsPerSecond, opsPerSecondText),
    atLeast(
      'share of transport ceiling',
      UNIFORM_MIX_CEILING_RATIO_GOAL,
      ceilingRatio(uniformMix, ceiling),
      percentText,
    ),
  ];
}

export function hotSkuTargets(hotSku: CaseResult): CaseTarget[] {
  return [atLeast('attempts/s', HOT_SKU_ATTEMPTS_PER_SECOND_GOAL, hotSku.opsPerSecond, opsPerSecondText)];
}
