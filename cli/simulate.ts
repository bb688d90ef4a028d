import { writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { InvalidArgumentError } from '../engine/api/errors.js';
import { DEFAULT_LIVE_DRAIN_MS, runSimulation, type RemoteEngine } from '../simulator/run.js';
import { runReplay } from '../simulator/replay-run.js';
import type { SimulationResult, StrategyName } from '../simulator/model/types.js';
import { renderSimulationHtml } from '../simulator/report/html.js';
import { createProgress } from '../simulator/report/progress.js';
import { renderReplaySummary, renderSimulationSummary } from '../simulator/report/terminal.js';
import { loadScenario, ScenarioError, withOverrides } from '../simulator/scenario/load-scenario.js';
import type { Scenario } from '../simulator/scenario/schema.js';
import { readTrace, TraceError } from '../simulator/trace/read-trace.js';
import type { ReplayReport } from '../simulator/trace/replay.js';
import { TraceWriter } from '../simulator/trace/trace-writer.js';
import { nonNegativeNumber, positiveNumber, wholeNumber } from './arg-parsers.js';

interface SimulateFlags {
  scenario: string;
  seed: number;
  strategy?: 'naive' | 'holdfast' | 'both';
  mode: 'virtual' | 'live';
  url?: string;
  token?: string;
  shards?: number;
  durationMs?: number;
  rateScale?: number;
  latencyMs?: number;
  json?: string | true;
  html?: string;
  trace?: string;
  speed: number;
  record?: string;
  drainMs: number;
  quiet: boolean;
}

/** Exit codes: 0 done, 1 a correctness check failed (holdfast oversold), 2 bad input. */
const EXIT_CHECK_FAILED = 1;
const EXIT_BAD_INPUT = 2;

/** `holdfast simulate`: a scenario (or a trace) through naive and holdfast, in virtual time or live. */
export function addSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description(
      'replay flash-sale traffic through naive and holdfast allocation and compare oversells, stockouts, latency',
    )
    .addOption(
      new Option(
        '--scenario <name|file.json>',
        'a built-in scenario (flash-sale, steady-omnichannel, multi-location, returns-drift, erp-batch) or a JSON file',
      ).default('flash-sale'),
    )
    .addOption(
      new Option('--seed <n>', 'random seed: the same seed gives the same run (virtual time)')
        .default(1)
        .argParser(wholeNumber(0, Number.MAX_SAFE_INTEGER)),
    )
    .addOption(
      new Option('--strategy <name>', 'which strategies run (default: both in virtual time, holdfast live)').choices([
        'naive',
        'holdfast',
        'both',
      ]),
    )
    .addOption(
      new Option(
        '--mode <mode>',
        'virtual: deterministic, as fast as the CPU allows; live: real time against real engines',
      )
        .default('virtual')
        .choices(['virtual', 'live']),
    )
    .addOption(
      new Option(
        '--url <ws-url>',
        'live: a running `holdfast serve` (default: an embedded engine with worker shards)',
      ).env('HOLDFAST_URL'),
    )
    .addOption(new Option('--token <token>', "live with --url: the server's bearer token").env('HOLDFAST_TOKEN'))
    .addOption(
      new Option('--shards <n>', "the engine's shards (overrides the scenario's)").argParser(wholeNumber(0, 64)),
    )
    .addOption(
      new Option('--duration-ms <ms>', "how long the traffic lasts (overrides the scenario's)").argParser(
        positiveNumber(30 * 24 * 3_600_000),
      ),
    )
    .addOption(new Option('--rate-scale <x>', 'multiplies every arrival rate').argParser(positiveNumber(1_000_000)))
    .addOption(
      new Option('--latency-ms <ms>', 'a fixed one-way latency on the channel ↔ engine hops').argParser(
        nonNegativeNumber(60_000),
      ),
    )
    .addOption(new Option('--json [file]', 'write the result as JSON to the file, or to stdout instead of the summary'))
    .addOption(new Option('--html <file>', 'write a self-contained HTML report with charts'))
    .addOption(new Option('--trace <file.ndjson>', 'replay a recorded trace instead of a scenario'))
    .addOption(
      new Option('--speed <x>', 'with --trace: replay this many times faster than recorded')
        .default(1)
        .argParser(positiveNumber(1_000_000)),
    )
    .addOption(new Option('--record <file.ndjson>', "write the holdfast strategy's engine calls as a trace"))
    .addOption(
      new Option(
        '--drain-ms <ms>',
        'live: how long to go on after the traffic stops; later payments, picks and returns are dropped',
      )
        .default(DEFAULT_LIVE_DRAIN_MS)
        .argParser(wholeNumber(0, 24 * 3_600_000)),
    )
    .addOption(new Option('--quiet', 'no progress bar').default(false))
    .action(async (flags: SimulateFlags) => {
      process.exitCode = await simulateCommand(flags);
    });
}

