/**
 * The simulator's runs in virtual time: determinism on shortened built-ins, the
 * naive strategy's oversell against holdfast's none on one scarce SKU, the cases the properties
 * found, and the model's pieces on their own (the shelf, the shard queues, the event queues,
 * the customers drawn from a seed and the arrival volume).
 *
 * From issue 6 §7.
 */
import { describe, expect, it } from 'vitest';
import { shardOfSku } from '../../engine/router/hash.js';
import { Kernel } from '../../simulator/kernel/kernel.js';
import { Random } from '../../simulator/kernel/random.js';
import { buildCatalogue } from '../../simulator/model/catalogue.js';
import { EventQueue, LAG_REDRAW_US } from '../../simulator/model/event-queue.js';
import { ShardModel } from '../../simulator/model/shard-model.js';
import { Shelf } from '../../simulator/model/shelf.js';
import { orders, type Order } from '../../simulator/model/traffic.js';
import type { StrategyName, StrategyReport } from '../../simulator/model/types.js';
import { runSimulation } from '../../simulator/run.js';
import { arrivalTimesMs } from '../../simulator/scenario/arrivals.js';
import { BUILT_IN_SCENARIOS } from '../../simulator/scenario/builtins.js';
import { withOverrides } from '../../simulator/scenario/load-scenario.js';
import type { Scenario } from '../../simulator/scenario/schema.js';
import { expectSettled, scenarioWith } from './support/helpers.js';

async function virtual(scenario: Scenario, seed: number, strategies: StrategyName[] = ['naive', 'holdfast']) {
  return runSimulation({ scenario, seed, strategies, mode: 'virtual' });
}

async function holdfast(scenario: Scenario, seed: number): Promise<StrategyReport> {
  return (await virtual(scenario, seed, ['holdfast'])).strategies[0];
}

/** One scarce SKU (20 units) wanted one unit at a time, every `meanGapMs` on average, from three channels. */
function scarce(meanGapMs: number, lagMs: number): Scenario {
  return scenarioWith({
    name: 'scarce',
    durationMs: meanGapMs * 100,
    catalogue: { skuCount: 1, prefix: 'S', stock: { 'WH-1': 20 }, priceCents: 1_000, hot: null },
    arrivals: { baselinePerSecond: 1000 / meanGapMs, spike: null },
    orders: { linesMin: 1, linesMax: 1, qtyMin: 1, qtyMax: 1 },
    latency: {
      toEngine: { kind: 'fixed', ms: 1 },
      fromEngine: { kind: 'fixed', ms: 1 },
      events: { kind: 'fixed', ms: lagMs },
    },
  });
}

