/**
 * Fidelity: on a small scenario where timing cannot change the outcome, the
 * virtual-time run and the live runs (an embedded engine with worker shards; a real gateway
 * over WebSocket) count the same orders and units. Where stock is scarce, live cannot be compared
 * exactly in general, but it never sells more than the shelves hold. Live runs take real time:
 * each scenario here lasts 1.5 s.
 *
 * From issue 6 §7.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine, startGateway } from '../../dist/engine/index.js';
import { runSimulation } from '../../dist/simulator/run.js';
import type { SimulationResult, StrategyReport } from '../../simulator/model/types.js';
import type { Scenario } from '../../simulator/scenario/schema.js';
import { countsOf, expectSettled, openingUnits, scenarioWith } from './support/helpers.js';

const SEED = 7;
const TOKEN = '6awJg_lc6KRIIA4YvGiY5H72cB-15VRL';

/**
 * ~100 orders in 1.5 s over 10 SKUs with far more stock than they can take, so no checkout can
 * meet a stockout whatever the timing; nobody abandons, every payment succeeds, nothing comes
 * back, no ERP; fixed short delays; two shards.
 */
const AMPLE: Scenario = scenarioWith({
  name: 'fidelity-ample',
  durationMs: 1_500,
  catalogue: { skuCount: 10, prefix: 'FA', stock: { 'WH-1': 500, 'WH-2': 500 }, priceCents: 1_000, hot: null },
  arrivals: { baselinePerSecond: 70, spike: null },
  orders: { linesMin: 1, linesMax: 3, qtyMin: 1, qtyMax: 3 },
  payment: { successRate: 1, delay: { kind: 'fixed', ms: 20 } },
  fulfilment: { delay: { kind: 'fixed', ms: 30 } },
  latency: {
    toEngine: { kind: 'fixed', ms: 1 },
    fromEngine: { kind: 'fixed', ms: 1 },
    events: { kind: 'fixed', ms: 5 },
  },
  engine: { shards: 2, serviceUsPerOp: 7, maxInFlightOpsPerShard: 65_536 },
});

/**
 * The same traffic against 2 SKUs of 15 units each (10 + 5 over two locations), one unit an
 * order: ~50 orders want each SKU, so every unit sells and the rest are stockouts. No hold is ever
 * released (no abandonment, every payment succeeds), so the accepted units are exactly the stock.
 */
const SCARCE: Scenario = scenarioWith({
  ...AMPLE,
  name: 'fidelity-scarce',
  catalogue: { skuCount: 2, prefix: 'FS', stock: { 'WH-1': 10, 'WH-2': 5 }, priceCents: 1_000, hot: null },
  orders: { linesMin: 1, linesMax: 1, qtyMin: 1, qtyMax: 1 },
});

async function run(
  scenario: Scenario,
  mode: 'virtual' | 'live',
  remote?: { url: string; token: string },
): Promise<SimulationResult> {
  return runSimulation({ scenario, seed: SEED, strategies: ['holdfast'], mode, remote: remote ?? null });
}

function only(result: SimulationResult): StrategyReport {
  expect(result.strategies.map((report) => report.strategy)).toEqual(['holdfast']);
  return result.strategies[0];
}

describe('simulator fidelity: virtual time against live', () => {
  let virtualAmple: StrategyReport;
  let virtualScarce: StrategyReport;

  beforeAll(async () => {
    virtualAmple = only(await run(AMPLE, 'virtual'));
    virtualScarce = only(await run(SCARCE, 'virtual'));
  });

  it('the ample scenario is what it claims in virtual time: ~100 orders, all accepted and shipped', () => {
    expectSettled(virtualAmple, AMPLE);
    expect(virtualAmple.orders.offered).toBeGreaterThan(70);
    expect(virtualAmple.orders.offered).toBeLessThan(150);
    expect(virtualAmple.orders.fulfilled).toBe(virtualAmple.orders.offered);
    expect(virtualAmple.units.shipped).toBe(virtualAmple.units.offered);
    expect(virtualAmple.units.offered).toBeLessThan(openingUnits(AMPLE) / 10);
  });

  it('live with an embedded engine (2 worker shards) counts exactly what virtual time counts', async () => {
    const result = await run(AMPLE, 'live');
    expect(result).toMatchObject({ mode: 'live', seed: SEED, engine: { shards: 2, serviceUsPerOp: 0 } });
    const live = only(result);
    expectSettled(live, AMPLE);
    expect(countsOf(live)).toEqual(countsOf(virtualAmple));
    expect(live.orders.stockouts).toBe(0);
    expect(live.orders.shed).toBe(0);
    expect(live.units.oversold).toBe(0);
    expect(live.unexpectedRefusals).toBe(0);
    expect(live.timeline.map((point) => point.tMs)).toEqual(virtualAmple.timeline.map((point) => point.tMs));
    // Real answers take real time: every accepted order has its latency.
    expect(live.acceptanceLatencyMs.count).toBe(live.orders.accepted);
    expect(live.acceptanceLatencyMs.p50).toBeGreaterThanOrEqual(2);
  });

  it('live against a real gateway (`holdfast serve` in process, over WebSocket) counts the same again', async () => {
    const engine = await createEngine({ shards: 2 });
    let reserves = 0;
    // Counts the reserves the gateway passes on: the run really went through the server.
    const counted = new Proxy(engine, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (key === 'reserve')
          return (...args: unknown[]) => {
            reserves++;
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const gateway = await startGateway({ engine: counted, token: TOKEN, port: 0, heartbeatMs: 0 });
    try {
      const remote = only(await run(AMPLE, 'live', { url: gateway.url, token: TOKEN }));
      expectSettled(remote, AMPLE);
      expect(countsOf(remote)).toEqual(countsOf(virtualAmple));
      expect(remote.units.oversold).toBe(0);
      expect(reserves).toBe(remote.orders.offered);
    } finally {
      await gateway.close();
      await engine.close();
    }
  });

  it('scarce stock: live never accepts more units than the shelves hold, and oversells nothing', async () => {
    const stock = openingUnits(SCARCE);
    expect(stock).toBe(30);
    expectSettled(virtualScarce, SCARCE);
    expect(virtualScarce.units.accepted).toBe(stock);
    expect(virtualScarce.orders.stockouts).toBeGreaterThan(30);

    const live = only(await run(SCARCE, 'live'));
    expectSettled(live, SCARCE);
    expect(live.units.accepted).toBeLessThanOrEqual(stock);
    expect(live.units.oversold).toBe(0);
    expect(live.orders.cancelled).toBe(0);
    expect(live.units.shipped).toBe(live.units.accepted);
    // Nothing is ever released here, and every SKU is wanted far beyond its stock: all of it sells, in any order.
    expect(live.units.accepted).toBe(stock);
    expect(live.orders.stockouts).toBe(virtualScarce.orders.stockouts);
  });

  it('live mode runs holdfast only (naive is a model, in virtual time)', async () => {
    await expect(
      runSimulation({ scenario: AMPLE, seed: SEED, strategies: ['naive', 'holdfast'], mode: 'live' }),
    ).rejects.toThrow(/virtual time only/);
  });
});
