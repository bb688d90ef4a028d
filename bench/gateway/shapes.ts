import { runOnFreshServer, type FreshServerCaseSpec } from './fresh-server-case.js';
import { batchedShape, singleShape, type CaseShape } from './servers.js';
import type { CaseContext, SuiteCase } from '../harness/types.js';
import { measured } from '../harness/measurement.js';
import { ENGINE_SHARDS, UNIFORM_UNITS_PER_SKU, uniformSkus } from '../load/uniform-workload.js';

/**
 * The gateway cases' shapes: 256-op frames, 8 in flight on one connection (2,048 ops outstanding, half the gateway's
 * maxPendingPerConnection, so it never pauses the socket); 64 connections of single-op frames, 8 in flight each.
 */
export const GATEWAY_BATCHED_SHAPE = batchedShape(256, 8);
export const GATEWAY_SINGLE_SHAPE = singleShape(64, 8);
/** Paced: the batched frames, at most this many in flight (a frame due beyond it waits; counted in windowCapHits). */
export const GATEWAY_PACED_SHAPE = batchedShape(256, 64);

function envWords(name: string): string[] {
  return (process.env[name] ?? '').split(/\s+/).filter((word) => word !== '');
}

/**
 * Profiling knobs: BENCH_SERVER=cli runs `holdfast serve` instead of bench/gateway/server.ts; BENCH_SERVER_NODE_ARGS
 * and BENCH_ECHO_NODE_ARGS are node flags for the gateway's and the echo server's child (e.g. --cpu-prof).
 */
function serverKnobs(server: FreshServerCaseSpec['server']): Pick<FreshServerCaseSpec, 'kind' | 'nodeArgs'> {
  if (server === 'echo') return { nodeArgs: envWords('BENCH_ECHO_NODE_ARGS') };
  return {
    kind: process.env.BENCH_SERVER === 'cli' ? 'cli' : 'bench',
    nodeArgs: envWords('BENCH_SERVER_NODE_ARGS'),
  };
}

/**
 * Runs the uniform mix in frames of `shape` against a server of its own (child process): the gateway, stocked, or the
 * raw ws echo server (its ceiling). `pacedOpsPerSecond`: open loop at that rate (from the case's context), else closed.
 */
export function freshServerRun(
  name: string,
  server: FreshServerCaseSpec['server'],
  shape: CaseShape,
  pacedOpsPerSecond?: (context: CaseContext) => number,
): SuiteCase['run'] {
  const unitsPerSku = server === 'gateway' ? UNIFORM_UNITS_PER_SKU : 0;
  return async (context) =>
    measured(
      await runOnFreshServer({
        name,
        server,
        shape,
        skus: uniformSkus(),
        unitsPerSku,
        shards: ENGINE_SHARDS,
        warmupMs: context.profile.warmupMs,
        durationMs: context.profile.durationMs,
        pacedOpsPerSecond: pacedOpsPerSecond?.(context),
        ...serverKnobs(server),
      }),
    );
}
