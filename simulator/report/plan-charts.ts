import type { PlanResult } from '../plan/types.js';
import { lineChart, seriesColor, SLO_COLOR, type ChartSpec, type LineSeries, type XY } from './chart-spec.js';
import type { PlanSeries } from './plan-series.js';

/** The plan page's charts: p99 latency and accepted throughput against the offered rate. */

const RATE_AXIS = { title: 'offered orders/s', min: 0 };

function sweepLines(series: PlanSeries[], pick: (point: PlanSeries['points'][number]) => number): LineSeries[] {
  return series.map((s, index) => ({
    label: s.label,
    points: s.points.map((point) => ({ x: point.ratePerSecond, y: pick(point) })),
    color: seriesColor(index),
    markPoints: true,
  }));
}

/** A dashed straight line across the swept rates (the SLO, or the ideal accepted = offered). */
function referenceLine(plan: PlanResult, label: string, color: string, valueAt: (rate: number) => number): LineSeries {
  const rates = plan.points.map((point) => point.ratePerSecond);
  const ends: XY[] =
    rates.length === 0 ? [] : [Math.min(...rates), Math.max(...rates)].map((rate) => ({ x: rate, y: valueAt(rate) }));
  return { label, points: ends, color, dashed: true };
}

export function p99Chart(plan: PlanResult, series: PlanSeries[]): ChartSpec {
  return {
    id: 'chart-plan',
    title: 'p99 acceptance latency vs offered rate',
    caption: `One line per shard count; the dashed line is the SLO (p99 ≤ ${plan.sloP99Ms} ms).`,
    config: lineChart({ x: RATE_AXIS, y: { title: 'p99 (ms, log scale)', logarithmic: true } }, [
      ...sweepLines(series, (point) => point.p99Ms),
      referenceLine(plan, `SLO ${plan.sloP99Ms} ms`, SLO_COLOR, () => plan.sloP99Ms),
    ]),
  };
}

export function acceptedChart(plan: PlanResult, series: PlanSeries[]): ChartSpec {
  return {
    id: 'chart-plan-accepted',
    title: 'Accepted vs offered rate',
    caption: 'Orders accepted per second; the dashed line is everything offered being accepted.',
    config: lineChart({ x: RATE_AXIS, y: { title: 'accepted orders/s', min: 0 } }, [
      ...sweepLines(series, (point) => point.acceptedPerSecond),
      referenceLine(plan, 'offered', '#868e96', (rate) => rate),
    ]),
  };
}

export function planCharts(plan: PlanResult, series: PlanSeries[]): ChartSpec[] {
  return [p99Chart(plan, series), acceptedChart(plan, series)];
}