async function simulateCommand(flags: SimulateFlags): Promise<number> {
  try {
    return flags.trace === undefined ? await simulate(flags) : await replay(flags, flags.trace);
  } catch (error) {
    if (error instanceof ScenarioError || error instanceof TraceError || error instanceof InvalidArgumentError) {
      console.error(`holdfast simulate: ${error.message} [${error.code}]`);
      return EXIT_BAD_INPUT;
    }
    throw error;
  }
}

function remoteOf(flags: SimulateFlags): RemoteEngine | null {
  if (flags.url === undefined) return null;
  if (flags.mode !== 'live') throw new InvalidArgumentError('--url: a remote engine is for --mode live');
  if (flags.token === undefined) throw new InvalidArgumentError('--token: needed with --url (or HOLDFAST_TOKEN)');
  return { url: flags.url, token: flags.token };
}

function strategiesOf(flags: SimulateFlags): StrategyName[] {
  const chosen = flags.strategy ?? (flags.mode === 'live' ? 'holdfast' : 'both');
  return chosen === 'both' ? ['naive', 'holdfast'] : [chosen];
}

async function scenarioOf(flags: SimulateFlags): Promise<Scenario> {
  return withOverrides(await loadScenario(flags.scenario), {
    durationMs: flags.durationMs,
    shards: flags.shards,
    rateScale: flags.rateScale,
    hopLatencyMs: flags.latencyMs,
  });
}

async function simulate(flags: SimulateFlags): Promise<number> {
  const scenario = await scenarioOf(flags);
  const remote = remoteOf(flags);
  const recorder = flags.record === undefined ? null : await TraceWriter.open(flags.record);
  const progress = createProgress(!flags.quiet);
  const startedMs = performance.now();
  let result: SimulationResult;
  try {
    result = await runSimulation({
      scenario,
      seed: flags.seed,
      strategies: strategiesOf(flags),
      mode: flags.mode,
      remote,
      recorder,
      liveDrainMs: flags.drainMs,
      onProgress: (strategy, fraction) => progress.update(strategy, fraction),
    });
  } finally {
    progress.stop();
    await recorder?.close();
  }
  const wallMs = performance.now() - startedMs;
  await writeOutputs(flags, result, renderSimulationSummary(result));
  if (flags.html !== undefined) await writeFile(flags.html, renderSimulationHtml(result));
  const orders = result.strategies[0]?.orders.offered ?? 0;
  console.error(
    `${orders.toLocaleString('en-US')} orders per strategy in ` +
      `${(wallMs / 1000).toFixed(1)} s of wall time${written(flags)}`,
  );
  return checkHoldfast(result);
}

async function replay(flags: SimulateFlags, path: string): Promise<number> {
  const events = await readTrace(path);
  const scenario = await scenarioOf(flags);
  const progress = createProgress(!flags.quiet);
  let report: ReplayReport;
  try {
    report = await runReplay({
      events,
      mode: flags.mode,
      remote: remoteOf(flags),
      speed: flags.speed,
      engine: scenario.engine,
      onProgress: (done, total) => progress.update('replay', done / total),
    });
  } finally {
    progress.stop();
  }
  await writeOutputs(flags, report, renderReplaySummary(report));
  if (report.finalCheck.shortfallUnits > 0 || report.finalCheck.uncheckedSkus > 0) {
    console.error('CHECK FAILED: the engine promised units beyond stock, or a SKU could not be read back');
    return EXIT_CHECK_FAILED;
  }
  return 0;
}

/** The summary on stdout, or the JSON there (`--json` alone) or in a file. */
async function writeOutputs(flags: SimulateFlags, result: object, summary: string): Promise<void> {
  const json = `${JSON.stringify(result, null, 2)}\n`;
  if (flags.json === true) process.stdout.write(json);
  else console.log(summary);
  if (typeof flags.json === 'string') await writeFile(flags.json, json);
}

function written(flags: SimulateFlags): string {
  const files = [typeof flags.json === 'string' ? flags.json : null, flags.html ?? null, flags.record ?? null].filter(
    (f) => f !== null,
  );
  return files.length === 0 ? '' : `; wrote ${files.join(', ')}`;
}

/** holdfast must never oversell nor meet a refusal it should not: a failed run says so and exits 1. */
function checkHoldfast(result: SimulationResult): number {
  const holdfast = result.strategies.find((report) => report.strategy === 'holdfast');
  if (holdfast === undefined) return 0;
  const problems = [
    holdfast.units.oversold > 0 ? `${holdfast.units.oversold} units oversold` : null,
    holdfast.unexpectedRefusals > 0 ? `${holdfast.unexpectedRefusals} unexpected engine refusals` : null,
  ].filter((p) => p !== null);
  if (problems.length === 0) return 0;
  console.error(`CHECK FAILED: holdfast ${problems.join(', ')}`);
  return EXIT_CHECK_FAILED;
}
