import { BATCHED_OPS_PER_SECOND_GOAL, SINGLE_OPS_PER_SECOND_GOAL } from './targets.js';
import type { SuiteCase } from '../harness/types.js';
import { throughputAndRedisTargets, throughputTarget } from '../harness/measurement.js';
import { freshServerRun, GATEWAY_BATCHED_SHAPE, GATEWAY_SINGLE_SHAPE } from './shapes.js';

/** The gateway's goal against Redis + Lua pipelined, on the same workload. */
const GATEWAY_REDIS_RATIO_GOAL = 3;

/**
 * bench:gateway's batched case: the gateway (child process, 2 shards), 256-op msgpack frames, 8 in flight, one
 * connection.
 */
export const gatewayBatched: SuiteCase = {
  name: 'gateway-batched',
  group: 'gateway',
  summary: `WebSocket gateway (child process, 2 worker shards): ${GATEWAY_BATCHED_SHAPE.opsPerFrame}-op msgpack batch frames, ${GATEWAY_BATCHED_SHAPE.windowFrames} in flight on 1 connection; the uniform mix`,
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

/** bench:gateway's single case: 64 connections, one request per frame, 8 in flight each. */
export const gatewaySingle: SuiteCase = {
  name: 'gateway-single',
  group: 'gateway',
  summary: `WebSocket gateway (child process, 2 worker shards): ${GATEWAY_SINGLE_SHAPE.connections} connections, one request per frame, ${GATEWAY_SINGLE_SHAPE.windowFrames} in flight each; the uniform mix`,
  unit: 'ops/s',
  ceiling: 'ceiling-ws-echo-single',
  references: ['ceiling-ledger-loop'],
  targets: (own) => [throughputTarget(own, SINGLE_OPS_PER_SECOND_GOAL)],
  run: freshServerRun('gateway-single', 'gateway', GATEWAY_SINGLE_SHAPE),
};
