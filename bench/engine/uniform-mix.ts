import { defined } from '../../shared/invariant.js';
import { createEngine } from '../../engine/index.js';
import type { Engine, EngineOptions, LineRequest } from '../../engine/index.js';
import { shardOfSku } from '../../engine/router/hash.js';
import { check, opsPerSecond } from '../harness/case-result.js';
import type { CaseResult } from '../harness/case-result.js';
import { Countdown } from '../load/countdown.js';
import { runLanes } from '../load/lanes.js';
import { LatencySampler } from '../load/latency-sampler.js';
import { benchEngineOptions } from '../load/engine-options.js';
import {
  countReserve,
  countSettle,
  createMixCounts,
  drawCommit,
  opCountDetails,
  resetOpCounts,
  type MixCounts,
} from '../load/mix-counts.js';
import { BENCH_LOCATION, HOLD_TTL_MS, MIX_CHANNEL, receiveStock } from '../load/stock.js';
import { threadBusyDetails, watchThreadBusy } from '../load/thread-busy.js';

export interface UniformMixPlan {
  shards: number;
  skus: string[];
  unitsPerSku: number;
  /** New reserves per window; each window also settles the previous window's holds of its lane. */
  reservesPerWindow: number;
  lanes: number;
  warmupMs: number;
  durationMs: number;
  latencySampleEvery: number;
  /** Engine options over the benchmark's own (a data directory, an fsync policy). */
  engineOptions?: EngineOptions;
  /**
   * Lines per reserve (default 1). Above 1, each line's SKU is drawn from a different shard (the
   * router's own hash), so every hold spans that many shards: the cross-shard all-or-nothing path.
   */
  linesPerReserve?: number;
}

interface MixLoad {
  engine: Engine;
  skus: string[];
  /** With linesPerReserve > 1: the SKUs each shard owns. */
  skusByShard: string[][];
  linesPerReserve: number;
  reservesPerWindow: number;
  sampler: LatencySampler;
  /** Per lane: the ids its last window reserved, to commit or release in its next window. */
  heldByLane: string[][];
  reserveCount: number;
  counts: MixCounts;
}

function pick(skus: readonly string[]): string {
  return defined(skus[Math.floor(Math.random() * skus.length)], 'a SKU to pick');
}

/** One line of 1 unit, or one line on each of `linesPerReserve` shards starting at a random one. */
function reserveLines(load: MixLoad): LineRequest[] {
  if (load.linesPerReserve === 1) return [{ sku: pick(load.skus), qty: 1 }];
  const shards = load.skusByShard.length;
  const first = Math.floor(Math.random() * shards);
  const lines: LineRequest[] = [];
  for (let line = 0; line < load.linesPerReserve; line++)
    lines.push({ sku: pick(defined(load.skusByShard[(first + line) % shards], 'the SKUs of a shard')), qty: 1 });
  return lines;
}

function issueReserve(load: MixLoad, held: string[], window: Countdown): void {
  const id = `u${load.reserveCount++}`;
  const lines = reserveLines(load);
  const startMs = load.sampler.start();
  void load.engine.reserve({ id, channel: MIX_CHANNEL, ttlMs: HOLD_TTL_MS, lines }).then((result) => {
    load.sampler.finish(startMs);
    if (countReserve(load.counts, result.ok ? null : result)) held.push(id);
    window.tick();
  });
}

/** Commits or releases (50:50) a hold reserved in an earlier window. */
function issueSettle(load: MixLoad, id: string, window: Countdown): void {
  const commit = drawCommit();
  const settled = commit ? load.engine.commit(id) : load.engine.release(id);
  void settled.then((result) => {
    countSettle(load.counts, commit, result);
    window.tick();
  });
}

