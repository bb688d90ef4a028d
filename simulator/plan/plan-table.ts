import { formatCount, formatDurationMs, formatMs, formatRatePerSecond } from '../report/format.js';
import type { Table } from '../report/page.js';
import { latencySettingLabel } from '../report/plan-series.js';
import { renderTable } from '../report/terminal.js';
import type { PlanCapacity, PlanPoint, PlanResult } from './types.js';

/** `holdfast plan` on the terminal: what ran, one row per point, then each series' capacity. */

/** ✓, or ✗ with what broke the SLO: "✗ p99, shed". */
function verdict(point: PlanPoint, sloP99Ms: number): string {
  if (point.meetsSlo) return '✓';
  const broken = [
    point.p99Ms > sloP99Ms ? 'p99' : null,
    point.shedOrders > 0 ? 'shed' : null,
    point.oversoldUnits > 0 ? 'oversold' : null,
    point.unexpectedRefusals > 0 ? 'refusals' : null,
  ].filter((reason) => reason !== null);
  return `✗ ${broken.join(', ')}`;
}

export function planPointsTable(plan: PlanResult): Table {
  return {
    columns: ['shards', 'latency', 'offered', 'accepted', 'p50', 'p99', 'shed', 'oversold', 'queue max', 'SLO'],
    labelColumns: 2,
    rows: plan.points.map((point) => [
      formatCount(point.shards),
      latencySettingLabel(point.latencyMs),
      formatRatePerSecond(point.ratePerSecond),
      formatRatePerSecond(point.acceptedPerSecond),
      formatMs(point.p50Ms),
      formatMs(point.p99Ms),
      formatCount(point.shedOrders),
      formatCount(point.oversoldUnits),
      formatCount(point.queueDepthMax),
      verdict(point, plan.sloP99Ms),
    ]),
  };
}

/** A rate that met the SLO above one that failed (a non-monotone curve): shown, not counted. */
function passedAboveFailure(capacity: PlanCapacity): string {
  const higher = capacity.highestPassingRatePerSecond;
  if (higher === null || higher === capacity.maxRatePerSecond) return '';
  return ` (${formatCount(higher)} orders/s met it too, above a rate that failed: not counted)`;
}

/** "shards 2: up to 4,000 orders/s within p99 ≤ 10 ms", or "shards 1: no swept rate met the SLO". */
export function capacityLine(capacity: PlanCapacity, sloP99Ms: number): string {
  const series = `shards ${capacity.shards}${capacity.latencyMs === null ? '' : `, ${latencySettingLabel(capacity.latencyMs)}`}`;
  const found =
    capacity.maxRatePerSecond === null
      ? 'no swept rate met the SLO'
      : `up to ${formatCount(capacity.maxRatePerSecond)} orders/s within p99 ≤ ${formatMs(sloP99Ms)}`;
  return `${series}: ${found}${passedAboveFailure(capacity)}`;
}

export function renderPlanSummary(plan: PlanResult): string {
  const header =
    `scenario ${plan.scenario} · seed ${plan.seed} · ${formatDurationMs(plan.durationMs)} simulated per point · ` +
    (`${formatCount(plan.serviceUsPerOp)} µs per op per shard · SLO: ` +
      `p99 ≤ ${formatMs(plan.sloP99Ms)}, nothing shed or oversold`);
  return [
    header,
    renderTable(planPointsTable(plan)),
    ...plan.capacity.map((capacity) => capacityLine(capacity, plan.sloP99Ms)),
  ].join('\n');
}
