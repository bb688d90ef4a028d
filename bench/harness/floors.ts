import { readFileSync } from 'node:fs';
import type { SuiteRow } from './rows.js';

/**
 * bench/floors.json: the regression guard. `ratioToCeiling`: the lowest ratio of a case's
 * throughput to its ceiling's (measured in the same run) that passes; `maxima`: the highest value
 * of a metric that passes (memory). How the numbers were chosen: docs/benchmarks.md, "Floors".
 */
export interface Floors {
  ratioToCeiling: Record<string, number>;
  maxima: Record<string, Record<string, number>>;
  /**
   * A ratio is judged only when other processes took less than this share of the machine (%)
   * during the case and during its ceiling: on a shared machine, someone else's load moves the
   * two figures apart at random. Absent: always judged.
   */
  judgeBelowOtherLoadPercent: number | null;
}

export interface FloorVerdict {
  case: string;
  /** 'ratio to <ceiling>' or the metric's name. */
  what: string;
  measured: number | null;
  bound: number;
  kind: 'floor' | 'maximum';
  /** null: could not be judged (the case or its ceiling did not run). */
  pass: boolean | null;
  message: string;
}

function numberRecord(value: unknown, where: string): Record<string, number> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`${where}: must be an object of case → number`);
  const record: Record<string, number> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key.startsWith('$')) continue; // "$comment"-style keys
    if (typeof item !== 'number' || !Number.isFinite(item) || item < 0)
      throw new Error(`${where}.${key}: must be a non-negative number, got ${JSON.stringify(item)}`);
    record[key] = item;
  }
  return record;
}

/** Parses floors.json text; throws naming the bad field. */
export function parseFloors(text: string): Floors {
  const raw = JSON.parse(text) as Record<string, unknown>;
  const maxima: Record<string, Record<string, number>> = {};
  const rawMaxima = raw.maxima ?? {};
  if (typeof rawMaxima !== 'object' || rawMaxima === null)
    throw new Error('maxima: must be an object of case → { metric: number }');
  for (const [name, metrics] of Object.entries(rawMaxima)) {
    if (!name.startsWith('$')) maxima[name] = numberRecord(metrics, `maxima.${name}`);
  }
  const judge = raw.judgeBelowOtherLoadPercent ?? null;
  if (judge !== null && (typeof judge !== 'number' || !(judge > 0 && judge <= 100))) {
    throw new Error(`judgeBelowOtherLoadPercent: must be a number from 1 to 100, got ${JSON.stringify(judge)}`);
  }
  return {
    ratioToCeiling: numberRecord(raw.ratioToCeiling ?? {}, 'ratioToCeiling'),
    maxima,
    judgeBelowOtherLoadPercent: judge,
  };
}

export function loadFloors(path: string): Floors {
  return parseFloors(readFileSync(path, 'utf8'));
}

function ratioVerdict(
  row: SuiteRow | undefined,
  name: string,
  floor: number,
  judgeBelow: number | null,
): FloorVerdict | null {
  if (row === undefined || row.status === 'skipped') return null;
  const base = { case: name, bound: floor, kind: 'floor' as const };
  if (row.ceiling === null) {
    return {
      ...base,
      what: 'ratio to ceiling',
      measured: null,
      pass: null,
      message: `floor ${name}: not judged (no ratio: the case or its ceiling did not measure)`,
    };
  }
  const ratio = row.ceiling.ratio;
  if (judgeBelow !== null && row.otherLoadPercent >= judgeBelow) {
    return {
      ...base,
      what: `ratio to ${row.ceiling.case}`,
      measured: ratio,
      pass: null,
      message:
        `floor ${name}: not judged: other processes took ${row.otherLoadPercent}% of the machine ` +
        `during the case or its ceiling (≥ ${judgeBelow}%); ratio ${ratio.toFixed(3)}, floor ${floor}`,
    };
  }
  const pass = ratio >= floor;
  const message = pass
    ? `floor ${name}: ratio to ${row.ceiling.case} ${ratio.toFixed(3)} ≥ floor ${floor}`
    : `FLOOR FAILED ${name}: ratio to ${row.ceiling.case} is ` +
      `${ratio.toFixed(3)}, below its floor ${floor} (bench/floors.json)`;
  return { ...base, what: `ratio to ${row.ceiling.case}`, measured: ratio, pass, message };
}

function maximumVerdicts(row: SuiteRow | undefined, name: string, maxima: Record<string, number>): FloorVerdict[] {
  if (row === undefined || row.status === 'skipped') return [];
  return Object.entries(maxima).map(([metric, bound]) => {
    const value = row.metrics[metric];
    const base = { case: name, what: metric, bound, kind: 'maximum' as const };
    if (value === undefined)
      return { ...base, measured: null, pass: null, message: `maximum ${name}.${metric}: not judged (not measured)` };
    const pass = value <= bound;
    const message = pass
      ? `maximum ${name}: ${metric} ${value} ≤ ${bound}`
      : `FLOOR FAILED ${name}: ${metric} is ${value}, above its maximum ${bound} (bench/floors.json)`;
    return { ...base, measured: value, pass, message };
  });
}

/**
 * Every floor and maximum that applies to a case of this run (`strict`: judge every ratio, however busy the machine
 * was). Pure.
 */
export function checkFloors(rows: readonly SuiteRow[], floors: Floors, strict = false): FloorVerdict[] {
  const byName = new Map(rows.map((row) => [row.name, row]));
  const verdicts: FloorVerdict[] = [];
  for (const [name, floor] of Object.entries(floors.ratioToCeiling)) {
    const verdict = ratioVerdict(byName.get(name), name, floor, strict ? null : floors.judgeBelowOtherLoadPercent);
    if (verdict !== null) verdicts.push(verdict);
  }
  for (const [name, maxima] of Object.entries(floors.maxima))
    verdicts.push(...maximumVerdicts(byName.get(name), name, maxima));
  return verdicts;
}
