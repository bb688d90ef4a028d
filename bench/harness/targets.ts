import type { CaseFigures, FigureLookup, SuiteCase, SuiteTarget } from './types.js';

/** At least `goal`: printed with the measured figure, never failed on. */
export function atLeast(name: string, goal: number, measured: number, format: (value: number) => string): SuiteTarget {
  return { name, goal: `>= ${format(goal)}`, measured: format(measured), met: measured >= goal };
}

export const opsPerSecondText = (value: number): string => `${Math.round(value).toLocaleString('en-US')} ops/s`;
export const timesText = (value: number): string => `${value.toFixed(2)}×`;

/** At least `goal` per second (`unit`: 'ops/s', 'attempts/s'…). */
export function throughputTarget(own: CaseFigures, goal: number, name = 'throughput', unit = 'ops/s'): SuiteTarget {
  return atLeast(name, goal, own.opsPerSecond, (value) => opsPerSecondText(value).replace('ops/s', unit));
}

/** holdfast ÷ a peer case at least `goal` (null when the peer did not run). */
export function peerTarget(
  own: CaseFigures,
  lookup: FigureLookup,
  peerCase: string,
  goal: number,
  label: string,
): SuiteTarget {
  const peer = lookup(peerCase);
  const name = `÷ ${label} (${peerCase})`;
  if (peer === undefined || peer.opsPerSecond <= 0)
    return { name, goal: `>= ${timesText(goal)}`, measured: 'peer not measured in this run', met: null };
  return atLeast(name, goal, own.opsPerSecond / peer.opsPerSecond, timesText);
}

/** A goal against the Redis peer on the same workload: holdfast ÷ `peerCase` at least `ratio`. */
export interface RedisGoal {
  peerCase: string;
  ratio: number;
  label: string;
}

/**
 * A holdfast case's targets: its throughput at least `goal` (in `unit`), and its ratio to Redis at least `redis.ratio`.
 */
export function throughputAndRedisTargets(
  goal: number,
  redis: RedisGoal,
  unit = 'ops/s',
): NonNullable<SuiteCase['targets']> {
  return (own, lookup) => [
    throughputTarget(own, goal, 'throughput', unit),
    peerTarget(own, lookup, redis.peerCase, redis.ratio, redis.label),
  ];
}
