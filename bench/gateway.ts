/**
 * The gateway benchmark: `npm run bench:gateway`. Prints figures; never a timed test.
 * The gateway (engine, 2 worker shards, startGateway) and a raw `ws` echo server each run in a
 * child process; this process only drives load over loopback WebSockets (msgpack binary frames).
 * Runs, in sequence: the echo ceiling with 256-op frames and with single-op frames, then against
 * the gateway: batched (256-op frames, one connection), the same paced at half its measured rate,
 * and single (64 connections, one op per frame). Prints a table, writes bench/results/gateway.json.
 * Exits non-zero when a correctness check fails (never for a missed performance target).
 *
 * Optional knobs (defaults are the reported configuration): BENCH_DURATION_MS, BENCH_WARMUP_MS,
 * BENCH_FRAME_OPS, BENCH_WINDOW_FRAMES, BENCH_CONNECTIONS, BENCH_SINGLE_WINDOW,
 * BENCH_PACED_OPS_PER_SECOND (paced without batched), BENCH_SERVER=bench|cli,
 * BENCH_SERVER_NODE_ARGS / BENCH_ECHO_NODE_ARGS (node flags for the children, e.g. --cpu-prof),
 * and BENCH_CASES=echo,echo-single,batched,paced,single (runs only those; writes no JSON).
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { CaseResult } from './harness/case-result.js';
import { skuNames } from './load/stock.js';
import type { ChildServer } from './gateway/child-server.js';
import { receiveStock } from './gateway/engine-calls.js';
import { HeldLedger } from './gateway/mix.js';
import { runMixCase, type MixCasePlan } from './gateway/mix-case.js';
import { RpcConnection } from './gateway/rpc-connection.js';
import {
  batchedShape,
  shapeText,
  singleShape,
  startEchoServer as startEcho,
  startGatewayServer as startGateway,
  type CaseShape,
} from './gateway/servers.js';
import { batchedTargets, pacedTargets, shareOf, singleTargets } from './gateway/targets.js';
import { waitForQuietCpu } from './harness/quiet-machine.js';
import {
  describeMachine,
  describeRevision,
  formatMachine,
  formatNotes,
  formatTable,
  writeReportJson,
} from './harness/machine.js';

const RESULTS_JSON_PATH = fileURLToPath(new URL('../../bench/results/gateway.json', import.meta.url));

function envInteger(name: string, fallback: number, min = 1): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min)
    throw new Error(`${name} must be an integer ≥ ${min}, got '${text}'`);
  return value;
}

function envWords(name: string): string[] {
  return (process.env[name] ?? '').split(/\s+/).filter((word) => word !== '');
}

const SHARDS = 2;
const SKU_COUNT = 10_000;
const UNITS_PER_SKU = 1_000_000;
const FRAME_OPS = envInteger('BENCH_FRAME_OPS', 256);
/**
 * Batched: frames in flight on the one connection. 8 × 256 = 2,048 ops outstanding, half the
 * gateway's maxPendingPerConnection (4,096), so the server never pauses the socket.
 */
const WINDOW_FRAMES = envInteger('BENCH_WINDOW_FRAMES', 8);
const CONNECTIONS = envInteger('BENCH_CONNECTIONS', 64);
/** Single: requests in flight per connection (64 × 8 = 512 outstanding). */
const SINGLE_WINDOW = envInteger('BENCH_SINGLE_WINDOW', 8);
const DURATION_MS = envInteger('BENCH_DURATION_MS', 5000);
const WARMUP_MS = envInteger('BENCH_WARMUP_MS', 1000, 0);
/** Paced: at most this many frames in flight (a frame due beyond it waits; counted in windowCapHits). */
const PACED_WINDOW_FRAMES_MAX = 64;
const SERVER_KIND = process.env.BENCH_SERVER === 'cli' ? 'cli' : 'bench';
/** Before each case: wait up to this long for the cores to be this idle (other processes' load). */
const QUIET_IDLE_FRACTION_MIN = 0.9;
const QUIET_WAIT_MS_MAX = 5_000;
/** Other processes' CPU during a measured pass (% of the machine) from which its figures are flagged. */
const OTHERS_CPU_WARNING_PERCENT = 10;
const ALL_CASES = ['echo', 'echo-single', 'batched', 'paced', 'single'];
/** The table lists the gateway first, its ceilings after (they run first). */
const TABLE_ORDER = ['batched', 'paced', 'single', 'echo', 'echo-single'];

