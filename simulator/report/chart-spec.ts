import { defined } from '../../shared/invariant.js';
import type { ChartConfiguration, ChartDataset } from 'chart.js';
import type { StrategyName } from '../model/types.js';

/**
 * A chart as data: its canvas id, its heading and a Chart.js configuration that is plain JSON
 * (no callbacks), so the page inlines it and a tiny bootstrap script draws it.
 */
export interface XY {
  x: number;
  y: number;
}

export type LineConfig = ChartConfiguration<'line', XY[]>;
export type BarConfig = ChartConfiguration<'bar', (number | null)[], string>;

export interface ChartSpec {
  /** The canvas id (`chart-…`): stable, tests and the browser check find charts by it. */
  id: string;
  title: string;
  caption: string;
  config: LineConfig | BarConfig;
}

export const STRATEGY_COLORS: Record<StrategyName, string> = { naive: '#d9480f', holdfast: '#1864ab' };
export const SLO_COLOR = '#c92a2a';
const SERIES_COLORS = ['#1864ab', '#2b8a3e', '#862e9c', '#e67700', '#0b7285', '#5f3dc4', '#a61e4d', '#495057'];

/** The i-th colour of a palette for series that are not strategies (shard counts). */
export function seriesColor(index: number): string {
  return defined(SERIES_COLORS[index % SERIES_COLORS.length], `series colour ${index}`);
}

/** A `#rrggbb` colour at 60 % opacity: a second series of the same strategy (another axis). */
export function translucent(color: string): string {
  return `${color}99`;
}

export interface AxisSpec {
  title: string;
  /** A log scale, for figures spanning decades (latencies); values ≤ 0 are not drawn on it. */
  logarithmic?: boolean;
  min?: number;
  max?: number;
  position?: 'left' | 'right';
}

export interface LineSeries {
  label: string;
  points: XY[];
  color: string;
  dashed?: boolean;
  /** Mark each point (sparse sweeps); timelines draw the line only. */
  markPoints?: boolean;
}

export interface BarSeries {
  label: string;
  values: (number | null)[];
  color: string;
  /** The y axis (a key of the chart's axes); 'y' unless given. */
  axisId?: string;
}

const DASH_PATTERN_PX = [6, 4];

function scale(axis: AxisSpec) {
  return {
    type: axis.logarithmic ? ('logarithmic' as const) : ('linear' as const),
    title: { display: true, text: axis.title },
    ...(axis.min === undefined ? {} : { min: axis.min }),
    ...(axis.max === undefined ? {} : { max: axis.max }),
    ...(axis.position === undefined ? {} : { position: axis.position }),
  };
}

/** Options every chart shares: drawn at once (no animation, so a headless check sees it), fills its box. */
function commonOptions() {
  return {
    animation: false as const,
    responsive: true,
    maintainAspectRatio: false,
    plugins: { legend: { position: 'bottom' as const } },
  };
}

function lineDataset(series: LineSeries): ChartDataset<'line', XY[]> {
  return {
    label: series.label,
    data: series.points,
    borderColor: series.color,
    backgroundColor: series.color,
    borderWidth: 2,
    borderDash: series.dashed ? DASH_PATTERN_PX : [],
    pointRadius: series.markPoints ? 3 : 0,
    fill: false,
  };
}

/** Lines over a numeric x axis (each series has its own x values). */
export function lineChart(axes: { x: AxisSpec; y: AxisSpec }, series: LineSeries[]): LineConfig {
  return {
    type: 'line',
    data: { datasets: series.map(lineDataset) },
    options: {
      ...commonOptions(),
      scales: { x: scale(axes.x), y: scale(axes.y) },
    },
  };
}

/**
 * Grouped bars over categories; `axes` maps axis ids to their specs. A null value leaves no gap,
 * so series on different axes can share categories without empty slots.
 */
export function barChart(categories: string[], axes: Record<string, AxisSpec>, series: BarSeries[]): BarConfig {
  const scales = Object.fromEntries(Object.entries(axes).map(([id, axis]) => [id, scale(axis)]));
  return {
    type: 'bar',
    data: {
      labels: categories,
      datasets: series.map((s) => ({
        label: s.label,
        data: s.values,
        backgroundColor: s.color,
        yAxisID: s.axisId ?? 'y',
        skipNull: true,
      })),
    },
    options: { ...commonOptions(), scales },
  };
}
