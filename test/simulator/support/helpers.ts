/**
 * Shared helpers for the simulator's run tests (issue 6 §7): a small valid scenario to start
 * from, the opening stock a scenario puts on the shelves, and the identities every strategy
 * report must satisfy once a run has settled (the kernel runs until nothing is left to do).
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { LatencyModel } from '../../../simulator/kernel/latency.js';
import type { StrategyReport } from '../../../simulator/model/types.js';
import { parseScenario, type Scenario } from '../../../simulator/scenario/schema.js';

/** A small scenario where nothing can go wrong: ample stock, fixed short delays, no abandonment, returns or ERP. */
export const CALM: Scenario = {
  name: 'calm',
  description: 'test scenario',
  durationMs: 2_000,
  catalogue: { skuCount: 5, prefix: 'T', stock: { 'WH-1': 1_000 }, priceCents: 1_000, hot: null },
  channels: [
    { name: 'web', share: 1 },
    { name: 'app', share: 1 },
    { name: 'marketplace', share: 1 },
  ],
  arrivals: { baselinePerSecond: 50, spike: null },
  orders: { linesMin: 1, linesMax: 2, qtyMin: 1, qtyMax: 2 },
  abandonment: { rate: 0, holdTtlMs: 60_000 },
  payment: { successRate: 1, delay: { kind: 'fixed', ms: 10 } },
  fulfilment: { delay: { kind: 'fixed', ms: 20 } },
  returns: { rate: 0, delay: { kind: 'fixed', ms: 50 }, damagedShare: 0 },
  erp: null,
  latency: {
    toEngine: { kind: 'fixed', ms: 1 },
    fromEngine: { kind: 'fixed', ms: 1 },
    events: { kind: 'fixed', ms: 5 },
  },
  engine: { shards: 2, serviceUsPerOp: 7, maxInFlightOpsPerShard: 65_536 },
};

/** `CALM` with some sections replaced, validated by the scenario schema (a bad test scenario fails loudly). */
export function scenarioWith(changes: Partial<Scenario>): Scenario {
  const parsed = parseScenario({ ...structuredClone(CALM), ...structuredClone(changes) });
  if (!parsed.ok) throw new Error(`test scenario is invalid:\n  ${parsed.problems.join('\n  ')}`);
  return parsed.scenario;
}

/**
 * Units on every shelf when the run opens: the hot SKUs' stock for the first `hot.count`, the rest the ordinary stock.
 */
export function openingUnits(scenario: Scenario): number {
  const { skuCount, stock, hot } = scenario.catalogue;
  const sum = (units: Record<string, number>) => Object.values(units).reduce((total, n) => total + n, 0);
  const hotCount = hot?.count ?? 0;
  return hotCount * (hot === null ? 0 : sum(hot.stock)) + (skuCount - hotCount) * sum(stock);
}

/**
 * What every settled report must satisfy, whichever the strategy: each order offered ends in
 * exactly one outcome, units cannot ship that were never on a shelf, and the derived rates are
 * the ratios of the counts they are made of.
 */
export function expectSettled(report: StrategyReport, scenario: Scenario): void {
  const { orders, units } = report;
  const where = `${report.strategy} report ${JSON.stringify({ orders, units })}`;
  // Checkout: every order is answered once.
  expect(orders.accepted + orders.stockouts + orders.shed, `${where}: offered = accepted + stockouts + shed`).toBe(
    orders.offered,
  );
  // After acceptance: abandoned, payment failed, lapsed (commit refused) or paid, and nothing left open.
  expect(orders.unfinished, `${where}: every accepted order settled before the run ended`).toBe(0);
  expect(
    orders.abandoned + orders.paymentFailed + orders.lapsed + orders.paid,
    `${where}: accepted = abandoned + paymentFailed + lapsed + paid`,
  ).toBe(orders.accepted);
  // A paid order is picked: shipped in full or cancelled for a short shelf.
  expect(orders.fulfilled + orders.cancelled, `${where}: paid = fulfilled + cancelled`).toBe(orders.paid);
  expect(units.oversold > 0, `${where}: oversold units exactly when orders were cancelled`).toBe(orders.cancelled > 0);
  expect(units.accepted).toBeLessThanOrEqual(units.offered);
  expect(units.shipped).toBeLessThanOrEqual(units.accepted);
  expect(
    units.shipped >= orders.fulfilled * scenario.orders.qtyMin,
    `${where}: a fulfilled order ships at least qtyMin`,
  ).toBe(true);
  expect(units.returned, `${where}: returned = restocked + damaged`).toBe(units.restocked + units.damaged);
  expect(units.returned).toBeLessThanOrEqual(units.shipped);
  // The shelf never goes below zero: what shipped was there at the opening or came back sellable.
  expect(units.shipped, `${where}: shipped ≤ opening stock + restocked`).toBeLessThanOrEqual(
    openingUnits(scenario) + units.restocked,
  );
  // Every checkout is answered (accepted, stockout or shed), and each answer's latency recorded.
  expect(report.acceptanceLatencyMs.count, `${where}: one checkout latency per order offered`).toBe(orders.offered);
  // Every received return reaches the books (one reconciliation per returned pick, each ≥ 1 unit).
  expect(report.returnsReconcileMs.count).toBeLessThanOrEqual(units.returned);
  expect(report.returnsReconcileMs.count > 0).toBe(units.returned > 0);
  const ratio = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 1e6) / 1e6);
  expect(report.stockoutRate).toBe(ratio(orders.stockouts + orders.cancelled, orders.offered));
  expect(report.fulfilmentExceptionRate).toBe(ratio(orders.cancelled, orders.fulfilled + orders.cancelled));
  expect(report.queueDepthMax).toBeGreaterThanOrEqual(0);
  for (const point of report.timeline) {
    expect(point.accuracy).toBeGreaterThanOrEqual(0);
    expect(point.accuracy).toBeLessThanOrEqual(1);
    expect(point.sellableUnits).toBeGreaterThanOrEqual(0);
  }
}