describe('simulation runs (virtual time)', () => {
  /** Shortened built-ins (≈ 0.2–0.7 s a run): the flash sale's spike and the ERP's count both fall inside. */
  const SHORTENED: [string, Scenario][] = [
    ['flash-sale', withOverrides(BUILT_IN_SCENARIOS['flash-sale'], { durationMs: 40_000, rateScale: 0.02 })],
    ['erp-batch', withOverrides(BUILT_IN_SCENARIOS['erp-batch'], { durationMs: 310_000, rateScale: 0.02 })],
  ];

  it.each(SHORTENED)(
    '%s: the same seed gives byte-identical JSON, another seed another result',
    async (_, scenario) => {
      const first = await virtual(scenario, 11);
      const again = await virtual(scenario, 11);
      expect(JSON.stringify(again)).toBe(JSON.stringify(first));
      const other = await virtual(scenario, 12);
      expect(JSON.stringify(other)).not.toBe(JSON.stringify(first));
      expect(other.strategies[0].orders.offered).not.toBe(first.strategies[0].orders.offered);

      expect(first).toMatchObject({
        scenario: scenario.name,
        seed: 11,
        mode: 'virtual',
        durationMs: scenario.durationMs,
        engine: scenario.engine,
      });
      expect(first.strategies.map((report) => report.strategy)).toEqual(['naive', 'holdfast']);
      const [naive, held] = first.strategies;
      // The same seed gives both strategies the same customers.
      expect(held.orders.offered).toBe(naive.orders.offered);
      expect(held.units.offered).toBe(naive.units.offered);
      expect(naive.orders.offered).toBeGreaterThan(100);
      for (const report of first.strategies) expectSettled(report, scenario);
      expect(held.units.oversold).toBe(0);
      // A timeline point every durationMs / 180 (at least 100 ms), from 0 to the end.
      const interval = Math.max(100, Math.round(scenario.durationMs / 180));
      expect(held.timeline.map((point) => point.tMs)).toEqual(
        Array.from({ length: Math.floor(scenario.durationMs / interval) + 1 }, (__, i) => i * interval),
      );
    },
  );

  it(
    'the ERP count reaches the books in the shortened ' + 'erp-batch (naive drifts from the shelf, holdfast does not)',
    async () => {
      const scenario = SHORTENED[1][1];
      const [naive, held] = (await virtual(scenario, 11)).strategies;
      // Naive books returns before inspection and overwrites on-hand with a count 90 s old; holdfast's records lag the
      // shelf by a hop at most.
      expect(naive.inventoryAccuracy).toBeLessThan(held.inventoryAccuracy);
      expect(held.inventoryAccuracy).toBeGreaterThan(0.99);
    },
  );

  describe('naive oversells once its event lag outruns the gap between orders; holdfast never', () => {
    it('lag 0.1 ms ≪ 10 ms between orders: neither oversells, all 20 units sell', async () => {
      const scenario = scarce(10, 0.1);
      const [naive, held] = (await virtual(scenario, 5)).strategies;
      for (const report of [naive, held]) {
        expectSettled(report, scenario);
        expect(report.units.oversold).toBe(0);
        expect(report.orders.cancelled).toBe(0);
        expect(report.units.shipped).toBe(20);
      }
      expect(naive.orders.offered).toBeGreaterThan(60);
    });

    it(
      'lag 200 ms ≫ 10 ms between orders: naive accepts ' + 'more than the shelf holds and cancels at the pick',
      async () => {
        const scenario = scarce(10, 200);
        const [naive, held] = (await virtual(scenario, 5)).strategies;
        expectSettled(naive, scenario);
        expect(naive.orders.accepted).toBeGreaterThan(20);
        expect(naive.units.oversold).toBeGreaterThan(0);
        expect(naive.orders.cancelled).toBeGreaterThan(0);
        // What shipped is exactly the shelf; the rest of what was paid for is the oversell.
        expect(naive.units.shipped).toBe(20);
        expect(naive.units.oversold).toBe(naive.orders.paid - 20);
        expect(naive.fulfilmentExceptionRate).toBeGreaterThan(0);
        expectSettled(held, scenario);
        expect(held.units.oversold).toBe(0);
        expect(held.orders.accepted).toBe(20);
        expect(held.units.shipped).toBe(20);
      },
    );
  });

  describe('holdfast: cases the properties found (each should hold; see the report for the failing ones)', () => {
    /** One SKU of 30 units sold one at a time at 100 orders/s, counted every 10 ms and delivered 3 ms later. */
    function counted(hopMs: number, returnRate: number): Scenario {
      return scenarioWith({
        name: 'counted',
        durationMs: 3_000,
        catalogue: { skuCount: 1, prefix: 'E', stock: { 'WH-1': 30 }, priceCents: 1_000, hot: null },
        arrivals: { baselinePerSecond: 100, spike: null },
        orders: { linesMin: 1, linesMax: 1, qtyMin: 1, qtyMax: 1 },
        fulfilment: { delay: { kind: 'fixed', ms: 5 } },
        returns: { rate: returnRate, delay: { kind: 'exponential', meanMs: 30 }, damagedShare: 0 },
        erp: { intervalMs: 10, lagMs: 3 },
        latency: {
          toEngine: { kind: 'fixed', ms: hopMs },
          fromEngine: { kind: 'fixed', ms: hopMs },
          events: { kind: 'fixed', ms: 5 },
        },
        engine: { shards: 0, serviceUsPerOp: 0, maxInFlightOpsPerShard: 65_536 },
      });
    }

    it('never oversells when an ERP count is taken while a sellable return is on its way to the engine', async () => {
      const scenario = counted(20, 0.5);
      const report = await holdfast(scenario, 1);
      expectSettled(report, scenario);
      expect(report.units.returned).toBeGreaterThan(0);
      expect(report.units.oversold).toBe(0);
    });

    it('never oversells when an ERP count is taken while fulfilments are on their way to the engine', async () => {
      const scenario = counted(5, 0);
      const report = await holdfast(scenario, 2);
      expectSettled(report, scenario);
      expect(report.units.oversold).toBe(0);
    });

    it('a payment that fails after the hold expired is not an unexpected refusal', async () => {
      const scenario = scenarioWith({
        durationMs: 1_000,
        abandonment: { rate: 0, holdTtlMs: 50 },
        payment: { successRate: 0, delay: { kind: 'fixed', ms: 2_000 } },
        engine: { shards: 0, serviceUsPerOp: 0, maxInFlightOpsPerShard: 65_536 },
      });
      const report = await holdfast(scenario, 1);
      expectSettled(report, scenario);
      expect(report.orders.paymentFailed).toBe(report.orders.accepted);
      expect(report.unexpectedRefusals).toBe(0);
    });

    it('a payment after the hold expired lapses (commit refused), and that is no fault', async () => {
      for (const paymentMs of [300, 2_000]) {
        const scenario = scenarioWith({
          durationMs: 1_000,
          abandonment: { rate: 0, holdTtlMs: 50 },
          payment: { successRate: 1, delay: { kind: 'fixed', ms: paymentMs } },
        });
        const report = await holdfast(scenario, 1);
        expectSettled(report, scenario);
        expect(report.orders.lapsed).toBe(report.orders.accepted);
        expect(report.orders.paid).toBe(0);
        expect(report.unexpectedRefusals).toBe(0);
      }
    });

    /**
     * One slow shard (2 ms an operation) that holds at most 2: at 200 orders/s it sheds. Holds live 60 s, payment takes
     * 10 ms.
     */
    const shedding = () =>
      scenarioWith({
        durationMs: 1_000,
        arrivals: { baselinePerSecond: 200, spike: null },
        engine: { shards: 1, serviceUsPerOp: 2_000, maxInFlightOpsPerShard: 2 },
      });

    it('with shards shedding load, checkouts are shed and nothing oversells', async () => {
      const report = await holdfast(shedding(), 1);
      expectSettled(report, shedding());
      expect(report.orders.shed).toBeGreaterThan(0);
      expect(report.units.oversold).toBe(0);
      expect(report.orders.cancelled).toBe(0);
    });

    it('with shards shedding load, no hold is reported lapsed when none can have passed its TTL', async () => {
      const report = await holdfast(shedding(), 1);
      expect(report.orders.lapsed).toBe(0);
    });

    it('with shards shedding load, no refusal is reported unexpected (shedding is expected under load)', async () => {
      const report = await holdfast(shedding(), 1);
      expect(report.unexpectedRefusals).toBe(0);
    });
  });
});

