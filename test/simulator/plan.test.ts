/**
 * `holdfast plan`: the sweep's points, each point's scenario, a real plan through
 * piscina worker threads (imported from dist/: the workers load compiled JavaScript), and the
 * command built in-process (cli/plan.ts, which cli/main.ts adds to the command line).
 *
 * From issue 6 §5.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { addPlanCommand } from '../../dist/cli/plan.js';
import { runPlan } from '../../dist/simulator/plan/plan.js';
import { capacityLine, renderPlanSummary } from '../../dist/simulator/plan/plan-table.js';
import type { PlanResult } from '../../dist/simulator/plan/types.js';
import { planDurationMs, planPoints, scenarioForPoint } from '../../dist/simulator/plan/sweep.js';
import { BUILT_IN_SCENARIOS } from '../../dist/simulator/scenario/builtins.js';
import { ScenarioError } from '../../dist/simulator/scenario/load-scenario.js';
import type { Scenario } from '../../dist/simulator/scenario/schema.js';

const PLAN_TIMEOUT_MS = 120_000;
const SLO_P99_MS = 10;
/** 100 µs per op: a shard serves 10,000 ops/s, so one saturates near 5,000 orders/s and four do not. */
const SERVICE_US_PER_OP = 100;
const RATES = [500, 5_000, 20_000];
const SHARDS = [1, 4];

/** Two seconds of steady traffic over 64 well-stocked SKUs, 1 ms hops, short queues (2,000 ops per shard). */
const SMALL: Scenario = {
  ...structuredClone(BUILT_IN_SCENARIOS['steady-omnichannel']),
  name: 'plan-test',
  description: 'a small steady load for the capacity plan tests',
  durationMs: 2_000,
  catalogue: { skuCount: 64, prefix: 'P', stock: { 'WH-1': 100_000 }, priceCents: 1_000, hot: null },
  arrivals: { baselinePerSecond: 100, spike: null },
  abandonment: { rate: 0.2, holdTtlMs: 5_000 },
  payment: { successRate: 0.9, delay: { kind: 'fixed', ms: 200 } },
  fulfilment: { delay: { kind: 'fixed', ms: 300 } },
  returns: { rate: 0, delay: { kind: 'fixed', ms: 1_000 }, damagedShare: 0 },
  latency: {
    toEngine: { kind: 'fixed', ms: 1 },
    fromEngine: { kind: 'fixed', ms: 1 },
    events: { kind: 'fixed', ms: 5 },
  },
  engine: { shards: 1, serviceUsPerOp: SERVICE_US_PER_OP, maxInFlightOpsPerShard: 2_000 },
};

function planOf(rates: number[], shards: number[], sloP99Ms = SLO_P99_MS): Promise<PlanResult> {
  return runPlan({ scenario: SMALL, seed: 7, sloP99Ms, rates, shards, latenciesMs: null, threads: 2 });
}

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ScenarioError) return error.problems;
    throw error;
  }
  throw new Error('expected a ScenarioError');
}

