/**
 * The engine benchmark: `npm run bench:engine`. Prints figures; never a timed test.
 * Runs, in sequence: (c) the transport ceiling, (a) the uniform reserve → commit|release mix,
 * (b) the hot SKU; prints a table and writes bench/results/engine.json.
 * Exits non-zero when a correctness check fails (never for a missed performance target).
 *
 * Optional knobs for exploring (defaults are the reported configuration):
 * BENCH_LANES, BENCH_WINDOW_OPS, BENCH_DURATION_MS, BENCH_LATENCY_SAMPLE_EVERY, and
 * BENCH_CASES=a,b,c (runs only those cases; writes no JSON).
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { CaseResult } from './harness/case-result.js';
import {
  DEFAULT_ENGINE_LOAD,
  hotSkuPlan,
  transportCeilingPlan,
  uniformMixPlan,
  type EngineLoad,
} from './engine/engine-load.js';
import { runHotSku } from './engine/hot-sku.js';
import { skuNames } from './load/stock.js';
import { runUniformMix } from './engine/uniform-mix.js';
import { runTransportCeiling } from './ceiling/transport-ceiling.js';
import { waitForQuietCpu } from './harness/quiet-machine.js';
import {
  describeMachine,
  describeRevision,
  formatMachine,
  formatNotes,
  formatTable,
  writeReportJson,
} from './harness/machine.js';
import { ceilingRatio, hotSkuTargets, uniformMixTargets } from './harness/targets.js';

const RESULTS_JSON_PATH = fileURLToPath(new URL('../../bench/results/engine.json', import.meta.url));

function envInteger(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got '${text}'`);
  return value;
}

const SHARDS = 2;
const SKU_COUNT = 10_000;
/** The driver's shape and timing (see bench/cases/engine-load.ts for why these defaults). */
const LOAD: EngineLoad = {
  lanes: envInteger('BENCH_LANES', DEFAULT_ENGINE_LOAD.lanes),
  windowOps: envInteger('BENCH_WINDOW_OPS', DEFAULT_ENGINE_LOAD.windowOps),
  latencySampleEvery: envInteger('BENCH_LATENCY_SAMPLE_EVERY', DEFAULT_ENGINE_LOAD.latencySampleEvery),
  warmupMs: DEFAULT_ENGINE_LOAD.warmupMs,
  durationMs: envInteger('BENCH_DURATION_MS', DEFAULT_ENGINE_LOAD.durationMs),
};
const HOT_UNITS = 1_000_000;
/** Before each case: wait up to this long for the cores to be this idle (other processes' load). */
const QUIET_IDLE_FRACTION_MIN = 0.9;
const QUIET_WAIT_MS_MAX = 5_000;

function runCeiling(skus: string[]): Promise<CaseResult> {
  return runTransportCeiling(transportCeilingPlan(SHARDS, skus, LOAD));
}

function runMix(skus: string[]): Promise<CaseResult> {
  return runUniformMix(uniformMixPlan(SHARDS, skus, LOAD));
}

function runHot(): Promise<CaseResult> {
  return runHotSku(hotSkuPlan(SHARDS, HOT_UNITS, LOAD));
}

function logProgress(message: string): void {
  process.stdout.write(`${new Date().toISOString()} ${message}\n`);
}

/** This process's CPU (all its threads) since `cpuBefore`/`wallStartMs`, as a % of all cores. */
function processCpuPercentOfMachine(cpuBefore: NodeJS.CpuUsage, wallStartMs: number): number {
  const cpu = process.cpuUsage(cpuBefore);
  const cpuCoreSeconds = (cpu.user + cpu.system) / 1e6;
  const wallSeconds = (performance.now() - wallStartMs) / 1000;
  return Math.round((cpuCoreSeconds / (wallSeconds * os.cpus().length)) * 100);
}

