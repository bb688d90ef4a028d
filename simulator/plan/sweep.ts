import type { StrategyReport } from '../model/types.js';
import { runSimulation } from '../run.js';
import { peakArrivalRate } from '../scenario/arrivals.js';
import { ScenarioError, withOverrides } from '../scenario/load-scenario.js';
import type { Scenario } from '../scenario/schema.js';
import type { PlanPoint } from './types.js';

/**
 * The capacity sweep (issue 6 §5): which points `holdfast plan` runs, the scenario each runs, and
 * the holdfast report of each reduced to a PlanPoint.
 */

/** One point to run: the scenario at this peak offered rate, shard count and injected hop latency. */
export interface SweepPoint {
  ratePerSecond: number;
  shards: number;
  /** A fixed one-way latency on the channel ↔ engine hops, ms; null: the scenario's own model. */
  latencyMs: number | null;
}

export interface SweepOptions {
  rates: readonly number[];
  shards: readonly number[];
  /** Null or empty: one setting, the scenario's own latency model. */
  latenciesMs: readonly number[] | null;
}

/** What a worker runs for one point: serialisable (structured clone). */
export interface PointTask {
  /** The scenario as it runs at this point (scenarioForPoint's). */
  scenario: Scenario;
  seed: number;
  point: SweepPoint;
  sloP99Ms: number;
}

/**
 * How much of the peak the plan runs by default: the ramp up, then this long at the peak rate.
 * A shard past its capacity queues without bound, so seconds at the peak show it; the rest of a
 * long plateau would cost minutes of CPU per point (millions of orders) and change no verdict.
 */
export const PLAN_PEAK_WINDOW_MS = 10_000;