describe('the settled-report check itself', () => {
  it('rejects a report that breaks any identity (so the properties cannot pass vacuously)', async () => {
    const scenario = scenarioWith({
      durationMs: 1_000,
      returns: { rate: 0.5, delay: { kind: 'fixed', ms: 5 }, damagedShare: 0.5 },
    });
    const report = await holdfast(scenario, 3);
    expectSettled(report, scenario);
    expect(report.units.returned).toBeGreaterThan(0);
    const broken: ((r: StrategyReport) => void)[] = [
      (r) => {
        r.orders.offered++;
      },
      (r) => {
        r.orders.paid++;
      },
      (r) => {
        r.orders.fulfilled--;
      },
      (r) => {
        r.units.oversold = 1;
      },
      (r) => {
        r.units.shipped = r.units.accepted + 1;
      },
      (r) => {
        r.units.restocked++;
      },
      (r) => {
        r.units.shipped += 10 * scenario.catalogue.skuCount * 1_000;
        r.units.accepted = r.units.shipped;
        r.units.offered = r.units.shipped;
      },
      (r) => {
        r.acceptanceLatencyMs.count--;
      },
      (r) => {
        r.stockoutRate += 0.1;
      },
    ];
    for (const breakIt of broken) {
      const copy = structuredClone(report);
      breakIt(copy);
      expect(() => expectSettled(copy, scenario), breakIt.toString()).toThrow();
    }
  });
});

