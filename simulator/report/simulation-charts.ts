import type { StrategyReport, TimelinePoint } from '../model/types.js';
import { barChart, lineChart, STRATEGY_COLORS, translucent, type ChartSpec, type LineSeries } from './chart-spec.js';

/** The simulation page's charts, one function each; `reports` are in canonical order (naive first). */

const LATENCY_PERCENTILES = ['p50', 'p90', 'p99', 'p999', 'max'] as const;
const TIME_AXIS = { title: 'time (s)', min: 0 };

function timelineSeries(
  report: StrategyReport,
  label: string,
  pick: (point: TimelinePoint) => number,
): Omit<LineSeries, 'color'> {
  return { label, points: report.timeline.map((point) => ({ x: point.tMs / 1000, y: pick(point) })) };
}

/** One line per strategy of one timeline figure. */
function perStrategyLines(reports: StrategyReport[], pick: (point: TimelinePoint) => number): LineSeries[] {
  return reports.map((report) => ({
    ...timelineSeries(report, report.strategy, pick),
    color: STRATEGY_COLORS[report.strategy],
  }));
}

function strategyList(reports: StrategyReport[]): string {
  return reports.map((report) => report.strategy).join(' and ');
}

export function latencyChart(reports: StrategyReport[]): ChartSpec {
  return {
    id: 'chart-latency',
    title: 'Acceptance latency',
    caption: `Checkout → the channel knows the answer, percentiles per strategy (${strategyList(reports)}); log scale.`,
    config: barChart(
      [...LATENCY_PERCENTILES],
      { y: { title: 'ms (log scale)', logarithmic: true } },
      reports.map((report) => ({
        label: report.strategy,
        values: LATENCY_PERCENTILES.map((percentile) => report.acceptanceLatencyMs[percentile]),
        color: STRATEGY_COLORS[report.strategy],
      })),
    ),
  };
}

export function queueChart(reports: StrategyReport[]): ChartSpec {
  return {
    id: 'chart-queue',
    title: 'Queue depth over time',
    caption: 'Messages between channels and the inventory system not yet delivered.',
    config: lineChart(
      { x: TIME_AXIS, y: { title: 'messages', min: 0 } },
      perStrategyLines(reports, (point) => point.queueDepth),
    ),
  };
}

export function availabilityChart(reports: StrategyReport[]): ChartSpec {
  const series = reports.flatMap((report): LineSeries[] => [
    {
      ...timelineSeries(report, `${report.strategy}: available`, (point) => point.availableUnits),
      color: STRATEGY_COLORS[report.strategy],
    },
    {
      ...timelineSeries(report, `${report.strategy}: sellable (truth)`, (point) => point.sellableUnits),
      color: STRATEGY_COLORS[report.strategy],
      dashed: true,
    },
  ]);
  return {
    id: 'chart-availability',
    title: 'Availability over time',
    caption:
      'Units the system would sell (solid) against units on the shelf ' +
      'and not promised to a paid order (dashed), summed over every SKU.',
    config: lineChart({ x: TIME_AXIS, y: { title: 'units', min: 0 } }, series),
  };
}

export function comparisonChart(reports: StrategyReport[]): ChartSpec {
  const countSeries = reports.map((report) => ({
    label: report.strategy,
    values: [report.units.oversold, report.orders.cancelled, report.orders.stockouts, null],
    color: STRATEGY_COLORS[report.strategy],
  }));
  const revenueSeries = reports.map((report) => ({
    label: `${report.strategy}: lost revenue`,
    values: [null, null, null, report.lostRevenueCents / 100],
    color: translucent(STRATEGY_COLORS[report.strategy]),
    axisId: 'revenue',
  }));
  return {
    id: 'chart-compare',
    title: reports.length > 1 ? 'Naive vs holdfast' : `Outcomes (${strategyList(reports)})`,
    caption:
      'Oversold units, cancelled paid orders and stockouts (left axis); ' +
      'lost revenue in currency units (right axis, lighter bars).',
    config: barChart(
      ['oversold units', 'cancellations', 'stockouts', 'lost revenue'],
      { y: { title: 'count', min: 0 }, revenue: { title: 'lost revenue', min: 0, position: 'right' } },
      [...countSeries, ...revenueSeries],
    ),
  };
}

export function accuracyChart(reports: StrategyReport[]): ChartSpec {
  return {
    id: 'chart-accuracy',
    title: 'Inventory accuracy over time',
    caption: 'Share of positions whose recorded on-hand equals the physical count.',
    config: lineChart(
      { x: TIME_AXIS, y: { title: '% of positions', min: 0, max: 100 } },
      perStrategyLines(reports, (point) => point.accuracy * 100),
    ),
  };
}

export function simulationCharts(reports: StrategyReport[]): ChartSpec[] {
  return [
    latencyChart(reports),
    queueChart(reports),
    availabilityChart(reports),
    comparisonChart(reports),
    accuracyChart(reports),
  ];
}
