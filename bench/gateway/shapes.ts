import { UNIFORM_UNITS_PER_SKU } from '../engine/engine-load.js';
import { runOnFreshServer, type FreshServerCaseSpec } from './fresh-server-case.js';
import { batchedShape, singleShape, type CaseShape } from './servers.js';
import type { SuiteCase } from '../harness/types.js';
import { ENGINE_SHARDS, measured, uniformSkus } from '../harness/measurement.js';

/**
 * bench:gateway's shapes: 256-op frames, 8 in flight on one connection; 64 connections of single-op frames, 8 in flight
 * each.
 */
export const GATEWAY_BATCHED_SHAPE = batchedShape(256, 8);
export const GATEWAY_SINGLE_SHAPE = singleShape(64, 8);

/**
 * Runs the uniform mix in frames of `shape` against a server of its own (child process): the gateway, stocked, or the
 * raw ws echo server (its ceiling).
 */
export function freshServerRun(
  name: string,
  server: FreshServerCaseSpec['server'],
  shape: CaseShape,
): SuiteCase['run'] {
  const unitsPerSku = server === 'gateway' ? UNIFORM_UNITS_PER_SKU : 0;
  return async ({ profile }) =>
    measured(
      await runOnFreshServer({
        name,
        server,
        shape,
        skus: uniformSkus(),
        unitsPerSku,
        shards: ENGINE_SHARDS,
        warmupMs: profile.warmupMs,
        durationMs: profile.durationMs,
      }),
    );
}
