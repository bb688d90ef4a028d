import type { PlanResult } from '../plan/types.js';
import { formatCount, formatMs, formatRatePerSecond } from './format.js';
import type { Fact, Table } from './page.js';
import { latencySettingLabel, type PlanSeries } from './plan-series.js';

/** The plan page's header facts, its capacity table and its table of every swept point. */

export function planFacts(plan: PlanResult): Fact[] {
  return [
    { label: 'Scenario', value: plan.scenario },
    { label: 'Seed', value: String(plan.seed) },
    { label: 'SLO', value: `p99 ≤ ${formatMs(plan.sloP99Ms)}, nothing oversold, nothing shed` },
    { label: 'Service time per op', value: `${formatCount(plan.serviceUsPerOp)} µs` },
    { label: 'Points swept', value: formatCount(plan.points.length) },
  ];
}

export function capacityTable(plan: PlanResult): Table {
  return {
    columns: ['Shards', 'Latency', 'Max rate meeting the SLO'],
    labelColumns: 2,
    rows: plan.capacity.map((capacity) => [
      formatCount(capacity.shards),
      latencySettingLabel(capacity.latencyMs),
      capacity.maxRatePerSecond === null ? 'none of the swept rates' : formatRatePerSecond(capacity.maxRatePerSecond),
    ]),
  };
}

/** Every point, grouped by series (shards, latency) and by rate within each. */
export function pointsTable(series: PlanSeries[]): Table {
  return {
    columns: [
      'Series',
      'Offered',
      'Accepted',
      'p50',
      'p99',
      'Oversold units',
      'Shed orders',
      'Queue depth max',
      'Meets SLO',
    ],
    rows: series.flatMap((s) =>
      s.points.map((point) => [
        s.label,
        formatRatePerSecond(point.ratePerSecond),
        formatRatePerSecond(point.acceptedPerSecond),
        formatMs(point.p50Ms),
        formatMs(point.p99Ms),
        formatCount(point.oversoldUnits),
        formatCount(point.shedOrders),
        formatCount(point.queueDepthMax),
        point.meetsSlo ? 'yes' : 'no',
      ]),
    ),
  };
}
