/**
 * `holdfast simulate` end to end, as a user runs it: the built CLI in a child process. Same seed,
 * same bytes; a recorded run's trace replays to the same answers; bad input exits 2 naming the
 * problem; the HTML report is written.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulationResult } from '../../simulator/model/types.js';
import type { ReplayReport } from '../../simulator/trace/replay.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const run = promisify(execFile);

/** A short, busy cut of the flash sale: a few thousand orders, scarce hot SKUs. */
const SHORT = ['--scenario', 'flash-sale', '--duration-ms', '45000', '--rate-scale', '0.2', '--quiet'];

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function simulate(args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'simulate', ...args], {
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('holdfast simulate (CLI)', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'holdfast-sim-cli-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the same JSON, byte for byte, for the same seed, and different JSON for another', async () => {
    const [first, second, other] = await Promise.all([
      simulate([...SHORT, '--seed', '7', '--json']),
      simulate([...SHORT, '--seed', '7', '--json']),
      simulate([...SHORT, '--seed', '8', '--json']),
    ]);
    expect(first.code).toBe(0);
    expect(first.stdout.length).toBeGreaterThan(1000);
    expect(second.stdout).toBe(first.stdout);
    expect(other.stdout).not.toBe(first.stdout);
    const result = JSON.parse(first.stdout) as SimulationResult;
    expect(result.strategies.map((s) => s.strategy)).toEqual(['naive', 'holdfast']);
    const holdfast = result.strategies[1];
    expect(holdfast.orders.offered).toBeGreaterThan(1000);
    expect(holdfast.orders.stockouts).toBeGreaterThan(0);
    expect(holdfast.units.oversold).toBe(0);
    expect(result.strategies[0].orders.offered).toBe(holdfast.orders.offered);
  });

  it('prints a summary table, and writes the JSON and the HTML report to files', async () => {
    const json = join(dir, 'run.json');
    const html = join(dir, 'run.html');
    const outcome = await simulate([...SHORT, '--json', json, '--html', html]);
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toMatch(/Oversold units/);
    expect(outcome.stdout).toMatch(/naive.*holdfast/);
    expect(outcome.stderr).toMatch(/orders per strategy in .* s of wall time; wrote/);
    const result = JSON.parse(await readFile(json, 'utf8')) as SimulationResult;
    expect(result.scenario).toBe('flash-sale');
    const page = await readFile(html, 'utf8');
    expect(page).toMatch(/<canvas[^>]*id="chart-latency"/);
    expect(page).toContain('flash-sale');
  });

  it('records the holdfast run as a trace that replays to the same answers', async () => {
    const trace = join(dir, 'run.ndjson');
    const recorded = await simulate([...SHORT, '--strategy', 'holdfast', '--record', trace, '--json']);
    expect(recorded.code).toBe(0);
    const holdfast = (JSON.parse(recorded.stdout) as SimulationResult).strategies[0];
    const replayed = await simulate(['--trace', trace, '--json', '--quiet']);
    expect(replayed.code).toBe(0);
    const report = JSON.parse(replayed.stdout) as ReplayReport;
    expect(report.byOp.reserve.calls).toBe(holdfast.orders.offered);
    expect(report.byOp.reserve.ok).toBe(holdfast.orders.accepted);
    expect(report.byOp.reserve.refused.INSUFFICIENT_STOCK).toBe(holdfast.orders.stockouts);
    expect(report.byOp.fulfil.ok).toBe(holdfast.orders.fulfilled);
    expect(report.byOp.commit.ok).toBe(holdfast.orders.paid);
    expect(report.finalCheck.shortfallUnits).toBe(0);
    const twice = await simulate(['--trace', trace, '--json', '--quiet', '--speed', '4']);
    expect((JSON.parse(twice.stdout) as ReplayReport).byOp.reserve.ok).toBe(holdfast.orders.accepted);
  });

  it('replays the sample trace shipped in the repository', async () => {
    const sample = fileURLToPath(new URL('../../simulator/traces/sample.ndjson', import.meta.url));
    const outcome = await simulate(['--trace', sample, '--quiet']);
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toMatch(/reserve/);
    expect(outcome.stdout).toMatch(/final check: 5 SKUs read back, 0 units promised beyond stock/);
  });

  it(
    'exits 2 naming the problem: an unknown scenario, ' + 'a bad scenario file, a malformed trace, a bad flag',
    async () => {
      const unknown = await simulate(['--scenario', 'black-friday']);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(/not a built-in scenario .*flash-sale.*SCENARIO_INVALID/s);

      const file = join(dir, 'bad.json');
      await writeFile(file, JSON.stringify({ name: 'x', durationMs: -1 }));
      const bad = await simulate(['--scenario', file]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/durationMs/);
      expect(bad.stderr).toMatch(/catalogue/);

      const trace = join(dir, 'bad.ndjson');
      await writeFile(trace, '{"t":0,"op":"receive","sku":"A","location":"L","qty":1}\n\n{"t":1,"op":"commit"}\n');
      const malformed = await simulate(['--trace', trace]);
      expect(malformed.code).toBe(2);
      expect(malformed.stderr).toMatch(/bad\.ndjson:3: commit needs "id" \[TRACE_MALFORMED\]/);

      const flag = await simulate(['--seed', 'x']);
      expect(flag.code).not.toBe(0);
      expect(flag.stderr).toMatch(/--seed/);

      const liveNaive = await simulate(['--mode', 'live', '--strategy', 'naive']);
      expect(liveNaive.code).toBe(2);
      expect(liveNaive.stderr).toMatch(/naive .* virtual time only/);
    },
  );
});
