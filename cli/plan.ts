import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Option, type Command } from 'commander';
import { runPlan } from '../simulator/plan/plan.js';
import { renderPlanSummary } from '../simulator/plan/plan-table.js';
import type { PlanResult } from '../simulator/plan/types.js';
import { renderPlanHtml } from '../simulator/report/html.js';
import { createProgress } from '../simulator/report/progress.js';
import { loadScenario, ScenarioError } from '../simulator/scenario/load-scenario.js';
import { nonNegativeNumber, numberList, positiveNumber, wholeNumber } from './arg-parsers.js';

interface PlanFlags {
  scenario: string;
  sloP99Ms: number;
  rates: number[];
  shards: number[];
  latencyMs?: number[];
  seed: number;
  durationMs?: number;
  threads: number;
  json?: string;
  html?: string;
  quiet: boolean;
}

/** Exit codes: 0 done, 2 bad input (a scenario that does not load or validate). */
const EXIT_BAD_INPUT = 2;
const DEFAULT_RATES = [1000, 2000, 5000, 10_000, 20_000, 50_000];
const DEFAULT_SHARDS = [1, 2, 4];

/** `holdfast plan`: a capacity sweep of a scenario over offered load × shards (× injected latency). */
export function addPlanCommand(program: Command): void {
  program
    .command('plan')
    .description(
      'sweep offered load × shards (× hop latency) in virtual time and find, per shard ' +
        'count, the highest rate that meets a p99 SLO with nothing shed or oversold',
    )
    .addOption(
      new Option(
        '--scenario <name|file.json>',
        'a built-in scenario (flash-sale, steady-omnichannel, multi-location, returns-drift, erp-batch) or a JSON file',
      ).default('flash-sale'),
    )
    .addOption(
      new Option('--slo-p99-ms <ms>', 'the acceptance latency SLO at the 99th percentile')
        .default(10)
        .argParser(positiveNumber(3_600_000)),
    )
    .addOption(
      new Option('--rates <list>', "peak offered orders/s to sweep (the scenario's peak set to each, its shape kept)")
        .default(DEFAULT_RATES, DEFAULT_RATES.join(','))
        .argParser(numberList(positiveNumber(100_000_000))),
    )
    .addOption(
      new Option('--shards <list>', 'shard counts to sweep')
        .default(DEFAULT_SHARDS, DEFAULT_SHARDS.join(','))
        .argParser(numberList(wholeNumber(1, 64))),
    )
    .addOption(
      new Option(
        '--latency-ms <list>',
        "fixed one-way channel ↔ engine hop latencies to sweep (default: the scenario's own model)",
      ).argParser(numberList(nonNegativeNumber(60_000))),
    )
    .addOption(
      new Option('--seed <n>', 'random seed: the same seed gives the same plan')
        .default(1)
        .argParser(wholeNumber(0, Number.MAX_SAFE_INTEGER)),
    )
    .addOption(
      new Option(
        '--duration-ms <ms>',
        "simulated time per point (default: the scenario's ramp to its peak plus 10 s at it, at most its duration)",
      ).argParser(positiveNumber(30 * 24 * 3_600_000)),
    )
    .addOption(
      new Option('--threads <n>', 'points run at once, one worker thread each')
        .default(availableParallelism(), `one per core: ${availableParallelism()}`)
        .argParser(wholeNumber(1, 1024)),
    )
    .addOption(new Option('--json <file>', 'write the plan (every point and the capacity) as JSON'))
    .addOption(new Option('--html <file>', 'write a self-contained HTML report with the capacity curve'))
    .addOption(new Option('--quiet', 'no progress bar').default(false))
    .action(async (flags: PlanFlags) => {
      process.exitCode = await planCommand(flags);
    });
}

async function planCommand(flags: PlanFlags): Promise<number> {
  try {
    await plan(flags);
    return 0;
  } catch (error) {
    if (error instanceof ScenarioError) {
      console.error(`holdfast plan: ${error.message} [${error.code}]`);
      return EXIT_BAD_INPUT;
    }
    throw error;
  }
}

async function plan(flags: PlanFlags): Promise<void> {
  const scenario = await loadScenario(flags.scenario);
  const progress = createProgress(!flags.quiet);
  const startedMs = performance.now();
  let result: PlanResult;
  try {
    result = await runPlan({
      scenario,
      seed: flags.seed,
      sloP99Ms: flags.sloP99Ms,
      rates: flags.rates,
      shards: flags.shards,
      latenciesMs: flags.latencyMs ?? null,
      threads: flags.threads,
      durationMs: flags.durationMs ?? null,
      onPoint: (done, total) => progress.update(`points ${done}/${total}`, done / total),
    });
  } finally {
    progress.stop();
  }
  console.log(renderPlanSummary(result));
  if (flags.json !== undefined) await writeFile(flags.json, `${JSON.stringify(result, null, 2)}\n`);
  if (flags.html !== undefined) await writeFile(flags.html, renderPlanHtml(result));
  const wrote = [flags.json, flags.html].filter((file) => file !== undefined);
  console.error(
    `${result.points.length} points in ${((performance.now() - startedMs) / 1000).toFixed(1)} ` +
      `s of wall time${wrote.length === 0 ? '' : `; wrote ${wrote.join(', ')}`}`,
  );
}
