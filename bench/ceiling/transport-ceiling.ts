import { check, opsPerSecond } from '../harness/case-result.js';
import type { CaseResult } from '../harness/case-result.js';
import { Countdown } from '../load/countdown.js';
import { runLanes } from '../load/lanes.js';
import type { LanesPlan } from '../load/lanes.js';
import { LatencySampler } from '../load/latency-sampler.js';
import { ECHO_KIND_RESERVE } from './echo-protocol.js';
import type { EchoAnswer, EchoOp } from './echo-protocol.js';
import { EchoShard } from './echo-shard.js';

export interface TransportCeilingPlan {
  shards: number;
  skus: string[];
  maxBatchOps: number;
  batchesInFlightMax: number;
  windowOps: number;
  lanes: number;
  warmupMs: number;
  durationMs: number;
  latencySampleEvery: number;
}

interface EchoLoad {
  shards: EchoShard[];
  skus: string[];
  sampler: LatencySampler;
  windowOps: number;
  opCount: number;
  failedOps: number;
}

/** One window: `windowOps` reserve-shaped ops spread over the shards by SKU, one promise each. */
function runEchoWindow(load: EchoLoad): Promise<number> {
  const window = new Countdown(load.windowOps);
  for (let index = 0; index < load.windowOps; index++) {
    const opNumber = load.opCount++;
    const skuIndex = opNumber % load.skus.length;
    const op: EchoOp = [ECHO_KIND_RESERVE, `c${opNumber}`, 'web', 60_000, load.skus[skuIndex]!, 1];
    const startMs = load.sampler.start();
    void load.shards[skuIndex % load.shards.length]!.submit(op).then((answer: EchoAnswer) => {
      load.sampler.finish(startMs);
      if (!answer.ok) load.failedOps += 1;
      window.tick();
    });
  }
  return window.settled.then(() => load.windowOps);
}

function lanesPlan(plan: TransportCeilingPlan, durationMs: number): LanesPlan {
  return { lanes: plan.lanes, durationMs, opsMax: Number.POSITIVE_INFINITY };
}

/** (c) The transport ceiling: msgpackr batches echoed through `shards` piscina workers, no ledger work. */
export async function runTransportCeiling(plan: TransportCeilingPlan): Promise<CaseResult> {
  const shards: EchoShard[] = [];
  for (let shard = 0; shard < plan.shards; shard++) {
    shards.push(new EchoShard({ maxBatchOps: plan.maxBatchOps, batchesInFlightMax: plan.batchesInFlightMax }));
  }
  const sampler = new LatencySampler(plan.latencySampleEvery);
  const load: EchoLoad = { shards, skus: plan.skus, sampler, windowOps: plan.windowOps, opCount: 0, failedOps: 0 };
  try {
    await runLanes(() => runEchoWindow(load), lanesPlan(plan, plan.warmupMs));
    sampler.reset();
    const outcome = await runLanes(() => runEchoWindow(load), lanesPlan(plan, plan.durationMs));
    return {
      name: 'transport-ceiling',
      description: `(c) msgpackr echo through ${plan.shards} piscina workers, no ledger`,
      ops: outcome.ops,
      durationMs: Math.round(outcome.elapsedMs),
      opsPerSecond: opsPerSecond(outcome.ops, outcome.elapsedMs),
      latencyMeasures: `echo op, ${sampler.describe()}`,
      latencyUs: sampler.summary(),
      checks: [check('failed ops (warm-up + measured)', 0, load.failedOps)],
      details: {
        shards: plan.shards,
        windowOps: plan.windowOps,
        lanes: plan.lanes,
        maxBatchOps: plan.maxBatchOps,
        batchesInFlightMax: plan.batchesInFlightMax,
        windows: outcome.windows,
      },
    };
  } finally {
    await Promise.all(shards.map((shard) => shard.close()));
  }
}
