import type { CaseContext, SuiteCase } from '../harness/types.js';
import { measured } from '../harness/measurement.js';
import { ENGINE_SHARDS, UNIFORM_UNITS_PER_SKU, uniformSkus } from '../load/uniform-workload.js';
import { runEnginePaced } from './paced.js';

/** Issue 14: p99 of a reserve at half the maximum rate, embedded. */
const PACED_P99_US_GOAL = 1_000;

/** Half what engine-uniform measured in this run (BENCH_ENGINE_PACED_OPS_PER_SECOND overrides it). */
function pacedRate(context: CaseContext): number {
  const override = Number(process.env.BENCH_ENGINE_PACED_OPS_PER_SECOND ?? '');
  if (Number.isFinite(override) && override > 0) return override;
  const uniform = context.inputs['engine-uniform'];
  if (uniform === undefined || uniform <= 0)
    throw new Error(
      'engine-uniform did not measure in this run: no rate to pace at (or set BENCH_ENGINE_PACED_OPS_PER_SECOND)',
    );
  return uniform / 2;
}

/** The embedded engine, open loop at half engine-uniform's measured rate: reserve latency at a load it carries. */
export const enginePaced: SuiteCase = {
  name: 'engine-paced',
  group: 'engine',
  summary:
    'embedded engine, 2 worker shards: reserves (each released once answered) paced open loop at half ' +
    "engine-uniform's measured rate; reserve latency from its due time",
  unit: 'ops/s',
  inputs: ['engine-uniform'],
  figure: ({ result, metrics }) =>
    `${Math.round(result.opsPerSecond).toLocaleString('en-US')} ops/s ` +
    `(${Math.round(metrics?.pacedOpsPerSecondGoal ?? 0).toLocaleString('en-US')} offered)`,
  targets: (own) => {
    const p99Us = own.metrics.latencyP99Us;
    const name = 'p99 reserve at half the maximum rate';
    const goal = `< ${PACED_P99_US_GOAL.toLocaleString('en-US')} µs`;
    if (p99Us === undefined) return [{ name, goal, measured: 'not measured', met: null }];
    return [
      { name, goal, measured: `${Math.round(p99Us).toLocaleString('en-US')} µs`, met: p99Us < PACED_P99_US_GOAL },
    ];
  },
  run: async (context) => {
    const measurement = measured(
      await runEnginePaced({
        shards: ENGINE_SHARDS,
        skus: uniformSkus(),
        unitsPerSku: UNIFORM_UNITS_PER_SKU,
        opsPerSecond: pacedRate(context),
        warmupMs: context.profile.warmupMs,
        durationMs: context.profile.durationMs,
      }),
    );
    measurement.metrics = {
      latencyP99Us: measurement.result.latencyUs.p99Us,
      pacedOpsPerSecondGoal: Number(measurement.result.details.pacedOpsPerSecondGoal),
      driverLagMsMax: Number(measurement.result.details.driverLagMsMax),
    };
    return measurement;
  },
};