/** Ascending, duplicates dropped. */
function uniqueSorted(values: readonly number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

/** Shards, then latency (the scenario's own model first), then rate: the order of the plan's JSON. */
export function compareSweepPoints(a: SweepPoint, b: SweepPoint): number {
  return a.shards - b.shards || (a.latencyMs ?? -1) - (b.latencyMs ?? -1) || a.ratePerSecond - b.ratePerSecond;
}

/** Every combination of rate × shards × latency, each once, in compareSweepPoints order. */
export function planPoints(options: SweepOptions): SweepPoint[] {
  const latencies: (number | null)[] =
    options.latenciesMs === null || options.latenciesMs.length === 0 ? [null] : uniqueSorted(options.latenciesMs);
  const points: SweepPoint[] = [];
  for (const shards of uniqueSorted(options.shards)) {
    for (const latencyMs of latencies) {
      for (const ratePerSecond of uniqueSorted(options.rates)) points.push({ ratePerSecond, shards, latencyMs });
    }
  }
  return points;
}

/**
 * The plan's default duration: the scenario up to PLAN_PEAK_WINDOW_MS after its arrival rate first
 * reaches the peak (the spike's ramp included), never longer than the scenario's own duration.
 */
export function planDurationMs(scenario: Scenario): number {
  const { spike } = scenario.arrivals;
  const peakStartsMs =
    spike === null || spike.peakPerSecond <= scenario.arrivals.baselinePerSecond ? 0 : spike.atMs + spike.rampMs;
  return Math.min(scenario.durationMs, peakStartsMs + PLAN_PEAK_WINDOW_MS);
}

/** The scenario with the plan's duration: `durationMs`, or planDurationMs when null. */
export function planScenario(scenario: Scenario, durationMs: number | null): Scenario {
  return withOverrides(scenario, { durationMs: durationMs ?? planDurationMs(scenario) });
}

/** "2,000/s on 4 shards, 5 ms hops": a point as error messages name it. */
export function describeSweepPoint(point: SweepPoint): string {
  const latency = point.latencyMs === null ? '' : `, ${point.latencyMs} ms hops`;
  return `${point.ratePerSecond}/s on ${point.shards} shard${point.shards === 1 ? '' : 's'}${latency}`;
}

/** What makes a point meaningless for a capacity plan, beyond what the scenario schema checks. */
function pointProblems(scenario: Scenario, point: SweepPoint): string[] {
  const problems: string[] = [];
  if (!Number.isFinite(point.ratePerSecond) || point.ratePerSecond <= 0)
    problems.push('rate: must be a number above 0 (orders per second)');
  if (!Number.isSafeInteger(point.shards) || point.shards < 1)
    problems.push('shards: must be a whole number of at least 1 (the plan models shard queues)');
  if (point.latencyMs !== null && !(Number.isFinite(point.latencyMs) && point.latencyMs >= 0))
    problems.push('latency: must be a number of ms from 0');
  if (scenario.engine.serviceUsPerOp <= 0)
    problems.push('engine.serviceUsPerOp: must be above 0 to plan capacity (0 models an engine that answers at once)');
  return problems;
}

/**
 * The arrivals scaled so the peak rate is `ratePerSecond`: the spike's peak set to it and the
 * baseline scaled by the same factor (the scenario's shape kept); without a spike, the baseline.
 */
function withPeakRate(scenario: Scenario, ratePerSecond: number): Scenario {
  const next = structuredClone(scenario);
  const { arrivals } = next;
  const peak = peakArrivalRate(arrivals);
  const factor = peak > 0 ? ratePerSecond / peak : 0;
  arrivals.baselinePerSecond *= factor;
  if (arrivals.spike !== null) arrivals.spike.peakPerSecond *= factor;
  // Exactly the rate asked for on whichever was the peak (no floating-point residue in the JSON).
  if (arrivals.spike !== null && arrivals.spike.peakPerSecond >= arrivals.baselinePerSecond)
    arrivals.spike.peakPerSecond = ratePerSecond;
  else arrivals.baselinePerSecond = ratePerSecond;
  return next;
}

/**
 * The scenario as it runs at `point`: its peak rate, its shards, its hop latency; throws ScenarioError for nonsense.
 */
export function scenarioForPoint(scenario: Scenario, point: SweepPoint): Scenario {
  const problems = pointProblems(scenario, point);
  if (problems.length > 0) throw new ScenarioError(`${scenario.name} at ${describeSweepPoint(point)}`, problems);
  return withOverrides(withPeakRate(scenario, point.ratePerSecond), {
    shards: point.shards,
    ...(point.latencyMs === null ? {} : { hopLatencyMs: point.latencyMs }),
  });
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** The holdfast report of one point's run reduced to what the plan compares. */
export function planPointOf(
  point: SweepPoint,
  report: StrategyReport,
  durationMs: number,
  sloP99Ms: number,
): PlanPoint {
  const latency = report.acceptanceLatencyMs;
  const oversoldUnits = report.units.oversold;
  const shedOrders = report.orders.shed;
  const unexpectedRefusals = report.unexpectedRefusals;
  return {
    ...point,
    p99Ms: latency.p99,
    p50Ms: latency.p50,
    acceptedPerSecond: round3(report.orders.accepted / (durationMs / 1000)),
    oversoldUnits,
    shedOrders,
    unexpectedRefusals,
    queueDepthMax: report.shardQueueDepthMax ?? report.queueDepthMax,
    meetsSlo: latency.p99 <= sloP99Ms && oversoldUnits === 0 && shedOrders === 0 && unexpectedRefusals === 0,
  };
}

/** Runs one point in virtual time (deterministic) through the holdfast strategy. */
export async function measurePoint(task: PointTask): Promise<PlanPoint> {
  const result = await runSimulation({
    scenario: task.scenario,
    seed: task.seed,
    strategies: ['holdfast'],
    mode: 'virtual',
  });
  const report = result.strategies.find((strategy) => strategy.strategy === 'holdfast');
  if (report === undefined) throw new Error(`holdfast plan: no holdfast report for ${describeSweepPoint(task.point)}`);
  return planPointOf(task.point, report, task.scenario.durationMs, task.sloP99Ms);
}
