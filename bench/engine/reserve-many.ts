import { defined } from '../../shared/invariant.js';
import { createEngine } from '../../engine/index.js';
import type { Engine, ReservationResult, ReserveRequest, ReserveResult } from '../../engine/index.js';
import { check, opsPerSecond } from '../harness/case-result.js';
import type { CaseResult } from '../harness/case-result.js';
import { runLanes } from '../load/lanes.js';
import { LatencySampler } from '../load/latency-sampler.js';
import { benchEngineOptions } from '../load/engine-options.js';
import { BENCH_LOCATION, HOLD_TTL_MS, MIX_CHANNEL, receiveStock } from '../load/stock.js';
import { threadBusyDetails, watchThreadBusy } from '../load/thread-busy.js';

export interface ReserveManyPlan {
  shards: number;
  skus: string[];
  unitsPerSku: number;
  /** Requests per reserveMany call; each window also settles the previous window's holds. */
  reservesPerCall: number;
  lanes: number;
  warmupMs: number;
  durationMs: number;
}

interface ManyLoad {
  engine: Engine;
  plan: ReserveManyPlan;
  /** Per lane: the ids its last window held, committed (first half) or released in its next window. */
  heldByLane: string[][];
  reserveCount: number;
  reserves: number;
  settles: number;
  refused: number;
  firstRefusal: string;
  /** One sample per call: from the call to its one answer. */
  callLatency: LatencySampler;
}

function requestsOf(load: ManyLoad): ReserveRequest[] {
  const { skus, reservesPerCall } = load.plan;
  const requests = new Array<ReserveRequest>(reservesPerCall);
  for (let index = 0; index < reservesPerCall; index++) {
    const sku = defined(skus[Math.floor(Math.random() * skus.length)], 'a SKU to pick');
    requests[index] = {
      id: `m${load.reserveCount++}`,
      channel: MIX_CHANNEL,
      ttlMs: HOLD_TTL_MS,
      lines: [{ sku, qty: 1 }],
    };
  }
  return requests;
}

function count(load: ManyLoad, answer: (ReserveResult | ReservationResult)[] | { ok: false }): number {
  if (!Array.isArray(answer)) {
    load.refused += 1;
    return 0;
  }
  let ok = 0;
  for (const result of answer) {
    if (result.ok) ok++;
    else {
      load.refused++;
      if (load.firstRefusal === '') load.firstRefusal = result.error.code;
    }
  }
  return ok;
}

/** One window: reserveMany of the lane's new requests, commitMany and releaseMany of its last window's holds. */
async function runWindow(load: ManyLoad, lane: number): Promise<number> {
  const settle = defined(load.heldByLane[lane], 'a lane of the load');
  const requests = requestsOf(load);
  const half = settle.length >> 1;
  const startMs = load.callLatency.start();
  const [reserved, committed, released] = await Promise.all([
    load.engine.reserveMany(requests),
    load.engine.commitMany(settle.slice(0, half)),
    load.engine.releaseMany(settle.slice(half)),
  ]);
  load.callLatency.finish(startMs);
  count(load, committed);
  count(load, released);
  count(load, reserved);
  load.heldByLane[lane] = Array.isArray(reserved)
    ? reserved.flatMap((result, index) => (result.ok ? [defined(requests[index], 'a request').id] : []))
    : [];
  load.reserves += requests.length;
  load.settles += settle.length;
  return requests.length + settle.length;
}

/** The uniform mix through the many-calls: each window one reserveMany, one commitMany, one releaseMany. */
export async function runReserveMany(plan: ReserveManyPlan): Promise<CaseResult> {
  const engine = await createEngine(benchEngineOptions(plan.shards));
  try {
    await receiveStock(engine, plan.skus, BENCH_LOCATION, plan.unitsPerSku);
    const load: ManyLoad = {
      engine,
      plan,
      heldByLane: Array.from({ length: plan.lanes }, () => []),
      reserveCount: 0,
      reserves: 0,
      settles: 0,
      refused: 0,
      firstRefusal: '',
      callLatency: new LatencySampler(1),
    };
    const lanes = { lanes: plan.lanes, opsMax: Number.POSITIVE_INFINITY };
    await runLanes((lane) => runWindow(load, lane), { ...lanes, durationMs: plan.warmupMs });
    const [reservesBefore, settlesBefore] = [load.reserves, load.settles];
    load.callLatency.reset();
    const busy = watchThreadBusy(engine);
    const outcome = await runLanes((lane) => runWindow(load, lane), { ...lanes, durationMs: plan.durationMs });
    // µs per op count every operation (reserves and settles), as the other engine cases do.
    const threads = busy(outcome.ops);
    const reserves = load.reserves - reservesBefore;
    return {
      name: 'reserve-many',
      description: `${plan.skus.length} SKUs uniform, reserveMany of ${plan.reservesPerCall} + commitMany|releaseMany, ${plan.shards} shards`,
      ops: reserves,
      durationMs: Math.round(outcome.elapsedMs),
      opsPerSecond: opsPerSecond(reserves, outcome.elapsedMs),
      latencyMeasures: `one window's three calls, call → answer (every window)`,
      latencyUs: load.callLatency.summary(),
      engineLatencyUsByShard: engine.stats().shards.map((shard) => shard.latency),
      checks: [check('refused entries (warm-up + measured)', 0, load.refused)],
      details: {
        shards: plan.shards,
        skus: plan.skus.length,
        reservesPerCall: plan.reservesPerCall,
        lanes: plan.lanes,
        windows: outcome.windows,
        reserves,
        settles: load.settles - settlesBefore,
        allOpsPerSecond: opsPerSecond(outcome.ops, outcome.elapsedMs),
        reservesPerSecond: opsPerSecond(reserves, outcome.elapsedMs),
        ...threadBusyDetails(threads),
        firstRefusal: load.firstRefusal,
      },
    };
  } finally {
    await engine.close();
  }
}
