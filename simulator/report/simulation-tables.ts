import type { SimulationResult, StrategyReport } from '../model/types.js';
import { formatCents, formatCount, formatDurationMs, formatMs, formatShare } from './format.js';
import type { Fact, Table } from './page.js';

/** The simulation page's header facts and its strategy-by-strategy table. */

interface Figure {
  label: string;
  value: (report: StrategyReport) => string;
}

const FIGURES: Figure[] = [
  { label: 'Orders offered', value: (r) => formatCount(r.orders.offered) },
  { label: 'Orders accepted', value: (r) => formatCount(r.orders.accepted) },
  { label: 'Oversold units', value: (r) => formatCount(r.units.oversold) },
  { label: 'Cancellations (paid orders)', value: (r) => formatCount(r.orders.cancelled) },
  { label: 'Stockouts', value: (r) => formatCount(r.orders.stockouts) },
  { label: 'Orders shed', value: (r) => formatCount(r.orders.shed) },
  { label: 'Holds lapsed before payment', value: (r) => formatCount(r.orders.lapsed) },
  { label: 'Fulfilment exception rate', value: (r) => formatShare(r.fulfilmentExceptionRate) },
  { label: 'Inventory accuracy', value: (r) => formatShare(r.inventoryAccuracy) },
  { label: 'Returns reconciled', value: (r) => formatCount(r.returnsReconcileMs.count) },
  { label: 'Returns reconcile mean', value: (r) => formatMs(r.returnsReconcileMs.mean) },
  { label: 'Returns reconcile max', value: (r) => formatMs(r.returnsReconcileMs.max) },
  { label: 'Stockout rate', value: (r) => formatShare(r.stockoutRate) },
  { label: 'Average order value', value: (r) => formatCents(r.averageOrderValueCents) },
  { label: 'Lost revenue', value: (r) => formatCents(r.lostRevenueCents) },
  { label: 'Acceptance latency p50', value: (r) => formatMs(r.acceptanceLatencyMs.p50) },
  { label: 'Acceptance latency p90', value: (r) => formatMs(r.acceptanceLatencyMs.p90) },
  { label: 'Acceptance latency p99', value: (r) => formatMs(r.acceptanceLatencyMs.p99) },
  { label: 'Acceptance latency p99.9', value: (r) => formatMs(r.acceptanceLatencyMs.p999) },
  { label: 'Acceptance latency max', value: (r) => formatMs(r.acceptanceLatencyMs.max) },
  { label: 'Queue depth max (in flight)', value: (r) => formatCount(r.queueDepthMax) },
  {
    label: 'Shard queue max (modelled)',
    value: (r) => (r.shardQueueDepthMax === null ? '—' : formatCount(r.shardQueueDepthMax)),
  },
  { label: 'Unexpected engine refusals', value: (r) => formatCount(r.unexpectedRefusals) },
];

export function simulationFacts(result: SimulationResult): Fact[] {
  return [
    { label: 'Scenario', value: result.scenario },
    { label: 'Seed', value: String(result.seed) },
    { label: 'Mode', value: result.mode },
    { label: 'Duration', value: formatDurationMs(result.durationMs) },
    { label: 'Engine shards', value: formatCount(result.engine.shards) },
    { label: 'Service time per op', value: `${formatCount(result.engine.serviceUsPerOp)} µs` },
    { label: 'Max in-flight ops per shard', value: formatCount(result.engine.maxInFlightOpsPerShard) },
  ];
}

/** One column per strategy run (naive, holdfast), one row per figure. */
export function strategyTable(reports: StrategyReport[]): Table {
  return {
    columns: ['Figure', ...reports.map((report) => report.strategy)],
    rows: FIGURES.map((figure) => [figure.label, ...reports.map(figure.value)]),
  };
}
