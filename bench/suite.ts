/**
 * The benchmark harness's one entry: `npm run bench` (profile full), `npm run bench:ci` (profile ci,
 * under 3 minutes on 2 cores), `holdfast bench [profile]`. Runs the profile's cases of
 * bench/harness/registry.ts (every case, or one area's: engine, gateway, durability), each in a
 * child process of its own, ceilings first; starts the peer servers (Redis, PostgreSQL) when their
 * binaries are there; prints one table; writes bench/results/<case>.json. docs/benchmarks.md says
 * what each case measures.
 *
 * Fails (exit 1) on a failed correctness check, a case that crashed, or a ratio to its ceiling
 * below its floor in bench/floors.json. Targets are printed, never failed on.
 *
 *   node dist/bench/suite.js [--profile full|ci|engine|gateway|durability] [--cases a,b,...]
 *     [--list] [--no-peers] [--no-floors] [--strict-floors] [--no-write] [--results-dir DIR]
 *     [--duration-ms N]
 */
import { defined } from '../shared/invariant.js';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { providePostgres } from './peers/postgres-server.js';
import { provideRedis } from './peers/redis-server.js';
import type { PeerProvision, PeerServer } from './peers/local-server.js';
import { waitForQuietCpu } from './harness/quiet-machine.js';
import { describeMachine, describeRevision, formatMachine } from './harness/machine.js';
import type { ChildReport } from './harness/child.js';
import { cpuLines } from './harness/cpu-lines.js';
import { checkFloors, loadFloors, type Floors, type FloorVerdict } from './harness/floors.js';
import { watchOtherLoad } from './harness/other-load.js';
import { isProfileName, PROFILE_NAMES, profileOf } from './harness/profile.js';
import { selectCases } from './harness/registry.js';
import { reserveRatioLines } from './harness/reserve-ratios.js';
import { caseResultFile, writeCaseResult, type RunInfo } from './harness/results.js';
import { buildRows, formatCount, type CaseRun, type SuiteRow } from './harness/rows.js';
import { formatSuiteTable, scalingLine, times } from './harness/table.js';
import type { PeerEndpoints, PeerName, Profile, SuiteCase } from './harness/types.js';

const CHILD_SCRIPT = fileURLToPath(new URL('./harness/child.js', import.meta.url));
const DEFAULT_RESULTS_DIR = fileURLToPath(new URL('../../bench/results/', import.meta.url));
const DEFAULT_FLOORS_PATH = fileURLToPath(new URL('../../bench/floors.json', import.meta.url));
/** A case's child is killed after this long (a hung case must not hang CI). */
const CASE_TIMEOUT_MS = 10 * 60_000;
const QUIET_IDLE_FRACTION_MIN = 0.9;

interface SuiteOptions {
  profile: string;
  cases?: string;
  list?: boolean;
  peers: boolean;
  floors: boolean;
  strictFloors?: boolean;
  floorsFile: string;
  write: boolean;
  resultsDir: string;
  durationMs?: number;
}

function positiveInteger(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new InvalidArgumentError('must be a positive integer');
  return value;
}