function runMixWindow(load: MixLoad, lane: number): Promise<number> {
  const settleIds = defined(load.heldByLane[lane], 'a lane of the load');
  const held: string[] = [];
  load.heldByLane[lane] = held;
  const windowOps = settleIds.length + load.reservesPerWindow;
  const window = new Countdown(windowOps);
  for (const id of settleIds) issueSettle(load, id, window);
  for (let index = 0; index < load.reservesPerWindow; index++) issueReserve(load, held, window);
  return window.settled.then(() => windowOps);
}

function skusByShard(plan: UniformMixPlan, linesPerReserve: number): string[][] {
  if (linesPerReserve === 1) return [];
  if (linesPerReserve > plan.shards)
    throw new Error(`linesPerReserve (${linesPerReserve}) must not exceed shards (${plan.shards})`);
  const byShard: string[][] = Array.from({ length: plan.shards }, () => []);
  for (const sku of plan.skus) defined(byShard[shardOfSku(sku, plan.shards)], 'a shard of the plan').push(sku);
  if (byShard.some((skus) => skus.length === 0)) throw new Error('every shard must own at least one SKU');
  return byShard;
}

function createLoad(engine: Engine, plan: UniformMixPlan): MixLoad {
  const linesPerReserve = plan.linesPerReserve ?? 1;
  return {
    engine,
    skus: plan.skus,
    skusByShard: skusByShard(plan, linesPerReserve),
    linesPerReserve,
    reservesPerWindow: plan.reservesPerWindow,
    sampler: new LatencySampler(plan.latencySampleEvery),
    heldByLane: Array.from({ length: plan.lanes }, () => []),
    reserveCount: 0,
    counts: createMixCounts(),
  };
}

/** (a) 10k SKUs, uniform: reserve 1 unit, then commit or release it; every call counts as one op. */
export async function runUniformMix(plan: UniformMixPlan): Promise<CaseResult> {
  const engine = await createEngine({ ...benchEngineOptions(plan.shards), ...plan.engineOptions });
  try {
    await receiveStock(engine, plan.skus, BENCH_LOCATION, plan.unitsPerSku);
    const load = createLoad(engine, plan);
    const runWindow = (lane: number) => runMixWindow(load, lane);
    const opsMax = Number.POSITIVE_INFINITY;
    await runLanes(runWindow, { lanes: plan.lanes, durationMs: plan.warmupMs, opsMax });
    load.sampler.reset();
    resetOpCounts(load.counts);
    const busy = watchThreadBusy(engine);
    const outcome = await runLanes(runWindow, { lanes: plan.lanes, durationMs: plan.durationMs, opsMax });
    const threads = busy(outcome.ops);
    const stats = engine.stats();
    return {
      name: 'uniform-mix',
      description: `(a) ${plan.skus.length} SKUs uniform, reserve → commit|release, ${plan.shards} shards`,
      ops: outcome.ops,
      durationMs: Math.round(outcome.elapsedMs),
      opsPerSecond: opsPerSecond(outcome.ops, outcome.elapsedMs),
      latencyMeasures: `reserve, issue → resolution, ${load.sampler.describe()}`,
      latencyUs: load.sampler.summary(),
      engineLatencyUsByShard: stats.shards.map((shard) => shard.latency),
      checks: [check('refused ops (warm-up + measured)', 0, load.counts.refused)],
      details: {
        shards: plan.shards,
        skus: plan.skus.length,
        unitsPerSku: plan.unitsPerSku,
        reservesPerWindow: plan.reservesPerWindow,
        linesPerReserve: load.linesPerReserve,
        lanes: plan.lanes,
        windows: outcome.windows,
        ...opCountDetails(load.counts),
        reservesPerSecond: opsPerSecond(load.counts.reserveHeld, outcome.elapsedMs),
        ...threadBusyDetails(threads),
        firstRefusal: load.counts.firstRefusal,
        queueDepthMaxByShard: stats.shards.map((shard) => shard.queueDepthMax).join(','),
      },
    };
  } finally {
    await engine.close();
  }
}
