import { formatCount, type SuiteRow } from './rows.js';
import { times } from './table.js';

/** The holdfast cases set against Redis in reserves per second (`engine-reserve-many` when a run has it). */
export const RESERVE_RATIO_CASES = ['engine-uniform', 'engine-reserve-many'] as const;

/** Redis at its own capacity (the C client, redis-benchmark) and through the Node client the mix uses (ioredis). */
export const RESERVE_RATIO_PEERS = [
  { case: 'peer-redis-server', via: 'redis-benchmark, the C client' },
  { case: 'peer-redis-uniform', via: 'ioredis, the Node client' },
] as const;

/** A row's reserves that held per second, and what that figure is. */
interface Reserves {
  perSecond: number;
  what: string;
}

function reservesOf(row: SuiteRow): Reserves | null {
  if (row.status !== 'measured') return null;
  const perSecond = row.metrics.reservesPerSecond;
  if (perSecond !== undefined) {
    const calls = row.metrics.callsPerSecond;
    const of =
      calls !== undefined
        ? ` of ${formatCount(calls)} calls/s`
        : row.unit === 'reserves/s'
          ? ''
          : ` of ${formatCount(row.opsPerSecond)} ${row.unit}`;
    return { perSecond, what: `${formatCount(perSecond)} reserves/s held${of}` };
  }
  if (row.opsPerSecond <= 0) return null;
  return {
    perSecond: row.opsPerSecond,
    what: `${formatCount(row.opsPerSecond)} ${row.unit}, taken as reserves/s (the case reports no reservesPerSecond)`,
  };
}

/**
 * holdfast ÷ Redis in reserves per second, like with like: each figure counts reserve calls that held a hold, per
 * second of its case's measured pass, in the same run. A pair whose case did not measure in the run is left out. Pure.
 */
export function reserveRatioLines(rows: readonly SuiteRow[]): string[] {
  const byName = new Map(rows.map((row) => [row.name, row]));
  const lines: string[] = [];
  for (const name of RESERVE_RATIO_CASES) {
    const row = byName.get(name);
    const own = row === undefined ? null : reservesOf(row);
    if (own === null) continue;
    for (const peer of RESERVE_RATIO_PEERS) {
      const peerRow = byName.get(peer.case);
      const theirs = peerRow === undefined ? null : reservesOf(peerRow);
      if (theirs === null || theirs.perSecond <= 0) continue;
      lines.push(
        `  ${name} ÷ ${peer.case} (${peer.via}): ${times(own.perSecond / theirs.perSecond)} ` +
          `(${own.what} vs ${theirs.what})`,
      );
    }
  }
  return lines.length === 0 ? [] : ['holdfast ÷ Redis in reserves/s (reserve calls that held, same run):', ...lines];
}
