import { DEFAULT_MAX_BATCH_OPS } from '../../engine/api/options.js';
import { MICRO_BATCHES_IN_FLIGHT_MAX } from '../../engine/router/shard-link.js';
import type { TransportCeilingPlan } from '../ceiling/transport-ceiling.js';
import type { HotSkuPlan } from './hot-sku.js';
import type { Profile } from '../harness/types.js';
import type { CaseResult } from '../harness/case-result.js';
import { UNIFORM_UNITS_PER_SKU, uniformSkus } from '../load/uniform-workload.js';
import { runUniformMix, type UniformMixPlan } from './uniform-mix.js';

/**
 * How the engine cases and their ceilings (the transport, the ledger loop) drive load, so they
 * all measure the same thing.
 *
 * One lane issuing windows of 4096 ops (2048 per shard) measured best for the ceiling on 2 cores:
 * more ops outstanding (2–4 lanes, 8192-op windows) cost more in GC and context switches than
 * the overlap gains (1.0–1.1 M vs 1.25–1.4 M ops/s). The engine cases and the transport ceiling
 * use the same driver.
 *
 * Latency is timed for 1 op in 16 in the throughput pass itself: timing every op costs ~25% of
 * the ceiling's throughput (two performance.now() + a histogram record, ~170 ns per op), which
 * would flatter the engine/ceiling ratio. Ops resolve in batches of ~2048, so every batch is
 * still sampled ~128 times and p99/max stay representative.
 */
export interface EngineLoad {
  lanes: number;
  windowOps: number;
  latencySampleEvery: number;
  warmupMs: number;
  durationMs: number;
}

/** The driver's shape (the profile gives its timing). */
export const DEFAULT_ENGINE_LOAD: Omit<EngineLoad, 'warmupMs' | 'durationMs'> = {
  lanes: 1,
  windowOps: 4096,
  latencySampleEvery: 16,
};

function envInteger(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got '${text}'`);
  return value;
}

/**
 * The driver with the profile's timing. BENCH_LANES, BENCH_WINDOW_OPS and BENCH_LATENCY_SAMPLE_EVERY change its
 * shape, for exploring only: the floors were set with the defaults.
 */
export function engineLoad(profile: Profile): EngineLoad {
  return {
    lanes: envInteger('BENCH_LANES', DEFAULT_ENGINE_LOAD.lanes),
    windowOps: envInteger('BENCH_WINDOW_OPS', DEFAULT_ENGINE_LOAD.windowOps),
    latencySampleEvery: envInteger('BENCH_LATENCY_SAMPLE_EVERY', DEFAULT_ENGINE_LOAD.latencySampleEvery),
    warmupMs: profile.warmupMs,
    durationMs: profile.durationMs,
  };
}

/** (c) The transport ceiling with the engine's own transport policy (batch size, batches in flight). */
export function transportCeilingPlan(shards: number, skus: string[], load: EngineLoad): TransportCeilingPlan {
  return {
    shards,
    skus,
    maxBatchOps: DEFAULT_MAX_BATCH_OPS,
    batchesInFlightMax: MICRO_BATCHES_IN_FLIGHT_MAX,
    windowOps: load.windowOps,
    lanes: load.lanes,
    warmupMs: load.warmupMs,
    durationMs: load.durationMs,
    latencySampleEvery: load.latencySampleEvery,
  };
}

/** (a) The uniform mix: each window reserves half its ops and settles the previous window's holds. */
export function uniformMixPlan(shards: number, skus: string[], load: EngineLoad): UniformMixPlan {
  return {
    shards,
    skus,
    unitsPerSku: UNIFORM_UNITS_PER_SKU,
    reservesPerWindow: Math.max(1, Math.floor(load.windowOps / 2)),
    lanes: load.lanes,
    warmupMs: load.warmupMs,
    durationMs: load.durationMs,
    latencySampleEvery: load.latencySampleEvery,
  };
}

/** (b) The hot SKU: `units` units, twice as many attempts (so exactly half are refused). */
export function hotSkuPlan(shards: number, units: number, load: EngineLoad): HotSkuPlan {
  return {
    shards,
    units,
    attempts: units * 2,
    attemptsPerWindow: load.windowOps,
    lanes: load.lanes,
    latencySampleEvery: load.latencySampleEvery,
  };
}

/** The uniform mix on the embedded engine with `shards` shards and `linesPerReserve` lines per hold. */
export function runUniformOnEngine(profile: Profile, shards: number, linesPerReserve = 1): Promise<CaseResult> {
  return runUniformMix({ ...uniformMixPlan(shards, uniformSkus(), engineLoad(profile)), linesPerReserve });
}