function logProgress(message: string): void {
  process.stdout.write(`${new Date().toISOString()} ${message}\n`);
}

/** Waits for quiet cores, runs one case, and records how idle the cores were. */
async function runCase(label: string, run: () => Promise<CaseResult>): Promise<CaseResult> {
  const quiet = await waitForQuietCpu(QUIET_IDLE_FRACTION_MIN, QUIET_WAIT_MS_MAX);
  const idlePercent = Math.round(quiet.idleFraction * 100);
  const warning = quiet.quiet ? '' : ' — WARNING: other processes are using the CPU; figures will be low';
  logProgress(`${label} … (cores ${idlePercent}% idle before, waited ${quiet.waitedMs} ms${warning})`);
  const result = await run();
  result.details.cpuIdlePercentBefore = idlePercent;
  result.details.quietBefore = quiet.quiet;
  return result;
}

function startGatewayServer(token: string): Promise<ChildServer> {
  return startGateway({ token, shards: SHARDS, kind: SERVER_KIND, nodeArgs: envWords('BENCH_SERVER_NODE_ARGS') });
}

function startEchoServer(): Promise<ChildServer> {
  return startEcho(envWords('BENCH_ECHO_NODE_ARGS'));
}

interface Run {
  token: string;
  skus: string[];
  cases: string[];
  results: Map<string, CaseResult>;
  pacedOpsPerSecond: number;
}

const BATCHED: CaseShape = batchedShape(FRAME_OPS, WINDOW_FRAMES);
const SINGLE: CaseShape = singleShape(CONNECTIONS, SINGLE_WINDOW);

/** The echo ceiling: the same driver and frames against a plain ws server that sends each frame back. */
async function runEchoCases(run: Run): Promise<void> {
  const wanted = ['echo', 'echo-single'].filter((name) => run.cases.includes(name));
  if (wanted.length === 0) return;
  const server = await startEchoServer();
  try {
    const base = {
      mode: 'echo' as const,
      server,
      token: run.token,
      skus: run.skus,
      ledger: new HeldLedger(run.skus.length),
      control: null,
      warmupMs: WARMUP_MS,
      durationMs: DURATION_MS,
    };
    for (const name of wanted) {
      const shape = name === 'echo' ? BATCHED : SINGLE;
      const caseName = name === 'echo' ? `echo-${FRAME_OPS}` : 'echo-single';
      const description = `raw ws echo ceiling (child process, no engine, no JSON-RPC): ${shapeText(shape)}`;
      const plan: MixCasePlan = {
        ...base,
        ...shape,
        name: caseName,
        description,
        holdPrefix: name === 'echo' ? 'E' : 'e',
      };
      run.results.set(name, await runCase(`(${caseName}) ${description}`, () => runMixCase(plan)));
    }
  } finally {
    await server.stop();
  }
}

function pacedRate(run: Run): number {
  const batched = run.results.get('batched');
  if (batched !== undefined) return batched.opsPerSecond / 2;
  return envInteger('BENCH_PACED_OPS_PER_SECOND', 100_000);
}

