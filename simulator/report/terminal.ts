import Table from 'cli-table3';
import type { SimulationResult } from '../model/types.js';
import type { ReplayReport } from '../trace/replay.js';
import { formatCount, formatMs } from './format.js';
import type { Fact, Table as ReportTable } from './page.js';
import { simulationFacts, strategyTable } from './simulation-tables.js';

/** A report table for the terminal (cli-table3): labels left, figures right. */
export function renderTable(table: ReportTable): string {
  const labelColumns = table.labelColumns ?? 1;
  const printed = new Table({
    head: table.columns,
    colAligns: table.columns.map((_, index) => (index < labelColumns ? 'left' : 'right')),
    style: { head: [], border: [], compact: true },
  });
  for (const row of table.rows) printed.push(row);
  return printed.toString();
}

function factsLine(facts: Fact[]): string {
  return facts.map((fact) => `${fact.label.toLowerCase()}: ${fact.value}`).join(' · ');
}

/** The terminal summary of a run: what ran, then every figure per strategy side by side. */
export function renderSimulationSummary(result: SimulationResult): string {
  return `${factsLine(simulationFacts(result))}\n${renderTable(strategyTable(result.strategies))}`;
}

/** The terminal summary of a trace replay: calls per operation and outcome, latency, the final check. */
export function renderReplaySummary(report: ReplayReport): string {
  const rows = Object.entries(report.byOp)
    .filter(([, counts]) => counts.calls > 0)
    .map(([op, counts]) => [
      op,
      formatCount(counts.calls),
      formatCount(counts.ok),
      Object.entries(counts.refused)
        .map(([code, n]) => `${code} ${formatCount(n ?? 0)}`)
        .join(', ') || '—',
    ]);
  const latency = report.reserveLatencyMs;
  const { finalCheck } = report;
  return [
    `events: ${formatCount(report.events)}`,
    renderTable({ columns: ['operation', 'calls', 'ok', 'refused'], rows }),
    `reserve latency: p50 ${formatMs(latency.p50)} · p99 ${formatMs(latency.p99)} · max ${formatMs(latency.max)}`,
    `final check: ${formatCount(finalCheck.skus)} SKUs read back, ${formatCount(finalCheck.shortfallUnits)} ` +
      `units promised beyond stock, ${formatCount(finalCheck.uncheckedSkus)} unreadable`,
  ].join('\n');
}
