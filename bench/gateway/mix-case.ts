import { check, opsPerSecond, type CaseCheck, type CaseResult } from '../harness/case-result.js';
import { createLatencyHistogram, summarizeLatencyUs } from '../load/histogram.js';
import type { ChildServer } from './child-server.js';
import { cpuSharesSince, markCpu, type CpuShares } from './cpu.js';
import { checkReserved, engineStats, shardActivity, type ReservedCheck, type ShardActivity } from './engine-calls.js';
import { runFrames, type FrameOutcome, type Lane } from './frame-load.js';
import { createFrameMixCounts, type HeldLedger, MixStream, type FrameMixCounts, type ReplyMode } from './mix.js';
import { RpcConnection } from './rpc-connection.js';

/** One case: some connections sending frames of the mix to a server (the gateway or the echo). */
export interface MixCasePlan {
  name: string;
  description: string;
  mode: ReplyMode;
  server: ChildServer;
  token: string;
  skus: readonly string[];
  /** The driver's view of held units on this server (shared by the cases that use it). */
  ledger: HeldLedger;
  /** Hold-id prefix, unique per case on a server. */
  holdPrefix: string;
  connections: number;
  opsPerFrame: number;
  windowFrames: number;
  warmupMs: number;
  durationMs: number;
  pacedOpsPerSecond?: number;
  /** A connection of its own for stats() and the get(sku).reserved check (engine cases). */
  control: RpcConnection | null;
}

function openLanes(plan: MixCasePlan, counts: FrameMixCounts): Promise<Lane[]> {
  const lanes: Promise<Lane>[] = [];
  for (let index = 0; index < plan.connections; index++) {
    const prefix = plan.connections === 1 ? plan.holdPrefix : `${plan.holdPrefix}${index}-`;
    const stream = new MixStream(plan.skus, prefix, plan.ledger, counts, plan.mode);
    lanes.push(RpcConnection.open(plan.server.url, plan.token).then((connection) => ({ connection, stream })));
  }
  return Promise.all(lanes);
}

function mixChecks(counts: FrameMixCounts, lanes: Lane[], outcome: FrameOutcome): CaseCheck[] {
  const strays = lanes.reduce((sum, lane) => sum + lane.connection.strayReplies, 0);
  const closedEarly = lanes.filter((lane) => lane.connection.closedEarly).length;
  const refused = counts.refused[0] + counts.refused[1] + counts.refused[2];
  return [
    check('requests answered (warm-up + measured)', counts.sent, counts.answered),
    check('frames unanswered after the drain', 0, outcome.unansweredFrames),
    check('JSON-RPC errors', 0, counts.rpcErrors),
    check('refused results', 0, refused),
    check('replies not matching their request ids', 0, counts.mismatched + strays),
    check('connections closed by the server', 0, closedEarly),
  ];
}

function ledgerChecks(reserved: ReservedCheck): CaseCheck[] {
  return [
    check(
      `SKUs whose get(sku).reserved differs from the driver's holds (of ${reserved.skusChecked})`,
      0,
      reserved.mismatchedSkus,
    ),
    check('units reserved, all SKUs (get) vs driver', reserved.expectedTotal, reserved.reservedTotal),
  ];
}

function latencyMeasures(plan: MixCasePlan): string {
  const what =
    plan.opsPerFrame === 1
      ? 'every op timed'
      : `every frame timed, counted once per op (the ${plan.opsPerFrame} ops of a frame share its reply)`;
  return `request frame encoded and sent → its reply frame received (before decoding), ${what}, measured pass only`;
}

function details(
  plan: MixCasePlan,
  counts: FrameMixCounts,
  outcome: FrameOutcome,
  cpu: CpuShares,
): CaseResult['details'] {
  const result: CaseResult['details'] = {
    connections: plan.connections,
    opsPerFrame: plan.opsPerFrame,
    windowFrames: plan.windowFrames,
    opsInFlightMax: plan.connections * plan.windowFrames * plan.opsPerFrame,
    frames: outcome.frames,
    reserveOk: counts.ok[0],
    commitOk: counts.ok[1],
    releaseOk: counts.ok[2],
    refused: counts.refused[0] + counts.refused[1] + counts.refused[2],
    rpcErrors: counts.rpcErrors,
    firstRefusal: counts.firstRefusal,
    firstRpcError: counts.firstRpcError,
    driverCpuPercentOfMachine: cpu.driverPercentOfMachine,
    serverCpuPercentOfMachine: cpu.serverPercentOfMachine,
    serverMainThreadCpuPercentOfCore: cpu.serverMainThreadPercentOfCore,
    serverOtherThreadsCpuPercentOfCore: cpu.serverOtherThreadsPercentOfCore,
    otherProcessesCpuPercentOfMachine: cpu.otherProcessesPercentOfMachine,
    kernelSoftirqCpuPercentOfMachine: cpu.softirqPercentOfMachine,
  };
  if (plan.pacedOpsPerSecond !== undefined) {
    const lag = summarizeLatencyUs(outcome.sendLagUs ?? createLatencyHistogram());
    result.pacedOpsPerSecondGoal = Math.round(plan.pacedOpsPerSecond);
    result.sendLagUsP99 = lag.p99Us;
    result.sendLagUsMax = lag.maxUs;
    result.windowCapHits = outcome.windowCapHits;
  }
  return result;
}

function addActivity(result: CaseResult, activity: ShardActivity): void {
  result.engineLatencyUsByShard = activity.latencyByShard;
  result.details.shardBatches = activity.batches;
  result.details.meanOpsPerShardBatch = activity.batches > 0 ? Math.round(activity.ops / activity.batches) : 0;
  result.details.queueDepthMaxByShard = activity.queueDepthMaxByShard;
}

/** Runs one case: warm-up (not measured), the measured pass, then its checks. */
export async function runMixCase(plan: MixCasePlan): Promise<CaseResult> {
  const counts = createFrameMixCounts();
  const lanes = await openLanes(plan, counts);
  const framePlan = {
    lanes,
    opsPerFrame: plan.opsPerFrame,
    windowFrames: plan.windowFrames,
    pacedOpsPerSecond: plan.pacedOpsPerSecond,
  };
  if (plan.warmupMs > 0) await runFrames({ ...framePlan, durationMs: plan.warmupMs, latency: null });
  const statsBefore = plan.control === null ? null : await engineStats(plan.control);
  const latency = createLatencyHistogram();
  const mark = markCpu(plan.server.pid);
  const outcome = await runFrames({ ...framePlan, durationMs: plan.durationMs, latency });
  const cpu = cpuSharesSince(plan.server.pid, mark);
  const result: CaseResult = {
    name: plan.name,
    description: plan.description,
    ops: outcome.ops,
    durationMs: Math.round(outcome.elapsedMs),
    opsPerSecond: opsPerSecond(outcome.ops, outcome.elapsedMs),
    latencyMeasures: latencyMeasures(plan),
    latencyUs: summarizeLatencyUs(latency),
    checks: mixChecks(counts, lanes, outcome),
    details: details(plan, counts, outcome, cpu),
  };
  await Promise.all(lanes.map((lane) => lane.connection.close()));
  if (plan.control !== null && statsBefore !== null) {
    addActivity(result, shardActivity(statsBefore, await engineStats(plan.control)));
    result.checks.push(...ledgerChecks(await checkReserved(plan.control, plan.skus, plan.ledger)));
  }
  return result;
}