function parseOptions(argv: string[]): SuiteOptions {
  const program = new Command()
    .name('suite')
    .description(
      'holdfast benchmark suite: engine, gateway, durability, memory, simulator; ceilings and peers in the same run',
    )
    .addOption(
      new Option('--profile <name>', `profile (${PROFILE_NAMES.join(' | ')})`).default(
        process.env.BENCH_PROFILE ?? 'full',
      ),
    )
    .option(
      '--cases <list>',
      'comma-separated case names or groups (ceiling, engine, gateway, durability, memory, ' +
        "simulator, peer), instead of the profile's; their ceilings and inputs are added",
    )
    .option('--list', 'list the cases the run would take and exit')
    .option('--no-peers', 'skip the peer cases (Redis, PostgreSQL)')
    .option('--no-floors', 'print the floors but do not fail on them')
    .option(
      '--strict-floors',
      'judge every floor, however much other processes loaded the machine (a dedicated CI runner)',
    )
    .option('--floors-file <path>', 'floors file', DEFAULT_FLOORS_PATH)
    .option('--no-write', 'write no results files')
    .option('--results-dir <dir>', 'where bench/results/<case>.json go', DEFAULT_RESULTS_DIR)
    .option('--duration-ms <n>', "override the profile's measured pass per throughput case", positiveInteger)
    .showHelpAfterError();
  program.parse(argv);
  const options = program.opts<SuiteOptions>();
  if (!isProfileName(options.profile))
    program.error(`--profile must be one of ${PROFILE_NAMES.join(', ')}, got '${options.profile}'`);
  return options;
}

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString()} ${message}\n`);
}

/** Peer servers, provided on first need and stopped at the end (or on SIGINT/SIGTERM). */
class Peers {
  readonly #provisions = new Map<PeerName, PeerProvision>();
  readonly #providers: Record<PeerName, () => Promise<PeerProvision>> = {
    redis: provideRedis,
    postgres: providePostgres,
  };

  async get(peer: PeerName): Promise<PeerProvision> {
    let provision = this.#provisions.get(peer);
    if (provision === undefined) {
      log(`${peer}: looking for a server…`);
      provision = await this.#providers
        [peer]()
        .catch((error: Error): PeerProvision => ({ ok: false, reason: error.message }));
      this.#provisions.set(peer, provision);
      log(provision.ok ? `${peer}: ${provision.server.label}` : `${peer}: SKIPPED — ${provision.reason}`);
    }
    return provision;
  }

  endpoints(): PeerEndpoints {
    const url = (peer: PeerName): string | null => {
      const provision = this.#provisions.get(peer);
      return provision?.ok ? provision.server.url : null;
    };
    return { redisUrl: url('redis'), postgresUrl: url('postgres') };
  }

  async stopAll(): Promise<void> {
    const servers = [...this.#provisions.values()].filter(
      (provision): provision is { ok: true; server: PeerServer } => provision.ok,
    );
    this.#provisions.clear();
    await Promise.all(servers.map((provision) => provision.server.stop().catch(() => undefined)));
  }
}

/** BENCH_CASE_NODE_ARGS: node flags for every case's child process (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`). */
function caseNodeArgs(): string[] {
  return (process.env.BENCH_CASE_NODE_ARGS ?? '').split(/\s+/).filter((word) => word !== '');
}

/** Runs one case's child process; resolves with its report (a crash or timeout becomes `ok: false`). */
function runChild(
  suiteCase: SuiteCase,
  profile: Profile,
  peers: PeerEndpoints,
  inputs: Record<string, number>,
): Promise<ChildReport> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'holdfast-suite-'));
  const outPath = path.join(dir, 'report.json');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BENCH_SUITE_PROFILE: JSON.stringify(profile),
    BENCH_SUITE_REDIS_URL: peers.redisUrl ?? '',
    BENCH_SUITE_POSTGRES_URL: peers.postgresUrl ?? '',
    BENCH_SUITE_INPUTS: JSON.stringify(inputs),
  };
  return new Promise((resolve) => {
    const nodeArgs = [...(suiteCase.nodeArgs ?? []), ...caseNodeArgs()];
    const child = spawn(process.execPath, [...nodeArgs, CHILD_SCRIPT, suiteCase.name, outPath], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env,
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), CASE_TIMEOUT_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      let report: ChildReport;
      try {
        report = JSON.parse(readFileSync(outPath, 'utf8')) as ChildReport;
      } catch {
        report = {
          ok: false,
          error:
            `child exited (${signal ?? code}) without a ` +
            `report${signal === 'SIGKILL' ? ` (killed after ${CASE_TIMEOUT_MS} ms?)` : ''}`,
        };
      }
      rmSync(dir, { recursive: true, force: true });
      resolve(report);
    });
  });
}

/** The throughput of each case `suiteCase` takes inputs from that measured earlier in the run. */
function inputsOf(suiteCase: SuiteCase, earlier: readonly CaseRun[]): Record<string, number> {
  const inputs: Record<string, number> = {};
  for (const run of earlier) {
    if (suiteCase.inputs?.includes(run.suiteCase.name) === true && run.status === 'measured' && run.measurement)
      inputs[run.suiteCase.name] = run.measurement.result.opsPerSecond;
  }
  return inputs;
}

function progressLine(run: CaseRun, seconds: number): string {
  if (run.status === 'skipped') return `  → SKIPPED: ${run.reason}`;
  if (run.status === 'failed') return `  → FAILED after ${seconds.toFixed(1)} s: ${run.reason?.split('\n')[0]}`;
  const result = run.measurement?.result;
  const failed = result?.checks.filter((item) => !item.pass).length ?? 0;
  const checks = failed === 0 ? 'checks pass' : `${failed} CHECK(S) FAILED`;
  return `  → ${formatCount(result?.opsPerSecond ?? 0)} ${run.suiteCase.unit} in ${seconds.toFixed(1)} s · ${checks}`;
}