/** Waits for quiet cores, runs one case, and records how idle the cores were and its CPU share. */
async function runCase(label: string, run: () => Promise<CaseResult>): Promise<CaseResult> {
  const quiet = await waitForQuietCpu(QUIET_IDLE_FRACTION_MIN, QUIET_WAIT_MS_MAX);
  const idlePercent = Math.round(quiet.idleFraction * 100);
  const warning = quiet.quiet ? '' : ' — WARNING: other processes are using the CPU; figures will be low';
  logProgress(`${label} … (cores ${idlePercent}% idle before, waited ${quiet.waitedMs} ms${warning})`);
  const cpuBefore = process.cpuUsage();
  const wallStartMs = performance.now();
  const result = await run();
  result.details.processCpuPercentOfMachine = processCpuPercentOfMachine(cpuBefore, wallStartMs);
  result.details.cpuIdlePercentBefore = idlePercent;
  result.details.quietBefore = quiet.quiet;
  return result;
}

interface CaseFigures {
  mix: CaseResult;
  hot: CaseResult;
  ceiling: CaseResult;
}

function printReport(figures: CaseFigures): boolean {
  const results = [figures.mix, figures.hot, figures.ceiling];
  const checksPass = results.every((result) => result.checks.every((item) => item.pass));
  console.log(`\n${formatTable(results)}\n`);
  console.log(`engine (a) / transport ceiling (c): ${(ceilingRatio(figures.mix, figures.ceiling) * 100).toFixed(1)}%`);
  console.log(formatNotes(results));
  return checksPass;
}

function writeReport(
  figures: CaseFigures,
  startedAt: string,
  loadAverageAtStart: number,
  checksPass: boolean,
): Promise<void> {
  return writeReportJson(RESULTS_JSON_PATH, {
    machine: describeMachine(),
    revision: describeRevision(),
    startedAt,
    results: [figures.mix, figures.hot, figures.ceiling],
    summary: {
      uniformMixToCeilingRatio: Number(ceilingRatio(figures.mix, figures.ceiling).toFixed(4)),
      checksPass,
      loadAverageAtStart: Number(loadAverageAtStart.toFixed(2)),
      loadAverageAtEnd: Number(os.loadavg()[0].toFixed(2)),
      lanes: LOAD.lanes,
      windowOps: LOAD.windowOps,
      durationMs: LOAD.durationMs,
      latencySampleEvery: LOAD.latencySampleEvery,
    },
  });
}

/** BENCH_CASES=a,b,c picks cases (for profiling one); only a full run writes the JSON. */
async function runSomeCases(names: string[], skus: string[]): Promise<void> {
  const results: CaseResult[] = [];
  if (names.includes('c')) results.push(await runCase('(c) transport ceiling', () => runCeiling(skus)));
  if (names.includes('a')) results.push(await runCase('(a) uniform mix', () => runMix(skus)));
  if (names.includes('b')) results.push(await runCase('(b) hot SKU', runHot));
  console.log(`\n${formatTable(results)}\n${formatNotes(results)}`);
  for (const result of results) console.log(`${result.name}: ${JSON.stringify(result.details)}`);
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const loadAverageAtStart = os.loadavg()[0];
  logProgress(
    `holdfast engine bench · ${describeRevision()} · ${formatMachine(describeMachine())} · load average ${loadAverageAtStart.toFixed(2)}`,
  );
  const skus = skuNames(SKU_COUNT);
  const caseNames = process.env.BENCH_CASES;
  if (caseNames !== undefined && caseNames !== '') return runSomeCases(caseNames.split(','), skus);
  const ceiling = await runCase('(c) transport ceiling', () => runCeiling(skus));
  const mix = await runCase('(a) uniform mix', () => runMix(skus));
  mix.targets = uniformMixTargets(mix, ceiling);
  const hot = await runCase('(b) hot SKU', runHot);
  hot.targets = hotSkuTargets(hot);
  const figures = { mix, hot, ceiling };
  const checksPass = printReport(figures);
  await writeReport(figures, startedAt, loadAverageAtStart, checksPass);
  console.log(`\n${checksPass ? 'PASS' : 'FAIL'}: correctness checks · results written to ${RESULTS_JSON_PATH}`);
  if (!checksPass) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
