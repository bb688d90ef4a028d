import { opsPerSecond, type CaseCheck, type CaseResult } from './case-result.js';
import { DEFAULT_ENGINE_LOAD, uniformMixPlan, type EngineLoad } from '../engine/engine-load.js';
import { skuNames } from '../load/stock.js';
import { runUniformMix } from '../engine/uniform-mix.js';
import type { LatencySummaryUs } from '../load/histogram.js';
import { atLeast, opsPerSecondText } from './targets.js';
import type { CaseFigures, CaseMeasurement, FigureLookup, Profile, SuiteCase, SuiteTarget } from './types.js';

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

/**
 * The uniform mix on the embedded engine with `shards` shards and `linesPerReserve` lines per hold, the engine bench's
 * driver.
 */
export function runUniformOnEngine(profile: Profile, shards: number, linesPerReserve = 1): Promise<CaseResult> {
  return runUniformMix({ ...uniformMixPlan(shards, uniformSkus(), engineLoad(profile)), linesPerReserve });
}

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
    targets: [],
    details: run.details,
  };
}

export const timesText = (value: number): string => `${value.toFixed(2)}×`;

/** At least `goal` per second (`unit`: 'ops/s', 'attempts/s'…). */
export function throughputTarget(own: CaseFigures, goal: number, name = 'throughput', unit = 'ops/s'): SuiteTarget {
  return atLeast(name, goal, own.opsPerSecond, (value) => opsPerSecondText(value).replace('ops/s', unit));
}

/** holdfast ÷ a peer case at least `goal` (null when the peer did not run). */
export function peerTarget(
  own: CaseFigures,
  lookup: FigureLookup,
  peerCase: string,
  goal: number,
  label: string,
): SuiteTarget {
  const peer = lookup(peerCase);
  const name = `÷ ${label} (${peerCase})`;
  if (peer === undefined || peer.opsPerSecond <= 0)
    return { name, goal: `>= ${timesText(goal)}`, measured: 'peer not measured in this run', met: null };
  return atLeast(name, goal, own.opsPerSecond / peer.opsPerSecond, timesText);
}

/** A goal against the Redis peer on the same workload: holdfast ÷ `peerCase` at least `ratio`. */
export interface RedisGoal {
  peerCase: string;
  ratio: number;
  label: string;
}

/**
 * A holdfast case's targets: its throughput at least `goal` (in `unit`), and its ratio to Redis at least `redis.ratio`.
 */
export function throughputAndRedisTargets(
  goal: number,
  redis: RedisGoal,
  unit = 'ops/s',
): NonNullable<SuiteCase['targets']> {
  return (own, lookup) => [
    throughputTarget(own, goal, 'throughput', unit),
    peerTarget(own, lookup, redis.peerCase, redis.ratio, redis.label),
  ];
}