describe('holdfast plan: the sweep', () => {
  it('sweeps every rate × shards × latency once, sorted by shards, latency (the scenario own first) and rate', () => {
    const points = planPoints({ rates: [5_000, 1_000, 5_000], shards: [4, 1], latenciesMs: null });
    expect(points).toEqual([
      { ratePerSecond: 1_000, shards: 1, latencyMs: null },
      { ratePerSecond: 5_000, shards: 1, latencyMs: null },
      { ratePerSecond: 1_000, shards: 4, latencyMs: null },
      { ratePerSecond: 5_000, shards: 4, latencyMs: null },
    ]);
    const withLatency = planPoints({ rates: [100], shards: [2], latenciesMs: [20, 0, 5] });
    expect(withLatency.map((point) => point.latencyMs)).toEqual([0, 5, 20]);
    expect(planPoints({ rates: [100, 200], shards: [1, 2, 4], latenciesMs: [1, 2] })).toHaveLength(12);
    expect(planPoints({ rates: [100], shards: [1], latenciesMs: [] })).toEqual([
      { ratePerSecond: 100, shards: 1, latencyMs: null },
    ]);
  });

  it('sets the peak rate (the spike shape kept), the shards and a fixed hop latency', () => {
    const flashSale = BUILT_IN_SCENARIOS['flash-sale'];
    const scenario = scenarioForPoint(flashSale, { ratePerSecond: 10_000, shards: 4, latencyMs: 5 });
    expect(scenario.arrivals).toEqual({
      baselinePerSecond: 40,
      spike: { ...flashSale.arrivals.spike!, peakPerSecond: 10_000 },
    });
    expect(scenario.engine.shards).toBe(4);
    expect(scenario.latency.toEngine).toEqual({ kind: 'fixed', ms: 5 });
    expect(scenario.latency.fromEngine).toEqual({ kind: 'fixed', ms: 5 });
    expect(scenario.latency.events).toEqual(flashSale.latency.events);
    const ownLatency = scenarioForPoint(flashSale, { ratePerSecond: 3_000, shards: 1, latencyMs: null });
    expect(ownLatency.arrivals.spike!.peakPerSecond).toBe(3_000);
    expect(ownLatency.latency).toEqual(flashSale.latency);
    expect(flashSale.engine.shards).toBe(2);
    const steady = scenarioForPoint(SMALL, { ratePerSecond: 777, shards: 2, latencyMs: 0 });
    expect(steady.arrivals).toEqual({ baselinePerSecond: 777, spike: null });
    expect(steady.latency.toEngine).toEqual({ kind: 'fixed', ms: 0 });
  });

  it('refuses nonsense with every problem named', () => {
    expect(problemsOf(() => scenarioForPoint(SMALL, { ratePerSecond: 0, shards: 0, latencyMs: -1 }))).toEqual([
      expect.stringMatching(/^rate:/),
      expect.stringMatching(/^shards:/),
      expect.stringMatching(/^latency:/),
    ]);
    expect(
      problemsOf(() => scenarioForPoint(SMALL, { ratePerSecond: Number.NaN, shards: 1.5, latencyMs: null })),
    ).toHaveLength(2);
    expect(problemsOf(() => scenarioForPoint(SMALL, { ratePerSecond: 100, shards: 65, latencyMs: null }))).toEqual([
      expect.stringMatching(/^engine\.shards:/),
    ]);
    const instant = { ...SMALL, engine: { ...SMALL.engine, serviceUsPerOp: 0 } };
    expect(problemsOf(() => scenarioForPoint(instant, { ratePerSecond: 100, shards: 1, latencyMs: null }))).toEqual([
      expect.stringMatching(/^engine\.serviceUsPerOp:/),
    ]);
  });

  it('runs by default the ramp to the peak and 10 s at it, never longer than the scenario', () => {
    expect(planDurationMs(BUILT_IN_SCENARIOS['flash-sale'])).toBe(30_000 + 10_000 + 10_000);
    expect(planDurationMs(BUILT_IN_SCENARIOS['steady-omnichannel'])).toBe(10_000);
    expect(planDurationMs(SMALL)).toBe(2_000);
  });
});

describe('holdfast plan: a real sweep on worker threads', () => {
  let first: PlanResult;

  it(
    "finds each shard count's capacity; the saturated points fail, nothing is oversold",
    async () => {
      first = await planOf(RATES, SHARDS);
      expect(first.points.map((p) => [p.shards, p.ratePerSecond])).toEqual(
        SHARDS.flatMap((shards) => RATES.map((rate) => [shards, rate])),
      );
      expect(first).toMatchObject({
        scenario: 'plan-test',
        seed: 7,
        sloP99Ms: SLO_P99_MS,
        serviceUsPerOp: SERVICE_US_PER_OP,
        durationMs: 2_000,
      });
      for (const point of first.points) expect(point.oversoldUnits, `${point.shards}×${point.ratePerSecond}`).toBe(0);
      const at = (shards: number, rate: number) =>
        first.points.find((p) => p.shards === shards && p.ratePerSecond === rate)!;
      for (const saturated of [at(1, 5_000), at(1, 20_000), at(4, 20_000)]) {
        expect(saturated.meetsSlo).toBe(false);
        expect(saturated.shedOrders > 0 || saturated.p99Ms > SLO_P99_MS).toBe(true);
      }
      expect(at(1, 500).meetsSlo).toBe(true);
      expect(at(4, 5_000).meetsSlo).toBe(true);
      expect(at(4, 5_000).acceptedPerSecond).toBeGreaterThan(4_000);
      expect(first.capacity).toEqual([
        { shards: 1, latencyMs: null, maxRatePerSecond: 500, highestPassingRatePerSecond: 500 },
        { shards: 4, latencyMs: null, maxRatePerSecond: 5_000, highestPassingRatePerSecond: 5_000 },
      ]);
      // More shards never lower the capacity.
      const capacities = first.capacity.map((c) => c.maxRatePerSecond ?? 0);
      expect(capacities).toEqual([...capacities].sort((a, b) => a - b));
      const summary = renderPlanSummary(first);
      expect(summary).toContain('shards 4: up to 5,000 orders/s within p99 ≤ 10 ms');
      expect(summary).toMatch(/✗ p99, shed/);
    },
    PLAN_TIMEOUT_MS,
  );

  it(
    'is deterministic: the same seed gives identical JSON',
    async () => {
      const again = await planOf(RATES, SHARDS);
      expect(JSON.stringify(again)).toBe(JSON.stringify(first));
    },
    PLAN_TIMEOUT_MS,
  );

  it(
    'has no capacity when no swept rate meets the SLO',
    async () => {
      const plan = await planOf([20_000], [1]);
      expect(plan.points[0].meetsSlo).toBe(false);
      expect(plan.capacity).toEqual([
        { shards: 1, latencyMs: null, maxRatePerSecond: null, highestPassingRatePerSecond: null },
      ]);
      expect(capacityLine(plan.capacity[0], SLO_P99_MS)).toBe('shards 1: no swept rate met the SLO');
    },
    PLAN_TIMEOUT_MS,
  );

  it('counts no rate above one that failed (a non-monotone curve shows, not counted)', () => {
    const line = capacityLine(
      { shards: 2, latencyMs: 5, maxRatePerSecond: 1_000, highestPassingRatePerSecond: 4_000 },
      SLO_P99_MS,
    );
    expect(line).toBe(
      'shards 2, 5 ms injected: up to 1,000 orders/s within p99 ≤ 10 ms ' +
        '(4,000 orders/s met it too, above a rate that failed: not counted)',
    );
  });
});