async function runCase(
  suiteCase: SuiteCase,
  index: number,
  total: number,
  profile: Profile,
  peers: Peers,
  usePeers: boolean,
  earlier: readonly CaseRun[],
): Promise<CaseRun> {
  const label = `(${index + 1}/${total}) ${suiteCase.name}`;
  const unavailable = suiteCase.unavailable?.() ?? null;
  if (unavailable !== null) return { suiteCase, status: 'skipped', reason: unavailable, environment: {} };
  if (suiteCase.needs !== undefined) {
    if (!usePeers) return { suiteCase, status: 'skipped', reason: '--no-peers', environment: {} };
    const provision = await peers.get(suiteCase.needs);
    if (!provision.ok)
      return { suiteCase, status: 'skipped', reason: `no ${suiteCase.needs}: ${provision.reason}`, environment: {} };
  }
  const quiet = await waitForQuietCpu(QUIET_IDLE_FRACTION_MIN, profile.quietWaitMs);
  const idlePercent = Math.round(quiet.idleFraction * 100);
  log(
    `${label} … (cores ${idlePercent}% idle ` +
      `before${quiet.quiet ? '' : ' — WARNING: other processes are using the CPU; figures will be low'})`,
  );
  const otherLoad = watchOtherLoad();
  const report = await runChild(suiteCase, profile, peers.endpoints(), inputsOf(suiteCase, earlier));
  const environment = {
    cpuIdlePercentBefore: idlePercent,
    quietBefore: quiet.quiet,
    otherProcessesCpuPercentOfMachine: otherLoad(),
    caseProcessCpuPercentOfMachine: report.processCpuPercentOfMachine ?? -1,
    loadAverage1m: Number(defined(os.loadavg()[0], 'os.loadavg() has a 1-minute figure').toFixed(2)),
  };
  if (report.ok && report.skipped !== undefined)
    return { suiteCase, status: 'skipped', reason: report.skipped, environment };
  if (!report.ok || report.measurement === undefined)
    return { suiteCase, status: 'failed', reason: report.error ?? 'no measurement', environment };
  return { suiteCase, status: 'measured', measurement: report.measurement, environment };
}

function targetLines(rows: readonly SuiteRow[]): string[] {
  const lines: string[] = [];
  for (const row of rows) {
    for (const target of row.targets) {
      const verdict = target.met === null ? 'not judged' : target.met ? 'met' : 'NOT met';
      lines.push(`  ${row.name}: ${target.name}: goal ${target.goal}, measured ${target.measured} → ${verdict}`);
    }
  }
  return lines.length === 0 ? [] : ['targets (printed, never failed on):', ...lines];
}

/** 'engine-uniform (14%)': a case and the share of the machine other processes took during it. */
function otherLoadLabel(run: CaseRun): string {
  return `${run.suiteCase.name} (${run.environment.otherProcessesCpuPercentOfMachine}%)`;
}

function noteLines(rows: readonly SuiteRow[], runs: readonly CaseRun[], verdicts: readonly FloorVerdict[]): string[] {
  const lines: string[] = [];
  for (const row of rows) {
    if (row.status === 'skipped') lines.push(`SKIPPED ${row.name}: ${row.reason}`);
    if (row.status === 'failed') lines.push(`FAILED ${row.name}: ${row.reason}`);
    for (const item of row.checksFailed)
      lines.push(`CHECK FAILED ${row.name}: ${item.name}: expected ${item.expected}, got ${item.actual}`);
    if (row.status === 'measured' && row.peersMissing.length > 0)
      lines.push(`${row.name}: no ratio to ${row.peersMissing.join(', ')} (peer not measured in this run)`);
  }
  const others = runs.filter((run) => Number(run.environment.otherProcessesCpuPercentOfMachine) >= 10);
  if (others.length > 0) {
    lines.push(
      `other processes took ≥ 10% of the machine during: ${others.map(otherLoadLabel).join(', ')} — those figures are low`,
    );
  }
  const scaling = scalingLine(rows);
  if (scaling !== null) lines.push(scaling);
  for (const verdict of verdicts) if (verdict.pass !== true) lines.push(verdict.message);
  return lines;
}

function peerLines(rows: readonly SuiteRow[]): string[] {
  const lines: string[] = [];
  for (const row of rows)
    for (const peer of row.peers)
      lines.push(
        `  ${row.name} ÷ ${peer.case}: ${times(peer.ratio)} ` +
          `(${formatCount(row.opsPerSecond)} vs ${formatCount(peer.opsPerSecond)} ${row.unit})`,
      );
  return lines.length === 0 ? [] : ['holdfast ÷ peer, same workload:', ...lines];
}

