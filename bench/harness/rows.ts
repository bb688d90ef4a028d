import type { CaseCheck } from './case-result.js';
import type { LatencySummaryUs } from '../load/histogram.js';
import type { CaseFigures, CaseMeasurement, SuiteCase, SuiteTarget } from './types.js';

export type CaseStatus = 'measured' | 'skipped' | 'failed';

/** How one case ended in the parent: measured (with what its child reported), skipped (why), or failed (the error). */
export interface CaseRun {
  suiteCase: SuiteCase;
  status: CaseStatus;
  /** Skipped: the one line saying why; failed: the error. */
  reason?: string;
  measurement?: CaseMeasurement;
  environment: Record<string, number | string | boolean>;
}

export interface RatioTo {
  case: string;
  opsPerSecond: number;
  /** This case's throughput ÷ theirs. */
  ratio: number;
}

/** One case as the table, the floors and the results files see it. */
export interface SuiteRow {
  name: string;
  group: string;
  summary: string;
  unit: string;
  status: CaseStatus;
  reason: string | null;
  figure: string;
  opsPerSecond: number;
  latencyUs: LatencySummaryUs | null;
  /** Ratio to the case's ceiling (null: it has none, or the ceiling did not run). */
  ceiling: RatioTo | null;
  /** This case ÷ each reference case that ran (e.g. the ledger loop). */
  references: RatioTo[];
  /** holdfast ÷ each peer that ran. */
  peers: RatioTo[];
  /** Peers this case is compared with that did not run (for the note saying so). */
  peersMissing: string[];
  targets: SuiteTarget[];
  checksFailed: CaseCheck[];
  metrics: Record<string, number>;
  /** The most CPU other processes took (% of the machine) during this case or its ceiling: its figures' reliability. */
  otherLoadPercent: number;
}

function otherLoadOf(run: CaseRun | undefined): number {
  const value = Number(run?.environment.otherProcessesCpuPercentOfMachine ?? 0);
  return Number.isFinite(value) ? value : 0;
}

function figuresOf(run: CaseRun | undefined): CaseFigures | undefined {
  if (run === undefined || run.status !== 'measured' || run.measurement === undefined) return undefined;
  return { opsPerSecond: run.measurement.result.opsPerSecond, metrics: run.measurement.metrics ?? {} };
}

function ratioTo(own: number, name: string, other: CaseFigures | undefined): RatioTo | null {
  if (other === undefined || other.opsPerSecond <= 0) return null;
  return { case: name, opsPerSecond: other.opsPerSecond, ratio: own / other.opsPerSecond };
}

export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function ceilingOf(run: CaseRun, own: number, lookup: (name: string) => CaseFigures | undefined): RatioTo | null {
  const { suiteCase, measurement } = run;
  if (suiteCase.ceiling !== undefined) return ratioTo(own, suiteCase.ceiling, lookup(suiteCase.ceiling));
  const ownCeiling = measurement?.ownCeiling;
  if (ownCeiling === undefined) return null;
  return ratioTo(own, ownCeiling.name, { opsPerSecond: ownCeiling.opsPerSecond, metrics: {} });
}

/** HDR percentiles are bucket upper bounds, so p999 can read above the exact max: shown no higher than the max. */
function clampedToMax(latency: LatencySummaryUs): LatencySummaryUs {
  const cap = (value: number): number => Math.min(value, latency.maxUs);
  return { ...latency, p50Us: cap(latency.p50Us), p99Us: cap(latency.p99Us), p999Us: cap(latency.p999Us) };
}

/** Turns the runs into rows: ceiling and peer ratios, targets, failed checks. Pure. */
export function buildRows(runs: readonly CaseRun[]): SuiteRow[] {
  const byName = new Map(runs.map((run) => [run.suiteCase.name, run]));
  const lookup = (name: string): CaseFigures | undefined => figuresOf(byName.get(name));
  return runs.map((run) => {
    const { suiteCase, measurement } = run;
    const figures = figuresOf(run);
    const own = figures?.opsPerSecond ?? 0;
    const peers: RatioTo[] = [];
    const peersMissing: string[] = [];
    for (const peer of suiteCase.peers ?? []) {
      const ratio = figures === undefined ? null : ratioTo(own, peer, lookup(peer));
      if (ratio === null) peersMissing.push(peer);
      else peers.push(ratio);
    }
    const references = (suiteCase.references ?? [])
      .map((name) => (figures === undefined ? null : ratioTo(own, name, lookup(name))))
      .filter((ratio): ratio is RatioTo => ratio !== null);
    const result = measurement?.result;
    const figure =
      measurement === undefined || run.status !== 'measured'
        ? '—'
        : (suiteCase.figure?.(measurement) ?? `${formatCount(own)} ${suiteCase.unit}`);
    return {
      name: suiteCase.name,
      group: suiteCase.group,
      summary: suiteCase.summary,
      unit: suiteCase.unit,
      status: run.status,
      reason: run.reason ?? null,
      figure,
      opsPerSecond: own,
      latencyUs: result === undefined || result.latencyUs.count === 0 ? null : clampedToMax(result.latencyUs),
      ceiling: figures === undefined ? null : ceilingOf(run, own, lookup),
      references,
      peers,
      peersMissing,
      targets: figures === undefined || suiteCase.targets === undefined ? [] : suiteCase.targets(figures, lookup),
      checksFailed: (result?.checks ?? []).filter((item) => !item.pass),
      metrics: measurement?.metrics ?? {},
      otherLoadPercent: Math.max(
        otherLoadOf(run),
        suiteCase.ceiling === undefined ? 0 : otherLoadOf(byName.get(suiteCase.ceiling)),
      ),
    };
  });
}