describe('holdfast plan: the command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-plan-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    process.exitCode = undefined;
    vi.restoreAllMocks();
  });

  function program(): Command {
    const built = new Command()
      .name('holdfast')
      .exitOverride()
      .configureOutput({ writeErr: () => {}, writeOut: () => {} });
    addPlanCommand(built);
    return built;
  }

  function quietConsole(): { out: string[]; err: string[] } {
    const captured = { out: [] as string[], err: [] as string[] };
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void captured.out.push(args.join(' ')));
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void captured.err.push(args.join(' ')));
    return captured;
  }

  it(
    'prints the table and writes the JSON and HTML',
    async () => {
      const scenarioFile = join(dir, 'small.json');
      writeFileSync(scenarioFile, JSON.stringify(SMALL));
      const json = join(dir, 'plan.json');
      const html = join(dir, 'plan.html');
      const captured = quietConsole();
      await program().parseAsync([
        'node',
        'holdfast',
        'plan',
        '--scenario',
        scenarioFile,
        '--rates',
        '500,1000',
        '--shards',
        '2',
        '--latency-ms',
        '0',
        '--threads',
        '1',
        '--quiet',
        '--json',
        json,
        '--html',
        html,
      ]);
      expect(process.exitCode).toBe(0);
      const text = readFileSync(json, 'utf8');
      expect(text.endsWith('}\n')).toBe(true);
      const plan = JSON.parse(text) as PlanResult;
      expect(plan.points.map((p) => [p.ratePerSecond, p.shards, p.latencyMs])).toEqual([
        [500, 2, 0],
        [1_000, 2, 0],
      ]);
      expect(plan.capacity).toEqual([
        { shards: 2, latencyMs: 0, maxRatePerSecond: 1_000, highestPassingRatePerSecond: 1_000 },
      ]);
      expect(readFileSync(html, 'utf8')).toContain('holdfast capacity plan: plan-test');
      expect(captured.out.join('\n')).toContain('shards 2, 0 ms injected: up to 1,000 orders/s within p99 ≤ 10 ms');
      expect(captured.err.join('\n')).toContain(`wrote ${json}, ${html}`);
    },
    PLAN_TIMEOUT_MS,
  );

  it('refuses a bad --rates value, naming the flag', async () => {
    const error = await program()
      .parseAsync(['node', 'holdfast', 'plan', '--rates', '1000,lots'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommanderError);
    expect((error as CommanderError).code).toBe('commander.invalidArgument');
    expect((error as CommanderError).message).toMatch(
      /--rates <list>.*'1000,lots' is invalid\. must be a number above 0/,
    );
  });

  it('exits 2 with the problem on stderr for a scenario that does not load', async () => {
    const captured = quietConsole();
    await program().parseAsync(['node', 'holdfast', 'plan', '--scenario', 'no-such-sale', '--quiet']);
    expect(process.exitCode).toBe(2);
    expect(captured.err.join('\n')).toMatch(
      /holdfast plan: scenario no-such-sale:.*not a built-in scenario.*\[SCENARIO_INVALID\]/s,
    );
    expect(captured.out).toEqual([]);
  });
});
