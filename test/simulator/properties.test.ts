/**
 * Properties of the simulator's strategies, by fast-check over scenarios and seeds,
 * in virtual time: holdfast never oversells whatever the traffic, stock, returns, counts,
 * latencies and shard queues; the naive strategy oversells once its event lag outruns the gap
 * between orders for a scarce SKU, and never when events are instant. A failing draw prints
 * its seed and the shrunk scenario (fast-check's report).
 *
 * From issue 6 §7.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StrategyReport } from '../../simulator/model/types.js';
import { runSimulation } from '../../simulator/run.js';
import type { Scenario } from '../../simulator/scenario/schema.js';
import { expectSettled, scenarioWith, smallScenarios } from './support/helpers.js';

const seeds = fc.integer({ min: 0, max: 2 ** 31 - 1 });

/**
 * Passing, each property takes a second or two. A failing one shrinks its counterexample (each
 * step a run): capped, so a failure reports within the test's own time limit.
 */
const SHRINK_BUDGET = { interruptAfterTimeLimit: 40_000 };
const PROPERTY_TIMEOUT_MS = 60_000;

async function runOne(scenario: Scenario, seed: number, strategy: 'naive' | 'holdfast'): Promise<StrategyReport> {
  const result = await runSimulation({ scenario, seed, strategies: [strategy], mode: 'virtual' });
  return result.strategies[0];
}

/** One scarce SKU wanted one unit at a time from three channels, events lagging a fixed `lagMs`. */
function scarce(meanGapMs: number, lagMs: number, stockUnits = 20): Scenario {
  return scenarioWith({
    name: 'scarce',
    // About 100 orders: five times the stock, so demand keeps coming long after it is gone.
    durationMs: meanGapMs * 100,
    catalogue: { skuCount: 1, prefix: 'S', stock: { 'WH-1': stockUnits }, priceCents: 1_000, hot: null },
    arrivals: { baselinePerSecond: 1000 / meanGapMs, spike: null },
    orders: { linesMin: 1, linesMax: 1, qtyMin: 1, qtyMax: 1 },
    latency: {
      toEngine: { kind: 'fixed', ms: 1 },
      fromEngine: { kind: 'fixed', ms: 1 },
      events: { kind: 'fixed', ms: lagMs },
    },
  });
}

describe('simulator properties', () => {
  it(
    'holdfast never oversells, and every report settles (arbitrary small scenarios and seeds)',
    async () => {
      await fc.assert(
        fc.asyncProperty(smallScenarios, seeds, async (scenario, seed) => {
          const report = await runOne(scenario, seed, 'holdfast');
          expectSettled(report, scenario);
          expect(report.units.oversold, 'holdfast oversold').toBe(0);
          expect(report.orders.cancelled, 'holdfast cancelled a paid order').toBe(0);
          // What holdfast accepts and is paid for, it ships: nothing is promised twice.
          expect(report.orders.fulfilled).toBe(report.orders.paid);
        }),
        { numRuns: 40, ...SHRINK_BUDGET },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'holdfast meets no engine refusal that should never happen (arbitrary small scenarios and seeds)',
    async () => {
      await fc.assert(
        fc.asyncProperty(smallScenarios, seeds, async (scenario, seed) => {
          const report = await runOne(scenario, seed, 'holdfast');
          expect(report.unexpectedRefusals, 'holdfast met an engine refusal that should never happen').toBe(0);
        }),
        { numRuns: 25, ...SHRINK_BUDGET },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'virtual time is deterministic: the same scenario and seed give byte-identical JSON',
    async () => {
      await fc.assert(
        fc.asyncProperty(smallScenarios, seeds, async (scenario, seed) => {
          const first = await runSimulation({ scenario, seed, strategies: ['naive', 'holdfast'], mode: 'virtual' });
          const again = await runSimulation({ scenario, seed, strategies: ['naive', 'holdfast'], mode: 'virtual' });
          expect(JSON.stringify(again)).toBe(JSON.stringify(first));
        }),
        { numRuns: 15, ...SHRINK_BUDGET },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'the naive strategy settles too (same identities; it may oversell)',
    async () => {
      await fc.assert(
        fc.asyncProperty(smallScenarios, seeds, async (scenario, seed) => {
          const report = await runOne(scenario, seed, 'naive');
          expectSettled(report, scenario);
          // Naive carts are not held: nothing lapses, and the order system never refuses.
          expect(report.orders.lapsed).toBe(0);
          expect(report.orders.shed).toBe(0);
        }),
        { numRuns: 25, ...SHRINK_BUDGET },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'naive oversells a scarce SKU once the event lag is ≥ 5× the mean gap between orders; holdfast does not',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 2, max: 20 }),
          fc.integer({ min: 5, max: 30 }),
          seeds,
          async (meanGapMs, lagFactor, seed) => {
            const scenario = scarce(meanGapMs, meanGapMs * lagFactor);
            const naive = await runOne(scenario, seed, 'naive');
            expectSettled(naive, scenario);
            expect(naive.units.oversold).toBeGreaterThan(0);
            expect(naive.orders.cancelled).toBeGreaterThan(0);
            const holdfast = await runOne(scenario, seed, 'holdfast');
            expect(holdfast.units.oversold).toBe(0);
            expect(holdfast.orders.accepted).toBe(20);
          },
        ),
        { numRuns: 30, ...SHRINK_BUDGET },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'naive with instant events (lag 0) never oversells the scarce SKU',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 2, max: 20 }), seeds, async (meanGapMs, seed) => {
          const scenario = scarce(meanGapMs, 0);
          const naive = await runOne(scenario, seed, 'naive');
          expectSettled(naive, scenario);
          expect(naive.units.oversold).toBe(0);
          expect(naive.orders.accepted).toBe(20);
        }),
        { numRuns: 30, ...SHRINK_BUDGET },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
