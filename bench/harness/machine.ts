import { execFileSync } from 'node:child_process';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CaseResult } from './case-result.js';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  totalMemoryBytes: number;
  nodeVersion: string;
  platform: string;
  osRelease: string;
}

export function describeMachine(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    totalMemoryBytes: os.totalmem(),
    nodeVersion: process.version,
    platform: os.platform(),
    osRelease: os.release(),
  };
}

/** The commit the figures belong to, and whether the work tree had uncommitted changes. */
export function describeRevision(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'engine'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${commit} (engine/ modified)` : commit;
  } catch {
    return 'unknown';
  }
}

export function formatMachine(machine: MachineInfo): string {
  const memoryGiB = (machine.totalMemoryBytes / 2 ** 30).toFixed(1);
  return `${machine.cpuModel} · ${machine.cores} cores · ${memoryGiB} GiB · node ${machine.nodeVersion}`;
}

function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function padRow(cells: string[], widths: number[]): string {
  return cells
    .map((cell, index) => (index === 0 ? cell.padEnd(widths[index]) : cell.padStart(widths[index])))
    .join('  ');
}

const TABLE_HEADER = ['case', 'ops', 'seconds', 'ops/s', 'p50 µs', 'p99 µs', 'p999 µs', 'max µs'];

function tableRow(result: CaseResult): string[] {
  const latency = result.latencyUs;
  return [
    result.name,
    formatCount(result.ops),
    (result.durationMs / 1000).toFixed(2),
    formatCount(result.opsPerSecond),
    formatCount(latency.p50Us),
    formatCount(latency.p99Us),
    formatCount(latency.p999Us),
    formatCount(latency.maxUs),
  ];
}

/** The figures table: one row per case, columns right-aligned. */
export function formatTable(results: CaseResult[]): string {
  const rows = [TABLE_HEADER, ...results.map(tableRow)];
  const widths = TABLE_HEADER.map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [padRow(rows[0], widths), rule, ...rows.slice(1).map((row) => padRow(row, widths))].join('\n');
}

function engineLatencyLines(result: CaseResult): string[] {
  return (result.engineLatencyUsByShard ?? []).map(
    (latency, shard) =>
      `  engine.stats() shard ${shard} (batch opened → answered, whole engine life): count ${formatCount(latency.count)}, ` +
      `p50 ${formatCount(latency.p50Us)} µs, p99 ${formatCount(latency.p99Us)} µs, ` +
      `p999 ${formatCount(latency.p999Us)} µs, max ${formatCount(latency.maxUs)} µs`,
  );
}

function targetLines(result: CaseResult): string[] {
  return result.targets.map(
    (target) =>
      `  target ${target.name}: goal ${target.goal}, measured ${target.measured} → ${target.met ? 'met' : 'NOT met'}`,
  );
}

function checkLines(result: CaseResult): string[] {
  return result.checks.map(
    (item) =>
      `  ${item.pass ? 'PASS' : 'FAIL'} ${item.name}: expected ${formatCount(item.expected)}, got ${formatCount(item.actual)}`,
  );
}

/** Per case: what its latency columns measure, engine.stats() latency, targets and checks. */
export function formatNotes(results: CaseResult[]): string {
  const lines: string[] = [];
  for (const result of results) {
    lines.push(`${result.name}: ${result.description}`, `  latency: ${result.latencyMeasures}`);
    lines.push(...engineLatencyLines(result), ...targetLines(result), ...checkLines(result));
  }
  return lines.join('\n');
}

function caseJson(result: CaseResult): Record<string, unknown> {
  return {
    name: result.name,
    description: result.description,
    ops: result.ops,
    durationMs: result.durationMs,
    opsPerSecond: result.opsPerSecond,
    latencyUsP50: result.latencyUs.p50Us,
    latencyUsP99: result.latencyUs.p99Us,
    latencyUsP999: result.latencyUs.p999Us,
    latencyUsMax: result.latencyUs.maxUs,
    latencySampleCount: result.latencyUs.count,
    latencyMeasures: result.latencyMeasures,
    engineLatencyUsByShard: result.engineLatencyUsByShard,
    checks: result.checks,
    targets: result.targets,
    details: result.details,
  };
}

export interface BenchReport {
  machine: MachineInfo;
  revision: string;
  startedAt: string;
  results: CaseResult[];
  summary: Record<string, number | string | boolean>;
}

/** Writes the report as JSON (to a temporary file first, then renamed over the target). */
export async function writeReportJson(filePath: string, report: BenchReport): Promise<void> {
  await mkdir(path.dirname(filePath), { recursive: true });
  const json = {
    machine: report.machine,
    revision: report.revision,
    startedAt: report.startedAt,
    summary: report.summary,
    cases: report.results.map(caseJson),
  };
  const temporaryPath = `${filePath}.tmp`;
  await writeFile(temporaryPath, `${JSON.stringify(json, null, 2)}\n`);
  await rename(temporaryPath, filePath);
}