describe('the model’s pieces', () => {
  describe('Shelf: the physical truth', () => {
    // Two SKUs × locations A (5 units each) and B (none): positions 0 (S0@A), 1 (S0@B), 2 (S1@A), 3 (S1@B).
    const catalogue = buildCatalogue({ skuCount: 2, prefix: 'S', stock: { A: 5, B: 0 }, priceCents: 100, hot: null });

    it('opens with the catalogue’s stock, every record right, and counts only stocked positions', () => {
      const shelf = new Shelf(catalogue);
      expect([0, 1, 2, 3].map((position) => shelf.unitsAt(position))).toEqual([5, 0, 5, 0]);
      expect(shelf.sellableUnits()).toBe(10);
      expect(shelf.accuracy()).toBe(1);
      expect(shelf.count()).toEqual([
        { position: 0, skuIndex: 0, locationIndex: 0, units: 5 },
        { position: 2, skuIndex: 1, locationIndex: 0, units: 5 },
      ]);
    });

    it('take ships only what is there; accuracy follows the records against the shelf', () => {
      const shelf = new Shelf(catalogue);
      expect(shelf.take(0, 0, 6)).toBe(false);
      expect(shelf.unitsAt(0)).toBe(5);
      expect(shelf.take(0, 0, 2)).toBe(true);
      expect(shelf.unitsAt(0)).toBe(3);
      expect(shelf.sellableUnits()).toBe(8);
      expect(shelf.accuracy()).toBe(0.5);
      shelf.record(0, 3);
      expect(shelf.accuracy()).toBe(1);
      shelf.record(2, 4);
      expect(shelf.accuracy()).toBe(0.5);
      shelf.record(0, 2);
      expect(shelf.accuracy()).toBe(0);
      // The shelf catching up with a record counts as much as the record catching up with the shelf.
      expect(shelf.take(0, 0, 1)).toBe(true);
      expect(shelf.accuracy()).toBe(0.5);
      shelf.put(1, 2, 1);
      expect(shelf.unitsAt(2)).toBe(6);
      expect(shelf.accuracy()).toBe(0.5);
      shelf.record(2, 6);
      expect(shelf.accuracy()).toBe(1);
      // An unstocked position is not tracked: neither its record nor its units move the accuracy.
      shelf.record(1, 7);
      shelf.put(0, 1, 3);
      expect(shelf.accuracy()).toBe(1);
      expect(shelf.count().map((count) => count.units)).toEqual([2, 6]);
    });

    it('sellable units are the shelf minus what paid orders were promised, never below 0 per SKU', () => {
      const shelf = new Shelf(catalogue);
      shelf.promise(1, 4);
      expect(shelf.sellableUnits()).toBe(6);
      shelf.promise(1, 3);
      expect(shelf.sellableUnits()).toBe(5);
      shelf.promise(1, -7);
      expect(shelf.sellableUnits()).toBe(10);
      shelf.put(0, 1, 2);
      expect(shelf.sellableUnits()).toBe(12);
      shelf.promise(0, 12);
      expect(shelf.sellableUnits()).toBe(5);
      expect(() => shelf.promise(1, -1)).toThrow(/unpromised/);
      expect(() => shelf.put(0, 0, -6)).toThrow(/below zero/);
    });
  });

  describe('ShardModel: FIFO shards with an in-flight limit', () => {
    it('serves each shard in order, one service time per operation, and sheds beyond the limit', () => {
      const model = new ShardModel(2, 10, 3);
      const one = (shard: number) => new Map([[shard, 1]]);
      expect(model.admit(one(0), 0)).toEqual({ doneUs: 10 });
      expect(model.admit(one(0), 0)).toEqual({ doneUs: 20 });
      expect(model.admit(one(0), 0)).toEqual({ doneUs: 30 });
      expect(model.depthAt(0)).toBe(3);
      expect(model.admit(one(0), 0)).toEqual({ fullShard: 0 });
      expect(model.depthAt(0)).toBe(3);
      // The other shard is its own queue.
      expect(model.admit(one(1), 0)).toEqual({ doneUs: 10 });
      expect(model.depthAt(0)).toBe(4);
      // Served operations leave the queue: at 15 µs shard 0 has the ones done at 20 and 30 left.
      expect(model.depthAt(15)).toBe(2);
      expect(model.admit(one(0), 15)).toEqual({ doneUs: 40 });
      expect(model.deepestQueue).toBe(3);
      expect(model.depthAt(40)).toBe(0);
      // An idle shard starts serving on arrival, not where it last stopped.
      expect(model.admit(one(0), 1_000)).toEqual({ doneUs: 1_010 });
    });

    it('an operation over several shards waits for the slowest, and is refused whole when one is full', () => {
      const model = new ShardModel(2, 10, 2);
      expect(
        model.admit(
          new Map([
            [0, 1],
            [1, 2],
          ]),
          0,
        ),
      ).toEqual({ doneUs: 20 });
      expect(model.depthAt(0)).toBe(3);
      expect(
        model.admit(
          new Map([
            [0, 1],
            [1, 1],
          ]),
          0,
        ),
      ).toEqual({ fullShard: 1 });
      // Nothing was queued on shard 0 for the refused operation.
      expect(model.admit(new Map([[0, 1]]), 0)).toEqual({ doneUs: 20 });
      // An empty queue takes a batch larger than the limit (a batch of counts must get through)…
      expect(model.admit(new Map([[0, 3]]), 100)).toEqual({ doneUs: 130 });
      // …and then nothing more until it drains.
      expect(model.admit(new Map([[0, 1]]), 100)).toEqual({ fullShard: 0 });
    });

    it('maps a SKU to the engine’s shard, and needs a shard and a service time', () => {
      const model = new ShardModel(4, 7, 10);
      for (const sku of ['SKU-00000', 'SKU-00001', 'x', 'ünïcode']) expect(model.shardOf(sku)).toBe(shardOfSku(sku, 4));
      expect(new Set(Array.from({ length: 64 }, (_, i) => model.shardOf(`S-${i}`))).size).toBe(4);
      expect(() => new ShardModel(0, 7, 10)).toThrow();
      expect(() => new ShardModel(1, 0, 10)).toThrow();
    });
  });

  describe('EventQueue: lagging, in order', () => {
    it(
      'keeps one lag for a second at a time, and never lets a ' +
        'message overtake the one before it when the lag drops',
      async () => {
        const kernel = new Kernel();
        const queue = new EventQueue(kernel, new Random(3), { kind: 'exponential', meanMs: 100 });
        const sent: number[] = [];
        const promised: number[] = [];
        const delivered: { index: number; atUs: number }[] = [];
        const count = 6_000; // one message a millisecond for 6 s: six lag draws
        for (let index = 0; index < count; index++) {
          kernel.at(index * 1_000, () => {
            sent.push(kernel.timeUs);
            promised.push(queue.send(() => delivered.push({ index, atUs: kernel.timeUs })));
          });
        }
        await kernel.run();
        expect(delivered.map((d) => d.index)).toEqual(Array.from({ length: count }, (_, i) => i));
        expect(delivered.map((d) => d.atUs)).toEqual(promised);
        const lags = delivered.map((d, i) => d.atUs - sent[i]);
        delivered.forEach((d, i) => {
          expect(lags[i]).toBeGreaterThanOrEqual(0);
          if (i > 0) expect(d.atUs).toBeGreaterThanOrEqual(delivered[i - 1].atUs);
        });
        // Within each second the lag is one draw: the messages sent after the first of a window
        // keep its lag unless held back.
        const windows = Array.from({ length: count / 1_000 }, (_, w) => lags.slice(w * 1_000, (w + 1) * 1_000));
        for (const window of windows) expect(window[window.length - 1]).toBe(Math.min(...window));
        expect(new Set(windows.map((window) => window[window.length - 1])).size).toBe(windows.length);
        expect(LAG_REDRAW_US).toBe(1_000_000);
        // Where a fresh draw is shorter than the last, the first messages of the window wait for the ones before (same
        // instant).
        const heldBack = delivered.filter((d, i) => i > 0 && d.atUs === delivered[i - 1].atUs).length;
        expect(heldBack).toBeGreaterThan(0);
        expect(queue.depth).toBe(0);
      },
    );

    it('a fixed lag delivers exactly that late, and depth counts what is in flight', async () => {
      const kernel = new Kernel();
      const queue = new EventQueue(kernel, new Random(1), { kind: 'fixed', ms: 2.5 });
      const seen: number[] = [];
      expect(queue.send(() => seen.push(kernel.timeUs))).toBe(2_500);
      expect(queue.send(() => seen.push(kernel.timeUs))).toBe(2_500);
      expect(queue.depth).toBe(2);
      kernel.at(1_000, () => {
        expect(queue.depth).toBe(2);
        queue.send(() => seen.push(kernel.timeUs));
      });
      kernel.at(2_600, () => expect(queue.depth).toBe(1));
      await kernel.run();
      expect(seen).toEqual([2_500, 2_500, 3_500]);
      expect(queue.depth).toBe(0);
    });
  });

  describe('traffic: the customers a seed draws', () => {
    const base = scenarioWith({
      durationMs: 10_000,
      catalogue: {
        skuCount: 100,
        prefix: 'C',
        stock: { 'WH-1': 10 },
        priceCents: 1_000,
        hot: { count: 5, stock: { 'WH-1': 3 }, priceCents: 9_000, lineShare: 0.7 },
      },
      channels: [
        { name: 'web', share: 5 },
        { name: 'app', share: 3 },
        { name: 'store', share: 0 },
        { name: 'marketplace', share: 2 },
      ],
      arrivals: { baselinePerSecond: 1_000, spike: null },
      orders: { linesMin: 1, linesMax: 1, qtyMin: 1, qtyMax: 3 },
      abandonment: { rate: 0.25, holdTtlMs: 60_000 },
      payment: { successRate: 0.9, delay: { kind: 'fixed', ms: 10 } },
      returns: { rate: 0.1, delay: { kind: 'fixed', ms: 50 }, damagedShare: 0.4 },
    });
    const catalogue = buildCatalogue(base.catalogue);
    const draw = (scenario: Scenario, seed: number): Order[] => [
      ...orders(scenario, buildCatalogue(scenario.catalogue), new Random(seed)),
    ];
    const share = (items: Order[], test: (order: Order) => boolean) => items.filter(test).length / items.length;

    it('the same seed draws the same customers; another seed others', () => {
      const first = draw(base, 42);
      expect(draw(base, 42)).toEqual(first);
      expect(draw(base, 43)).not.toEqual(first);
    });

    it(
      'over ~10k orders the channel shares, the hot line share ' + 'and every customer rate are what the scenario says',
      () => {
        const drawn = draw(base, 42);
        expect(drawn.length).toBeGreaterThan(9_500);
        expect(drawn.length).toBeLessThan(10_500);
        // Binomial at n ≈ 10,000: a standard deviation ≤ 0.005, so ±0.02 is four of them (and the seed is fixed).
        expect(share(drawn, (o) => o.channel === 'web')).toBeCloseTo(0.5, 1);
        expect(Math.abs(share(drawn, (o) => o.channel === 'web') - 0.5)).toBeLessThan(0.02);
        expect(Math.abs(share(drawn, (o) => o.channel === 'app') - 0.3)).toBeLessThan(0.02);
        expect(Math.abs(share(drawn, (o) => o.channel === 'marketplace') - 0.2)).toBeLessThan(0.02);
        expect(drawn.some((o) => o.channel === 'store')).toBe(false);
        expect(Math.abs(share(drawn, (o) => o.lines[0].sku.hot) - 0.7)).toBeLessThan(0.02);
        expect(Math.abs(share(drawn, (o) => o.abandons) - 0.25)).toBeLessThan(0.02);
        expect(Math.abs(share(drawn, (o) => o.paymentSucceeds) - 0.9)).toBeLessThan(0.02);
        expect(Math.abs(share(drawn, (o) => o.returns.length > 0) - 0.1)).toBeLessThan(0.02);
        const returns = drawn.flatMap((o) => o.returns);
        expect(Math.abs(returns.filter((r) => r.damaged).length / returns.length - 0.4)).toBeLessThan(0.05);
        // Every hot SKU is wanted, none much more than another (5 SKUs, ~1,400 lines each).
        const perHot = catalogue.hotSkus.map((sku) => drawn.filter((o) => o.lines[0].sku.sku === sku.sku).length);
        for (const count of perHot) expect(Math.abs(count / (drawn.length * 0.7) - 0.2)).toBeLessThan(0.03);
      },
    );

    it(
      'each order is consistent: ids in sequence, arrivals in order ' +
        'within the run, distinct SKUs, value and units from its lines',
      () => {
        const scenario = scenarioWith({
          ...base,
          durationMs: 2_000,
          orders: { linesMin: 2, linesMax: 5, qtyMin: 2, qtyMax: 4 },
        });
        const drawn = draw(scenario, 7);
        expect(drawn.length).toBeGreaterThan(1_500);
        drawn.forEach((order, index) => {
          expect(order.index).toBe(index);
          expect(order.id).toBe(`o${index}`);
          expect(order.arrivalMs).toBeGreaterThanOrEqual(index === 0 ? 0 : drawn[index - 1].arrivalMs);
          expect(order.arrivalMs).toBeLessThan(scenario.durationMs);
          // A SKU drawn twice adds to its line: lines can be fewer than linesMin, never more than linesMax.
          expect(order.lines.length).toBeGreaterThanOrEqual(1);
          expect(order.lines.length).toBeLessThanOrEqual(5);
          expect(new Set(order.lines.map((line) => line.sku.sku)).size).toBe(order.lines.length);
          expect(order.units).toBe(order.lines.reduce((sum, line) => sum + line.qty, 0));
          expect(order.units).toBeGreaterThanOrEqual(2 * 2);
          expect(order.units).toBeLessThanOrEqual(5 * 4);
          expect(order.valueCents).toBe(
            order.lines.reduce((sum, line) => sum + line.qty * (line.sku.hot ? 9_000 : 1_000), 0),
          );
          for (const plan of order.returns) expect(plan.line).toBeLessThan(order.lines.length);
        });
        expect(drawn.some((order) => order.lines.length < 2)).toBe(true);
      },
    );

    it('a hot line share of 0 never draws a hot SKU, and a catalogue of hot SKUs only always does', () => {
      const never = draw(
        scenarioWith({
          ...base,
          durationMs: 1_000,
          catalogue: { ...base.catalogue, hot: { ...base.catalogue.hot!, lineShare: 0 } },
        }),
        1,
      );
      expect(never.some((o) => o.lines.some((line) => line.sku.hot))).toBe(false);
      const allHot = draw(
        scenarioWith({
          ...base,
          durationMs: 1_000,
          catalogue: { ...base.catalogue, skuCount: 5, hot: { ...base.catalogue.hot!, lineShare: 0 } },
        }),
        1,
      );
      expect(allHot.every((o) => o.lines.every((line) => line.sku.hot))).toBe(true);
    });
  });

  describe('arrivals: the volume the rate says', () => {
    it('the count of a constant-rate process is rate × duration within Poisson bounds, seed after seed', () => {
      const arrivals = { baselinePerSecond: 100, spike: null };
      const expected = 100 * 20; // 20 s at 100/s
      const sd = Math.sqrt(expected);
      const counts = Array.from(
        { length: 30 },
        (_, seed) => [...arrivalTimesMs(arrivals, 20_000, new Random(seed))].length,
      );
      for (const count of counts) expect(Math.abs(count - expected)).toBeLessThan(5 * sd);
      const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
      expect(Math.abs(mean - expected)).toBeLessThan((4 * sd) / Math.sqrt(counts.length));
      // Not a fixed grid: the counts vary from seed to seed as a Poisson count does.
      const variance = counts.reduce((sum, count) => sum + (count - mean) ** 2, 0) / (counts.length - 1);
      expect(variance).toBeGreaterThan(expected / 3);
      expect(variance).toBeLessThan(expected * 3);
      expect([...arrivalTimesMs({ baselinePerSecond: 0, spike: null }, 20_000, new Random(1))]).toEqual([]);
    });

    it('a run offers as many orders as its arrivals (end to end, both strategies)', async () => {
      const scenario = scenarioWith({ durationMs: 4_000, arrivals: { baselinePerSecond: 150, spike: null } });
      const expected = 150 * 4;
      const result = await virtual(scenario, 99);
      for (const report of result.strategies)
        expect(Math.abs(report.orders.offered - expected)).toBeLessThan(5 * Math.sqrt(expected));
      expect(result.strategies[0].orders.offered).toBe(
        [...arrivalTimesMs(scenario.arrivals, scenario.durationMs, trafficArrivalStream(99))].length,
      );
    });
  });
});

/**
 * The random stream the run's arrivals come from: streamsOf(seed).traffic, then its first
 * fork (orders() forks the arrivals off the traffic stream before drawing anything else).
 */
function trafficArrivalStream(seed: number): Random {
  const root = new Random(seed);
  const traffic = root.fork();
  return traffic.fork();
}
