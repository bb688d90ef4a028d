import type { PlanResult } from '../plan/types.js';
import type { SimulationResult, StrategyName, StrategyReport } from '../model/types.js';

/**
 * Shape checks before rendering: a report page built from a truncated or foreign JSON file should
 * fail with the missing field named, not render NaN or throw deep inside a chart builder.
 */

/** Naive first: the baseline on the left, holdfast beside it. */
const STRATEGY_ORDER: readonly StrategyName[] = ['naive', 'holdfast'];

function fail(what: string, problem: string): never {
  throw new TypeError(`${what}: ${problem}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireObject(value: unknown, path: string): Record<string, unknown> {
  if (!isObject(value)) fail(path, 'expected an object');
  return value;
}

function requireArray(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) fail(path, 'expected an array');
  return value;
}

function requireNumber(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(path, 'expected a finite number');
  return value;
}

function requireString(value: unknown, path: string): string {
  if (typeof value !== 'string') fail(path, 'expected a string');
  return value;
}

function checkStrategyReport(value: unknown, path: string): StrategyReport {
  const report = requireObject(value, path);
  if (!STRATEGY_ORDER.includes(report.strategy as StrategyName)) {
    fail(`${path}.strategy`, `expected one of ${STRATEGY_ORDER.join(', ')}`);
  }
  for (const field of ['orders', 'units', 'returnsReconcileMs', 'acceptanceLatencyMs']) {
    requireObject(report[field], `${path}.${field}`);
  }
  requireArray(report.timeline, `${path}.timeline`);
  return report as unknown as StrategyReport;
}

/** The result with its strategies checked, unique and in canonical order (naive, holdfast). */
export function checkedSimulationResult(value: unknown): SimulationResult {
  const result = requireObject(value, 'simulation result');
  requireString(result.scenario, 'simulation result.scenario');
  requireObject(result.engine, 'simulation result.engine');
  const reports = requireArray(result.strategies, 'simulation result.strategies').map((report, index) =>
    checkStrategyReport(report, `simulation result.strategies[${index}]`),
  );
  if (reports.length === 0) fail('simulation result.strategies', 'no strategy was run');
  const names = reports.map((report) => report.strategy);
  if (new Set(names).size !== names.length)
    fail('simulation result.strategies', `a strategy appears twice (${names.join(', ')})`);
  const ordered = [...reports].sort((a, b) => STRATEGY_ORDER.indexOf(a.strategy) - STRATEGY_ORDER.indexOf(b.strategy));
  return { ...(result as unknown as SimulationResult), strategies: ordered };
}

/** The plan with its points and capacity checked. */
export function checkedPlanResult(value: unknown): PlanResult {
  const plan = requireObject(value, 'plan result');
  requireString(plan.scenario, 'plan result.scenario');
  requireNumber(plan.sloP99Ms, 'plan result.sloP99Ms');
  requireArray(plan.points, 'plan result.points').forEach((point, index) => {
    const path = `plan result.points[${index}]`;
    const checked = requireObject(point, path);
    for (const field of ['ratePerSecond', 'shards', 'p99Ms', 'acceptedPerSecond'])
      requireNumber(checked[field], `${path}.${field}`);
  });
  requireArray(plan.capacity, 'plan result.capacity');
  return plan as unknown as PlanResult;
}