/** Runs the cases in order (peer servers provided on first need, stopped at the end or on SIGINT/SIGTERM). */
async function runAll(cases: readonly SuiteCase[], profile: Profile, usePeers: boolean): Promise<CaseRun[]> {
  const peers = new Peers();
  const stopOnSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: stopping the peer servers`);
    void peers.stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  const runs: CaseRun[] = [];
  try {
    for (const [index, suiteCase] of cases.entries()) {
      const caseStartMs = performance.now();
      const run = await runCase(suiteCase, index, cases.length, profile, peers, usePeers, runs);
      if (run.status === 'skipped' && Object.keys(run.environment).length === 0)
        log(`(${index + 1}/${cases.length}) ${suiteCase.name}`);
      log(progressLine(run, (performance.now() - caseStartMs) / 1000));
      runs.push(run);
    }
  } finally {
    await peers.stopAll();
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
  }
  return runs;
}

/** Prints the table and notes, writes the results files; returns whether the run passes. */
async function report(
  runs: readonly CaseRun[],
  floors: Floors,
  options: SuiteOptions,
  info: RunInfo,
  seconds: number,
): Promise<boolean> {
  const rows = buildRows(runs);
  const verdicts = checkFloors(rows, floors, options.strictFloors === true);
  console.log(`\n${formatSuiteTable(rows, verdicts)}`);
  console.log(
    [
      ...peerLines(rows),
      ...reserveRatioLines(rows),
      ...cpuLines(rows),
      ...targetLines(rows),
      ...noteLines(rows, runs, verdicts),
    ].join('\n'),
  );
  if (options.write) {
    for (const [index, run] of runs.entries())
      await writeCaseResult(
        options.resultsDir,
        caseResultFile(info, run, defined(rows[index], 'a row per run'), verdicts),
      );
  }
  const failedCases = rows
    .filter((row) => row.status === 'failed' || row.checksFailed.length > 0)
    .map((row) => row.name);
  const failedFloors = verdicts.filter((verdict) => verdict.pass === false);
  const ok = failedCases.length === 0 && (failedFloors.length === 0 || !options.floors);
  const written = options.write ? `results in ${options.resultsDir}` : 'no results written (--no-write)';
  const ratioVerdicts = verdicts.filter((verdict) => verdict.kind === 'floor');
  const notJudged = ratioVerdicts.filter((verdict) => verdict.pass === null).length;
  const judgedText =
    `${ratioVerdicts.length - notJudged} of ${ratioVerdicts.length} floors ` +
    `judged${notJudged > 0 ? ` (${notJudged} not: busy machine or no ratio)` : ''}`;
  const floorsText =
    failedFloors.length === 0
      ? `floors pass (${judgedText})`
      : `${failedFloors.length} floor(s) failed${options.floors ? '' : ' (not enforced: --no-floors)'} (${judgedText})`;
  const checksText = failedCases.length === 0 ? 'checks pass' : `failed: ${failedCases.join(', ')}`;
  console.log(`\n${ok ? 'PASS' : 'FAIL'}: ${checksText} · ${floorsText} · ${seconds.toFixed(0)} s · ${written}`);
  return ok;
}

/** The cases a run takes: `--cases` if given, else the profile's; with their ceilings and inputs. */
function casesToRun(options: SuiteOptions, profile: Profile): SuiteCase[] {
  const selection =
    options.cases === undefined
      ? (profile.cases ?? [])
      : options.cases
          .split(',')
          .map((name) => name.trim())
          .filter((name) => name !== '');
  const { cases, unknown } = selectCases(selection);
  if (unknown.length > 0) throw new Error(`--cases: unknown case or group ${unknown.join(', ')} (see --list)`);
  return cases;
}

function listCases(cases: readonly SuiteCase[]): void {
  for (const suiteCase of cases) {
    const ceiling = suiteCase.ceiling === undefined ? '' : `ceiling ${suiteCase.ceiling}; `;
    const inputs = suiteCase.inputs === undefined ? '' : `inputs ${suiteCase.inputs.join(', ')}; `;
    console.log(`${suiteCase.name.padEnd(24)} ${suiteCase.group.padEnd(11)} ${ceiling}${inputs}${suiteCase.summary}`);
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv);
  const profile = profileOf(options.profile as Profile['name'], options.durationMs);
  const cases = casesToRun(options, profile);
  if (options.list === true) return listCases(cases);
  const floors = loadFloors(options.floorsFile);
  const machine = describeMachine();
  const info: RunInfo = {
    profile: profile.name,
    runStartedAt: new Date().toISOString(),
    revision: describeRevision(),
    machine,
    command: process.argv.slice(2).join(' '),
  };
  log(
    `holdfast bench suite · profile ${profile.name} · ${cases.length} cases · ${info.revision} · ` +
      (`${formatMachine(machine)} · load average ` +
        `${defined(os.loadavg()[0], 'os.loadavg() has a 1-minute figure').toFixed(2)}`),
  );
  const startedMs = performance.now();
  const runs = await runAll(cases, profile, options.peers);
  const ok = await report(runs, floors, options, info, (performance.now() - startedMs) / 1000);
  if (!ok) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