async function runGatewayCasesOn(run: Run, server: ChildServer, control: RpcConnection): Promise<void> {
  const ledger = new HeldLedger(run.skus.length);
  const base = {
    mode: 'engine' as const,
    server,
    token: run.token,
    skus: run.skus,
    ledger,
    control,
    warmupMs: WARMUP_MS,
    durationMs: DURATION_MS,
  };
  const engineText = `gateway (child process, engine with ${SHARDS} worker shards)`;
  if (run.cases.includes('batched')) {
    const description = `${engineText}: ${shapeText(BATCHED)}; reserve → commit|release over ${SKU_COUNT} SKUs`;
    const plan: MixCasePlan = { ...base, ...BATCHED, name: `gateway-${FRAME_OPS}`, description, holdPrefix: 'B' };
    run.results.set('batched', await runCase(`(gateway-${FRAME_OPS}) ${description}`, () => runMixCase(plan)));
  }
  if (run.cases.includes('paced')) {
    run.pacedOpsPerSecond = pacedRate(run);
    const rate = Math.round(run.pacedOpsPerSecond).toLocaleString('en-US');
    const why = run.results.has('batched') ? 'half the batched rate' : 'BENCH_PACED_OPS_PER_SECOND';
    const description = `${engineText}: as gateway-${FRAME_OPS}, paced (open loop) at ${rate} ops/s (${why})`;
    const paced = { ...BATCHED, windowFrames: PACED_WINDOW_FRAMES_MAX, pacedOpsPerSecond: run.pacedOpsPerSecond };
    const plan: MixCasePlan = { ...base, ...paced, name: `gateway-${FRAME_OPS}-paced`, description, holdPrefix: 'P' };
    run.results.set('paced', await runCase(`(gateway-${FRAME_OPS}-paced) ${description}`, () => runMixCase(plan)));
  }
  if (run.cases.includes('single')) {
    const description = `${engineText}: ${shapeText(SINGLE)}; reserve → commit|release over ${SKU_COUNT} SKUs`;
    const plan: MixCasePlan = { ...base, ...SINGLE, name: 'gateway-single', description, holdPrefix: 'S' };
    run.results.set('single', await runCase(`(gateway-single) ${description}`, () => runMixCase(plan)));
  }
}

async function runGatewayCases(run: Run): Promise<void> {
  if (!['batched', 'paced', 'single'].some((name) => run.cases.includes(name))) return;
  const server = await startGatewayServer(run.token);
  try {
    logProgress(
      `${server.label} (pid ${server.pid}) listening on ${server.url}; receiving ${UNITS_PER_SKU.toLocaleString('en-US')} units of each of ${SKU_COUNT} SKUs`,
    );
    const control = await RpcConnection.open(server.url, run.token);
    await receiveStock(control, run.skus, UNITS_PER_SKU);
    await runGatewayCasesOn(run, server, control);
    await control.close();
  } finally {
    await server.stop();
  }
}

function addTargets(run: Run): void {
  const { results } = run;
  const batched = results.get('batched');
  if (batched !== undefined) batched.targets = batchedTargets(batched, results.get('echo') ?? null);
  const paced = results.get('paced');
  if (paced !== undefined) paced.targets = pacedTargets(paced, run.pacedOpsPerSecond);
  const single = results.get('single');
  if (single !== undefined) single.targets = singleTargets(single);
}

function ratioLine(label: string, measured: CaseResult | undefined, ceiling: CaseResult | undefined): string[] {
  if (measured === undefined || ceiling === undefined) return [];
  return [`${label}: ${(shareOf(measured, ceiling) * 100).toFixed(1)}%`];
}

/** Where the CPU went during each measured pass; flags passes that shared the machine with other load. */
function cpuLines(results: CaseResult[]): string[] {
  const lines = ['CPU during each measured pass (/proc; % of the machine unless said otherwise):'];
  for (const { name, details } of results) {
    const others = Number(details.otherProcessesCpuPercentOfMachine);
    const warning =
      others >= OTHERS_CPU_WARNING_PERCENT ? ' — WARNING: other processes competed for the cores; figures are low' : '';
    lines.push(
      `  ${name}: driver ${details.driverCpuPercentOfMachine}%, server ${details.serverCpuPercentOfMachine}% ` +
        `(main thread ${details.serverMainThreadCpuPercentOfCore}% of a core, other threads ${details.serverOtherThreadsCpuPercentOfCore}% of a core), ` +
        `kernel softirq ${details.kernelSoftirqCpuPercentOfMachine}%, other processes ${others}%${warning}`,
    );
  }
  return lines;
}

