import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LatencySummaryUs } from '../load/histogram.js';
import type { MachineInfo } from './machine.js';
import type { FloorVerdict } from './floors.js';
import type { CaseRun, RatioTo, SuiteRow } from './rows.js';
import type { ProfileName, SuiteTarget } from './types.js';

/** Marks a results file as the suite's (readme-section.ts reads only those). */
export const SUITE_MARKER = 'holdfast-bench-suite';

/** What the suite run shares across its results files. */
export interface RunInfo {
  profile: ProfileName;
  runStartedAt: string;
  revision: string;
  machine: MachineInfo;
  /** The whole command's options, e.g. the case selection. */
  command: string;
}

/** bench/results/<case>.json. */
export interface CaseResultFile {
  suite: typeof SUITE_MARKER;
  profile: ProfileName;
  runStartedAt: string;
  writtenAt: string;
  revision: string;
  machine: MachineInfo;
  command: string;
  case: string;
  group: string;
  summary: string;
  description: string;
  unit: string;
  status: SuiteRow['status'];
  reason: string | null;
  figure: string;
  ops: number;
  durationMs: number;
  opsPerSecond: number;
  latencyUs: { p50: number; p99: number; p999: number; max: number; count: number } | null;
  latencyMeasures: string;
  /** engine.stats() latency per shard (batch opened → answered, the engine's whole life), when the case has one. */
  engineLatencyUsByShard: LatencySummaryUs[] | null;
  ceiling: RatioTo | null;
  references: RatioTo[];
  floors: FloorVerdict[];
  peers: RatioTo[];
  peersMissing: string[];
  targets: SuiteTarget[];
  checks: { name: string; expected: number; actual: number; pass: boolean }[];
  metrics: Record<string, number>;
  details: Record<string, number | string | boolean>;
  environment: Record<string, number | string | boolean>;
}

export function caseResultFile(info: RunInfo, run: CaseRun, row: SuiteRow, floors: FloorVerdict[]): CaseResultFile {
  const result = run.measurement?.result;
  const latency = row.latencyUs;
  return {
    suite: SUITE_MARKER,
    profile: info.profile,
    runStartedAt: info.runStartedAt,
    writtenAt: new Date().toISOString(),
    revision: info.revision,
    machine: info.machine,
    command: info.command,
    case: row.name,
    group: row.group,
    summary: row.summary,
    description: result?.description ?? row.summary,
    unit: row.unit,
    status: row.status,
    reason: row.reason,
    figure: row.figure,
    ops: result?.ops ?? 0,
    durationMs: result?.durationMs ?? 0,
    opsPerSecond: row.opsPerSecond,
    latencyUs:
      latency === null
        ? null
        : { p50: latency.p50Us, p99: latency.p99Us, p999: latency.p999Us, max: latency.maxUs, count: latency.count },
    latencyMeasures: result?.latencyMeasures ?? '',
    engineLatencyUsByShard: result?.engineLatencyUsByShard ?? null,
    ceiling: row.ceiling,
    references: row.references,
    floors: floors.filter((verdict) => verdict.case === row.name),
    peers: row.peers,
    peersMissing: row.peersMissing,
    targets: row.targets,
    checks: result?.checks ?? [],
    metrics: row.metrics,
    details: result?.details ?? {},
    environment: run.environment,
  };
}

/** Writes one case's file (temporary file, then renamed over the old one). */
export async function writeCaseResult(dir: string, file: CaseResultFile): Promise<string> {
  await mkdir(dir, { recursive: true });
  const target = path.join(dir, `${file.case}.json`);
  const temporary = `${target}.tmp`;
  await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`);
  await rename(temporary, target);
  return target;
}
