import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { planSeries, type PlanSeries } from '../report/plan-series.js';
import type { Scenario } from '../scenario/schema.js';
import { planPoints, planScenario, scenarioForPoint, type PointTask } from './sweep.js';
import type { PlanCapacity, PlanPoint, PlanResult } from './types.js';

export interface PlanOptions {
  scenario: Scenario;
  seed: number;
  sloP99Ms: number;
  rates: number[];
  shards: number[];
  /** Null or empty: the scenario's own hop latency model only. */
  latenciesMs: number[] | null;
  /** Worker threads running points at once; default: os.availableParallelism(). */
  threads?: number;
  /** Simulated time per point; default (null): planDurationMs, the ramp and 10 s at the peak. */
  durationMs?: number | null;
  /** Points done of all: once with 0 before any starts, then after each finishes. */
  onPoint?: (done: number, total: number) => void;
}

/** The compiled worker; from sources (vitest on .ts) it does not exist: import the plan from dist/. */
const PLAN_WORKER_URL = new URL('./plan-worker.js', import.meta.url);

function planWorkerFilename(): string {
  const filename = fileURLToPath(PLAN_WORKER_URL);
  if (!existsSync(filename))
    throw new Error(`holdfast plan: the worker ${filename} is missing; run the compiled package (npm run build)`);
  return filename;
}

/**
 * `holdfast plan` (issue 6 §5): every rate × shards × latency point of the scenario in virtual
 * time, points in parallel on worker threads, and each series' capacity under the SLO. The same
 * seed gives identical JSON (virtual time is deterministic; points in compareSweepPoints order).
 */
export async function runPlan(options: PlanOptions): Promise<PlanResult> {
  const scenario = planScenario(options.scenario, options.durationMs ?? null);
  // Every point's scenario is built (and validated) before a thread starts.
  const tasks: PointTask[] = planPoints(options).map((point) => ({
    scenario: scenarioForPoint(scenario, point),
    seed: options.seed,
    point,
    sloP99Ms: options.sloP99Ms,
  }));
  const points = await runOnThreads(tasks, options.threads ?? availableParallelism(), options.onPoint);
  const result: PlanResult = {
    scenario: scenario.name,
    seed: options.seed,
    sloP99Ms: options.sloP99Ms,
    serviceUsPerOp: scenario.engine.serviceUsPerOp,
    durationMs: scenario.durationMs,
    points,
    capacity: [],
  };
  result.capacity = planSeries(result).map(capacityOf);
  return result;
}

/** The tasks' points in the tasks' order; the pool is destroyed however the run ends. */
async function runOnThreads(
  tasks: PointTask[],
  threads: number,
  onPoint: PlanOptions['onPoint'],
): Promise<PlanPoint[]> {
  if (tasks.length === 0) return [];
  const size = Math.max(1, Math.min(threads, tasks.length));
  const pool = new Piscina<PointTask, PlanPoint>({
    filename: planWorkerFilename(),
    minThreads: size,
    maxThreads: size,
  });
  let done = 0;
  onPoint?.(done, tasks.length);
  try {
    return await Promise.all(
      tasks.map(async (task) => {
        const point = await pool.run(task);
        onPoint?.(++done, tasks.length);
        return point;
      }),
    );
  } finally {
    await pool.destroy();
  }
}

/**
 * A series' capacity. maxRatePerSecond is the highest rate that met the SLO with every lower swept
 * rate meeting it too: a curve can be non-monotone (a seed's luck, a queue that happened to drain),
 * and a rate that passes above one that failed is not capacity to plan on. The highest rate that
 * passed at all is kept beside it, so a non-monotone curve shows.
 */
function capacityOf(series: PlanSeries): PlanCapacity {
  let maxRatePerSecond: number | null = null;
  let highestPassingRatePerSecond: number | null = null;
  let unbroken = true;
  for (const point of series.points) {
    unbroken &&= point.meetsSlo;
    if (unbroken) maxRatePerSecond = point.ratePerSecond;
    if (point.meetsSlo) highestPassingRatePerSecond = point.ratePerSecond;
  }
  return { shards: series.shards, latencyMs: series.latencyMs, maxRatePerSecond, highestPassingRatePerSecond };
}