function printReport(results: CaseResult[], run: Run): boolean {
  const checksPass = results.every((result) => result.checks.every((item) => item.pass));
  console.log(`\n${formatTable(results)}\n`);
  const ratios = [
    ...ratioLine(
      `gateway batched / ws echo ceiling (${FRAME_OPS}-op frames)`,
      run.results.get('batched'),
      run.results.get('echo'),
    ),
    ...ratioLine(
      'gateway single / ws echo ceiling (single-op frames)',
      run.results.get('single'),
      run.results.get('echo-single'),
    ),
  ];
  if (ratios.length > 0) console.log(ratios.join('\n'));
  console.log(formatNotes(results));
  console.log(cpuLines(results).join('\n'));
  for (const result of results) console.log(`${result.name}: ${JSON.stringify(result.details)}`);
  return checksPass;
}

function summary(run: Run, checksPass: boolean, loadAverageAtStart: number): Record<string, number | string | boolean> {
  const ratio = (a: string, b: string) => {
    const measured = run.results.get(a);
    const ceiling = run.results.get(b);
    return measured !== undefined && ceiling !== undefined ? Number(shareOf(measured, ceiling).toFixed(4)) : 0;
  };
  return {
    batchedToEchoRatio: ratio('batched', 'echo'),
    singleToEchoSingleRatio: ratio('single', 'echo-single'),
    pacedOpsPerSecondGoal: Math.round(run.pacedOpsPerSecond),
    checksPass,
    casesWithOtherLoad: [...run.results.values()]
      .filter((result) => Number(result.details.otherProcessesCpuPercentOfMachine) >= OTHERS_CPU_WARNING_PERCENT)
      .map((result) => result.name)
      .join(','),
    loadAverageAtStart: Number(loadAverageAtStart.toFixed(2)),
    loadAverageAtEnd: Number(os.loadavg()[0].toFixed(2)),
    server:
      SERVER_KIND === 'cli' ? 'holdfast serve (CLI)' : 'bench/gateway/server.ts (startGateway, bench engine options)',
    shards: SHARDS,
    skus: SKU_COUNT,
    unitsPerSku: UNITS_PER_SKU,
    frameOps: FRAME_OPS,
    windowFrames: WINDOW_FRAMES,
    connections: CONNECTIONS,
    singleWindow: SINGLE_WINDOW,
    warmupMs: WARMUP_MS,
    durationMs: DURATION_MS,
    encoding: 'msgpack (binary frames, msgpackr useRecords: false)',
  };
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const loadAverageAtStart = os.loadavg()[0];
  logProgress(
    `holdfast gateway bench · ${describeRevision()} · ${formatMachine(describeMachine())} · load average ${loadAverageAtStart.toFixed(2)}`,
  );
  const caseNames = process.env.BENCH_CASES;
  const partial = caseNames !== undefined && caseNames !== '';
  const cases = partial ? caseNames.split(',').map((name) => name.trim()) : ALL_CASES;
  const unknown = cases.filter((name) => !ALL_CASES.includes(name));
  if (unknown.length > 0)
    throw new Error(`BENCH_CASES: unknown case(s) ${unknown.join(', ')} (known: ${ALL_CASES.join(', ')})`);
  const run: Run = {
    token: randomBytes(24).toString('base64url'),
    skus: skuNames(SKU_COUNT),
    cases,
    results: new Map(),
    pacedOpsPerSecond: 0,
  };
  await runEchoCases(run);
  await runGatewayCases(run);
  addTargets(run);
  const results = TABLE_ORDER.map((name) => run.results.get(name)).filter(
    (result): result is CaseResult => result !== undefined,
  );
  const checksPass = printReport(results, run);
  if (!partial) {
    const report = {
      machine: describeMachine(),
      revision: describeRevision(),
      startedAt,
      results,
      summary: summary(run, checksPass, loadAverageAtStart),
    };
    await writeReportJson(RESULTS_JSON_PATH, report);
  }
  const written = partial ? 'BENCH_CASES set: no JSON written' : `results written to ${RESULTS_JSON_PATH}`;
  console.log(`\n${checksPass ? 'PASS' : 'FAIL'}: correctness checks · ${written}`);
  if (!checksPass) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
