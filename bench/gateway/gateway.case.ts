import { BATCHED_OPS_PER_SECOND_GOAL, pacedP99Target, SINGLE_OPS_PER_SECOND_GOAL } from './goals.js';
import type { CaseContext, SuiteCase } from '../harness/types.js';
import { throughputAndRedisTargets, throughputTarget } from '../harness/targets.js';
import { freshServerRun, GATEWAY_BATCHED_SHAPE, GATEWAY_PACED_SHAPE, GATEWAY_SINGLE_SHAPE } from './shapes.js';
import { measured } from '../harness/measurement.js';
import { ENGINE_SHARDS, UNIFORM_UNITS_PER_SKU, uniformSkus } from '../load/uniform-workload.js';
import { runGatewayMany } from './reserve-many-load.js';

/** The gateway's goal against Redis + Lua pipelined, on the same workload. */
const GATEWAY_REDIS_RATIO_GOAL = 3;

/** The batched case: the gateway (child process, 2 shards), 256-op msgpack frames, 8 in flight, one connection. */
export const gatewayBatched: SuiteCase = {
  name: 'gateway-batched',
  group: 'gateway',
  summary:
    `WebSocket gateway (child process, 2 worker shards): ${GATEWAY_BATCHED_SHAPE.opsPerFrame}-op msgpack ` +
    `batch frames, ${GATEWAY_BATCHED_SHAPE.windowFrames} in flight on 1 connection; the uniform mix`,
  unit: 'ops/s',
  ceiling: 'ceiling-ws-echo-batched',
  references: ['ceiling-ledger-loop'],
  peers: ['peer-redis-uniform', 'peer-postgres-uniform'],
  targets: throughputAndRedisTargets(BATCHED_OPS_PER_SECOND_GOAL, {
    peerCase: 'peer-redis-uniform',
    ratio: GATEWAY_REDIS_RATIO_GOAL,
    label: 'Redis + Lua pipelined',
  }),
  run: freshServerRun('gateway-batched', 'gateway', GATEWAY_BATCHED_SHAPE),
};

/** The single case: 64 connections, one request per frame, 8 in flight each. */
export const gatewaySingle: SuiteCase = {
  name: 'gateway-single',
  group: 'gateway',
  summary:
    `WebSocket gateway (child process, 2 worker shards): ${GATEWAY_SINGLE_SHAPE.connections} connections, ` +
    `one request per frame, ${GATEWAY_SINGLE_SHAPE.windowFrames} in flight each; the uniform mix`,
  unit: 'ops/s',
  ceiling: 'ceiling-ws-echo-single',
  references: ['ceiling-ledger-loop'],
  targets: (own) => [throughputTarget(own, SINGLE_OPS_PER_SECOND_GOAL)],
  run: freshServerRun('gateway-single', 'gateway', GATEWAY_SINGLE_SHAPE),
};

/**
 * The paced case's rate: half what gateway-batched measured in this run (BENCH_PACED_OPS_PER_SECOND overrides it).
 * Throws when there is neither: the suite reports the case as failed, with this message.
 */
function pacedRate(context: CaseContext): number {
  const override = Number(process.env.BENCH_PACED_OPS_PER_SECOND ?? '');
  if (Number.isFinite(override) && override > 0) return override;
  const batched = context.inputs['gateway-batched'];
  if (batched === undefined || batched <= 0)
    throw new Error(
      'gateway-batched did not measure in this run: no rate to pace at (or set BENCH_PACED_OPS_PER_SECOND)',
    );
  return batched / 2;
}

const runPaced = freshServerRun('gateway-paced', 'gateway', GATEWAY_PACED_SHAPE, pacedRate);

/**
 * The paced case: gateway-batched's frames sent open loop at half the rate gateway-batched measured: latency at a
 * load the gateway carries, and how late the driver's timer sent frames (sendLagUs in metrics).
 */
export const gatewayPaced: SuiteCase = {
  name: 'gateway-paced',
  group: 'gateway',
  summary:
    `WebSocket gateway (child process, 2 worker shards): gateway-batched's ${GATEWAY_PACED_SHAPE.opsPerFrame}-op ` +
    `frames paced (open loop) at half its measured rate; latency at that load`,
  unit: 'ops/s',
  inputs: ['gateway-batched'],
  figure: ({ result, metrics }) =>
    `${Math.round(result.opsPerSecond).toLocaleString('en-US')} ops/s ` +
    `(${Math.round(metrics?.pacedOpsPerSecondGoal ?? 0).toLocaleString('en-US')} offered)`,
  targets: (own) => [pacedP99Target(own.metrics.latencyP99Us, own.metrics.pacedOpsPerSecondGoal, own.opsPerSecond)],
  run: async (context) => {
    const measurement = await runPaced(context);
    if ('skipped' in measurement) return measurement;
    const { latencyUs, details } = measurement.result;
    measurement.metrics = {
      latencyP99Us: latencyUs.p99Us,
      pacedOpsPerSecondGoal: Number(details.pacedOpsPerSecondGoal),
      sendLagUsP99: Number(details.sendLagUsP99),
      sendLagUsMax: Number(details.sendLagUsMax),
    };
    return measurement;
  },
};

/** Rows per reserveMany frame: with its settles (as many again) the frame stays under frameOpsMax (10,000). */
const GATEWAY_MANY_ROWS = 4096;
const GATEWAY_MANY_RESERVES_PER_SECOND_GOAL = 1_000_000;

/**
 * The many-calls over the gateway: per frame one reserveMany of 4,096 rows in the columnar form and
 * the commitMany|releaseMany of the last frame's holds; 2 connections, one frame in flight each. Counts
 * reserves (the settles run in the same time, uncounted).
 */
export const gatewayReserveMany: SuiteCase = {
  name: 'gateway-reserve-many',
  group: 'gateway',
  summary:
    `WebSocket gateway (child process, 2 worker shards): reserveMany of ${GATEWAY_MANY_ROWS} rows as columns ` +
    '+ commitMany|releaseMany of the last frame per msgpack frame, 2 connections; counts reserves',
  unit: 'reserves/s',
  ceiling: 'ceiling-ws-echo-batched',
  references: ['ceiling-ledger-loop'],
  peers: ['peer-redis-uniform'],
  targets: throughputAndRedisTargets(
    GATEWAY_MANY_RESERVES_PER_SECOND_GOAL,
    { peerCase: 'peer-redis-uniform', ratio: GATEWAY_REDIS_RATIO_GOAL, label: 'Redis + Lua pipelined' },
    'reserves/s',
  ),
  run: async ({ profile }) =>
    measured(
      await runGatewayMany({
        skus: uniformSkus(),
        unitsPerSku: UNIFORM_UNITS_PER_SKU,
        shards: ENGINE_SHARDS,
        connections: 2,
        reservesPerFrame: GATEWAY_MANY_ROWS,
        warmupMs: profile.warmupMs,
        durationMs: profile.durationMs,
      }),
    ),
};