/** The counts a run's outcome is made of (what fidelity compares across modes). */
export function countsOf(report: StrategyReport) {
  const { orders, units } = report;
  return {
    orders: { ...orders },
    units: {
      offered: units.offered,
      accepted: units.accepted,
      shipped: units.shipped,
      oversold: units.oversold,
      returned: units.returned,
    },
    unexpectedRefusals: report.unexpectedRefusals,
  };
}

// ---- arbitrary scenarios (fast-check) ----

const LOCATIONS = ['WH-1', 'WH-2', 'STORE-1'];

/** ms in [0, max] on a 0.01 ms grid (whole µs once sampled). */
const ms = (max: number) => fc.integer({ min: 0, max: max * 100 }).map((n) => n / 100);

/** A latency model of any kind, up to about `scaleMs` (lognormal tails reach far beyond their p50). */
function latency(scaleMs: number): fc.Arbitrary<LatencyModel> {
  return fc.oneof(
    ms(scaleMs).map((value) => ({ kind: 'fixed' as const, ms: value })),
    fc
      .tuple(ms(scaleMs), ms(scaleMs))
      .map(([a, b]) => ({ kind: 'uniform' as const, minMs: Math.min(a, b), maxMs: Math.max(a, b) })),
    ms(scaleMs).map((mean) => ({ kind: 'exponential' as const, meanMs: mean })),
    fc
      .tuple(fc.integer({ min: 1, max: scaleMs * 100 }), fc.integer({ min: 1, max: 50 }))
      .map(([p50, tail]) => ({ kind: 'lognormal' as const, p50Ms: p50 / 100, p99Ms: (p50 / 100) * tail })),
  );
}

/** Units per location over 1–3 locations, 0–50 each. */
const stock = fc
  .subarray(LOCATIONS, { minLength: 1 })
  .chain((locations) =>
    fc
      .tuple(...locations.map(() => fc.integer({ min: 0, max: 50 })))
      .map((units) => Object.fromEntries(locations.map((location, i) => [location, units[i]]))),
  );

/** Small scenarios: a few hundred orders at most, every mechanism the model has switched on at random. */
export const smallScenarios: fc.Arbitrary<Scenario> = fc
  .record({
    durationMs: fc.integer({ min: 200, max: 2_500 }),
    skuCount: fc.integer({ min: 1, max: 20 }),
    stock,
    hot: fc.option(
      fc.record({
        count: fc.integer({ min: 1, max: 20 }),
        stock,
        lineShare: fc.double({ min: 0, max: 1, noNaN: true }),
      }),
      { nil: null },
    ),
    baselinePerSecond: fc.integer({ min: 0, max: 150 }),
    spike: fc.option(
      fc.record({
        atMs: fc.integer({ min: 0, max: 2_000 }),
        rampMs: fc.integer({ min: 1, max: 800 }),
        peakPerSecond: fc.integer({ min: 0, max: 400 }),
        holdMs: fc.integer({ min: 0, max: 600 }),
      }),
      { nil: null },
    ),
    lines: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2 })),
    qty: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2 })),
    abandonRate: fc.constantFrom(0, 0.1, 0.5, 1),
    holdTtlMs: fc.integer({ min: 1, max: 3_000 }),
    paymentSuccess: fc.constantFrom(0, 0.5, 0.9, 1),
    paymentDelay: latency(400),
    fulfilmentDelay: latency(400),
    returnRate: fc.constantFrom(0, 0.2, 0.6, 1),
    returnDelay: latency(600),
    damagedShare: fc.constantFrom(0, 0.3, 1),
    erp: fc.option(
      fc.record({ intervalMs: fc.integer({ min: 20, max: 800 }), lagMs: fc.integer({ min: 0, max: 400 }) }),
      { nil: null },
    ),
    toEngine: latency(10),
    fromEngine: latency(10),
    events: latency(100),
    shards: fc.integer({ min: 0, max: 4 }),
    serviceUsPerOp: fc.constantFrom(0, 1, 7, 50, 400),
    maxInFlightOpsPerShard: fc.constantFrom(1, 2, 4, 16, 65_536),
  })
  .map((d) =>
    scenarioWith({
      name: 'property',
      durationMs: d.durationMs,
      catalogue: {
        skuCount: d.skuCount,
        prefix: 'P',
        stock: d.stock,
        priceCents: 1_000,
        hot:
          d.hot === null
            ? null
            : {
                count: Math.min(d.hot.count, d.skuCount),
                stock: d.hot.stock,
                priceCents: 5_000,
                lineShare: d.hot.lineShare,
              },
      },
      arrivals: { baselinePerSecond: d.baselinePerSecond, spike: d.spike },
      orders: {
        linesMin: d.lines[0],
        linesMax: d.lines[0] + d.lines[1],
        qtyMin: d.qty[0],
        qtyMax: d.qty[0] + d.qty[1],
      },
      abandonment: { rate: d.abandonRate, holdTtlMs: d.holdTtlMs },
      payment: { successRate: d.paymentSuccess, delay: d.paymentDelay },
      fulfilment: { delay: d.fulfilmentDelay },
      returns: { rate: d.returnRate, delay: d.returnDelay, damagedShare: d.damagedShare },
      erp: d.erp,
      latency: { toEngine: d.toEngine, fromEngine: d.fromEngine, events: d.events },
      engine: { shards: d.shards, serviceUsPerOp: d.serviceUsPerOp, maxInFlightOpsPerShard: d.maxInFlightOpsPerShard },
    }),
  );
