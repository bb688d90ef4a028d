import { createEngine } from '../../engine/index.js';
import type { Engine, ReserveResult } from '../../engine/index.js';
import { check, opsPerSecond } from '../harness/case-result.js';
import type { CaseResult } from '../harness/case-result.js';
import { Countdown } from '../load/countdown.js';
import { runLanes } from '../load/lanes.js';
import { LatencySampler } from '../load/latency-sampler.js';
import { benchEngineOptions } from '../load/engine-options.js';
import { BENCH_LOCATION, HOLD_TTL_MS, receiveStock } from '../load/stock.js';
import { threadBusyDetails, watchThreadBusy } from '../load/thread-busy.js';

export interface HotSkuPlan {
  shards: number;
  units: number;
  attempts: number;
  attemptsPerWindow: number;
  lanes: number;
  latencySampleEvery: number;
}

const HOT_SKU = 'HOT-SKU-1';
const HOT_CHANNEL = 'flash';

interface HotCounts {
  accepted: number;
  soldOut: number;
  otherRefusals: number;
  firstOtherRefusal: string;
}

interface HotLoad {
  engine: Engine;
  sampler: LatencySampler;
  attemptsPerWindow: number;
  attemptsLeft: number;
  attemptCount: number;
  counts: HotCounts;
}

function countAttempt(counts: HotCounts, result: ReserveResult): void {
  if (result.ok) counts.accepted += 1;
  else if (result.error.code === 'INSUFFICIENT_STOCK') counts.soldOut += 1;
  else {
    counts.otherRefusals += 1;
    if (counts.firstOtherRefusal === '') counts.firstOtherRefusal = `${result.error.code}: ${result.error.message}`;
  }
}

function issueAttempt(load: HotLoad, window: Countdown): void {
  const id = `h${load.attemptCount++}`;
  const startMs = load.sampler.start();
  void load.engine
    .reserve({ id, channel: HOT_CHANNEL, ttlMs: HOLD_TTL_MS, lines: [{ sku: HOT_SKU, qty: 1 }] })
    .then((result) => {
      load.sampler.finish(startMs);
      countAttempt(load.counts, result);
      window.tick();
    });
}

/** Issues the next window of attempts (0 once all attempts are issued, which ends the lane). */
function runHotWindow(load: HotLoad): Promise<number> {
  const windowOps = Math.min(load.attemptsPerWindow, load.attemptsLeft);
  load.attemptsLeft -= windowOps;
  const window = new Countdown(windowOps);
  for (let index = 0; index < windowOps; index++) issueAttempt(load, window);
  return window.settled.then(() => windowOps);
}

async function reservedUnits(engine: Engine): Promise<number> {
  const view = await engine.get(HOT_SKU);
  return view.ok ? view.reserved : -1;
}

/** (b) One hot SKU: `units` units, `attempts` reserve attempts of 1 unit each, unique ids. */
export async function runHotSku(plan: HotSkuPlan): Promise<CaseResult> {
  const engine = await createEngine(benchEngineOptions(plan.shards));
  try {
    await receiveStock(engine, [HOT_SKU], BENCH_LOCATION, plan.units);
    const load: HotLoad = {
      engine,
      sampler: new LatencySampler(plan.latencySampleEvery),
      attemptsPerWindow: plan.attemptsPerWindow,
      attemptsLeft: plan.attempts,
      attemptCount: 0,
      counts: { accepted: 0, soldOut: 0, otherRefusals: 0, firstOtherRefusal: '' },
    };
    const lanesPlan = { lanes: plan.lanes, durationMs: Number.POSITIVE_INFINITY, opsMax: Number.POSITIVE_INFINITY };
    const busy = watchThreadBusy(engine);
    const outcome = await runLanes(() => runHotWindow(load), lanesPlan);
    const threads = busy(outcome.ops);
    const reserved = await reservedUnits(engine);
    const stats = engine.stats();
    return {
      name: 'hot-sku',
      description: `(b) one hot SKU, ${plan.units} units, ${plan.attempts} attempts of 1 unit, ${plan.shards} shards`,
      ops: outcome.ops,
      durationMs: Math.round(outcome.elapsedMs),
      opsPerSecond: opsPerSecond(outcome.ops, outcome.elapsedMs),
      latencyMeasures: `reserve attempt, issue → resolution, ${load.sampler.describe()}, no warm-up`,
      latencyUs: load.sampler.summary(),
      engineLatencyUsByShard: stats.shards.map((shard) => shard.latency),
      checks: [
        check('attempts answered', plan.attempts, outcome.ops),
        check('accepted', plan.units, load.counts.accepted),
        check('get(sku).reserved', plan.units, reserved),
        check('refusals other than INSUFFICIENT_STOCK', 0, load.counts.otherRefusals),
      ],
      details: {
        shards: plan.shards,
        attemptsPerWindow: plan.attemptsPerWindow,
        lanes: plan.lanes,
        accepted: load.counts.accepted,
        soldOut: load.counts.soldOut,
        otherRefusals: load.counts.otherRefusals,
        ...threadBusyDetails(threads),
        firstOtherRefusal: load.counts.firstOtherRefusal,
        queueDepthMaxByShard: stats.shards.map((shard) => shard.queueDepthMax).join(','),
      },
    };
  } finally {
    await engine.close();
  }
}
