import { UNIFORM_UNITS_PER_SKU } from '../../cases/engine-load.js';
import { runOnFreshServer } from '../../gateway/fresh-server-case.js';
import { BATCHED_OPS_PER_SECOND_GOAL, SINGLE_OPS_PER_SECOND_GOAL } from '../../gateway/targets.js';
import type { SuiteCase } from '../types.js';
import { ENGINE_SHARDS, measured, peerTarget, throughputTarget, uniformSkus } from './common.js';
import { GATEWAY_BATCHED_SHAPE, GATEWAY_SINGLE_SHAPE } from './gateway-shapes.js';

/** The gateway's goal against Redis + Lua pipelined, on the same workload. */
const GATEWAY_REDIS_RATIO_GOAL = 3;

/** bench:gateway's batched case: the gateway (child process, 2 shards), 256-op msgpack frames, 8 in flight, one connection. */
export const gatewayBatched: SuiteCase = {
  name: 'gateway-batched',
  group: 'gateway',
  summary: `WebSocket gateway (child process, 2 worker shards): ${GATEWAY_BATCHED_SHAPE.opsPerFrame}-op msgpack batch frames, ${GATEWAY_BATCHED_SHAPE.windowFrames} in flight on 1 connection; the uniform mix`,
  unit: 'ops/s',
  ceiling: 'ceiling-ws-echo-batched',
  references: ['ceiling-ledger-loop'],
  peers: ['peer-redis-uniform', 'peer-postgres-uniform'],
  targets: (own, lookup) => [
    throughputTarget(own, BATCHED_OPS_PER_SECOND_GOAL),
    peerTarget(own, lookup, 'peer-redis-uniform', GATEWAY_REDIS_RATIO_GOAL, 'Redis + Lua pipelined'),
  ],
  run: async ({ profile }) => measured(await runOnFreshServer({
    name: 'gateway-batched', server: 'gateway', shape: GATEWAY_BATCHED_SHAPE, skus: uniformSkus(), unitsPerSku: UNIFORM_UNITS_PER_SKU,
    shards: ENGINE_SHARDS, warmupMs: profile.warmupMs, durationMs: profile.durationMs,
  })),
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
  run: async ({ profile }) => measured(await runOnFreshServer({
    name: 'gateway-single', server: 'gateway', shape: GATEWAY_SINGLE_SHAPE, skus: uniformSkus(), unitsPerSku: UNIFORM_UNITS_PER_SKU,
    shards: ENGINE_SHARDS, warmupMs: profile.warmupMs, durationMs: profile.durationMs,
  })),
};
