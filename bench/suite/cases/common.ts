import type { CaseResult } from '../../case-result.js';
import { DEFAULT_ENGINE_LOAD, type EngineLoad } from '../../cases/engine-load.js';
import { skuNames } from '../../cases/stock.js';
import { atLeast, opsPerSecondText } from '../../targets.js';
import type { CaseFigures, CaseMeasurement, FigureLookup, Profile, SuiteTarget } from '../types.js';

/** Every uniform case (engine, gateway, journal, peers) spreads its load over these 10,000 SKUs. */
export const SKU_COUNT = 10_000;
/** The engine's shard count in every case but the scaling ones: one worker per core on the 2-core reference machine. */
export const ENGINE_SHARDS = 2;

export function uniformSkus(): string[] {
  return skuNames(SKU_COUNT);
}

/** The engine bench's driver (one lane, windows of 4096 ops, 1 op in 16 timed) with the profile's timing. */
export function engineLoad(profile: Profile): EngineLoad {
  return { ...DEFAULT_ENGINE_LOAD, warmupMs: profile.warmupMs, durationMs: profile.durationMs };
}

export function measured(result: CaseResult, extra: Omit<CaseMeasurement, 'result'> = {}): CaseMeasurement {
  return { result, ...extra };
}

export const timesText = (value: number): string => `${value.toFixed(2)}×`;

/** At least `goal` per second (`unit`: 'ops/s', 'attempts/s'…). */
export function throughputTarget(own: CaseFigures, goal: number, name = 'throughput', unit = 'ops/s'): SuiteTarget {
  return atLeast(name, goal, own.opsPerSecond, (value) => opsPerSecondText(value).replace('ops/s', unit));
}

/** holdfast ÷ a peer case at least `goal` (null when the peer did not run). */
export function peerTarget(own: CaseFigures, lookup: FigureLookup, peerCase: string, goal: number, label: string): SuiteTarget {
  const peer = lookup(peerCase);
  const name = `÷ ${label} (${peerCase})`;
  if (peer === undefined || peer.opsPerSecond <= 0) return { name, goal: `>= ${timesText(goal)}`, measured: 'peer not measured in this run', met: null };
  return atLeast(name, goal, own.opsPerSecond / peer.opsPerSecond, timesText);
}
