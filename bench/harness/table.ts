import Table from 'cli-table3';
import type { FloorVerdict } from './floors.js';
import { formatCount, type SuiteRow } from './rows.js';

const percent = (ratio: number): string => `${(ratio * 100).toFixed(1)}%`;
export const times = (ratio: number): string =>
  `${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(ratio >= 1 ? 1 : 2)}×`;

function latencyCells(row: SuiteRow): string[] {
  const latency = row.latencyUs;
  if (latency === null) return ['', '', '', ''];
  return [
    formatCount(latency.p50Us),
    formatCount(latency.p99Us),
    formatCount(latency.p999Us),
    formatCount(latency.maxUs),
  ];
}

/** '16.9% of ceiling-transport-2 · 0.41× ledger loop': the ratio to the ceiling, then to each reference. */
export function ceilingText(
  ceiling: { case: string; ratio: number } | null,
  references: readonly { case: string; ratio: number }[],
): string {
  const parts = ceiling === null ? [] : [`${percent(ceiling.ratio)} of ${ceiling.case}`];
  for (const reference of references)
    parts.push(`${times(reference.ratio)} ${reference.case.replace(/^ceiling-/, '').replace(/-/g, ' ')}`);
  return parts.join(' · ');
}

function ceilingCell(row: SuiteRow): string {
  return ceilingText(row.ceiling, row.references);
}

function floorCell(row: SuiteRow, verdicts: readonly FloorVerdict[]): string {
  return verdicts
    .filter((verdict) => verdict.case === row.name)
    .map(
      (verdict) => `${verdict.pass === false ? 'FAIL ' : ''}${verdict.kind === 'floor' ? '≥ ' : '≤ '}${verdict.bound}`,
    )
    .join(', ');
}

function peerCell(row: SuiteRow): string {
  const shortName = (name: string): string => name.replace(/^peer-/, '');
  return row.peers.map((peer) => `${times(peer.ratio)} ${shortName(peer.case)}`).join(', ');
}

/** The one table of a suite run: a row per case. */
export function formatSuiteTable(rows: readonly SuiteRow[], verdicts: readonly FloorVerdict[]): string {
  const table = new Table({
    head: ['case', 'throughput', 'p50 µs', 'p99 µs', 'p999 µs', 'max µs', 'of ceiling', 'floor', 'holdfast ÷ peer'],
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'left', 'left', 'left'],
    style: { head: [], border: [], compact: true },
  });
  for (const row of rows) {
    const figure = row.status === 'measured' ? row.figure : row.status.toUpperCase();
    table.push([row.name, figure, ...latencyCells(row), ceilingCell(row), floorCell(row, verdicts), peerCell(row)]);
  }
  return table.toString();
}

/** Shards 0, 1, 2, 4: throughput and multiple of 1 shard. */
export function scalingLine(rows: readonly SuiteRow[]): string | null {
  const names: Array<[string, string]> = [
    ['0', 'engine-shards-0'],
    ['1', 'engine-shards-1'],
    ['2', 'engine-uniform'],
    ['4', 'engine-shards-4'],
  ];
  const byName = new Map(rows.filter((row) => row.status === 'measured').map((row) => [row.name, row]));
  const one = byName.get('engine-shards-1')?.opsPerSecond ?? 0;
  const parts = names
    .filter(([, name]) => byName.has(name))
    .map(([shards, name]) => {
      const value = byName.get(name)?.opsPerSecond ?? 0;
      return `${shards}: ${formatCount(value)}${one > 0 ? ` (${times(value / one)})` : ''}`;
    });
  return parts.length < 2 ? null : `shard scaling, uniform mix ops/s by shards (× of 1 shard): ${parts.join(' · ')}`;
}
