/**
 * allowSplit: a line that names no location may be served from
 * several locations, in the strategy's order, only when no single location can serve it whole.
 * Unit cases on shards 0 and 2; a brute-force property for fewest-splits + allowSplit (shards 0).
 *
 * From issue 3 spec, "allowSplit".
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEngine, type EngineOptions, type ReservationLine, type StrategyName } from '../../dist/engine/index.js';
import {
  assertInvariants,
  engineFactory,
  expectOk,
  expectRefused,
  snapshot,
  type Engine,
} from '../engine/support/helpers.js';

const TTL = 60_000;
const COSTS = { A: { north: 3 }, B: { north: 1 }, C: { north: 2 } };

/** Units per request line index: the reservation lines serving it, summed. */
function unitsByLine(lines: readonly ReservationLine[]): number[] {
  const sums: number[] = [];
  for (const line of lines) sums[line.line] = (sums[line.line] ?? 0) + line.qty;
  return sums;
}

const placement = (lines: readonly ReservationLine[]) => lines.map((line) => [line.line, line.location, line.qty]);

describe.each([0, 2])('allowSplit (shards %i)', (shards) => {
  const make = engineFactory();

  /** SKU 'S' with A: 3, B: 4, C: 5 (12 units); SKU 'T' with 10 at A. */
  async function stocked(options: EngineOptions = {}): Promise<Engine> {
    const engine = await make({
      shards,
      locationOrder: ['A', 'B', 'C'],
      locationCosts: COSTS,
      expirySweepIntervalMs: 0,
      ...options,
    });
    for (const [location, qty] of [
      ['A', 3],
      ['B', 4],
      ['C', 5],
    ] as const)
      expectOk(await engine.receive({ sku: 'S', location, qty }));
    expectOk(await engine.receive({ sku: 'T', location: 'A', qty: 10 }));
    return engine;
  }

  it('does not split when one location can serve the line: same placement as without allowSplit', async () => {
    const engine = await stocked();
    const split = expectOk(
      await engine.reserve({ id: 's1', channel: 'web', ttlMs: TTL, lines: [{ sku: 'S', qty: 4 }], allowSplit: true }),
    );
    expect(split.reservation.lines).toEqual([
      { line: 0, sku: 'S', location: 'B', qty: 4, fulfilled: 0, backordered: 0 },
    ]);
    expect(split.reservation.backordered).toBe(0);
    // The same request without allowSplit on a fresh engine lands at the same place.
    const other = await stocked();
    const whole = expectOk(
      await other.reserve({ id: 's1', channel: 'web', ttlMs: TTL, lines: [{ sku: 'S', qty: 4 }] }),
    );
    expect(placement(whole.reservation.lines)).toEqual(placement(split.reservation.lines));
  });

  it('splits across locations in priority order when no single location can serve the line', async () => {
    const engine = await stocked();
    const events: Array<{ cause: string; sku: string }> = [];
    engine.subscribe(['S'], (event) => events.push(event));
    const result = expectOk(
      await engine.reserve({ id: 's2', channel: 'web', ttlMs: TTL, lines: [{ sku: 'S', qty: 10 }], allowSplit: true }),
    );
    expect(result.reservation.status).toBe('held');
    expect(result.reservation.backordered).toBe(0);
    expect(result.reservation.lines).toEqual([
      { line: 0, sku: 'S', location: 'A', qty: 3, fulfilled: 0, backordered: 0 },
      { line: 0, sku: 'S', location: 'B', qty: 4, fulfilled: 0, backordered: 0 },
      { line: 0, sku: 'S', location: 'C', qty: 3, fulfilled: 0, backordered: 0 },
    ]);
    const view = expectOk(await engine.get('S'));
    expect(view.locations.A).toMatchObject({ onHand: 3, reserved: 3, available: 0 });
    expect(view.locations.B).toMatchObject({ onHand: 4, reserved: 4, available: 0 });
    expect(view.locations.C).toMatchObject({ onHand: 5, reserved: 3, available: 2 });
    expect(view).toMatchObject({ onHand: 12, reserved: 10, available: 2, shortfall: 0 });
    expect(events.map((event) => event.cause)).toEqual(['reserve']);
    expect(await engine.getReservation('s2')).toEqual(result);
    await assertInvariants(engine, ['S', 'T'], ['A', 'B', 'C']);
  });

  it('without allowSplit the same line is refused, and nothing changes', async () => {
    const engine = await stocked();
    const before = await snapshot(engine, ['S']);
    const error = expectRefused(
      await engine.reserve({ id: 's3', channel: 'web', ttlMs: TTL, lines: [{ sku: 'S', qty: 10 }] }),
      'INSUFFICIENT_STOCK',
    );
    expect((error as { line?: number }).line).toBe(0);
    expect(await snapshot(engine, ['S'])).toEqual(before);
  });

  it('most-available splits most first; closest splits by cost', async () => {
    const engine = await stocked();
    const most = expectOk(
      await engine.reserve({
        id: 'm',
        channel: 'web',
        ttlMs: TTL,
        lines: [{ sku: 'S', qty: 10 }],
        allowSplit: true,
        strategy: 'most-available',
      }),
    );
    expect(placement(most.reservation.lines)).toEqual([
      [0, 'C', 5],
      [0, 'B', 4],
      [0, 'A', 1],
    ]);
    expectOk(await engine.release('m'));
    const closest = expectOk(
      await engine.reserve({
        id: 'c',
        channel: 'web',
        ttlMs: TTL,
        lines: [{ sku: 'S', qty: 10 }],
        allowSplit: true,
        strategy: 'closest',
        destination: 'north',
      }),
    );
    expect(placement(closest.reservation.lines)).toEqual([
      [0, 'B', 4],
      [0, 'C', 5],
      [0, 'A', 1],
    ]);
    await assertInvariants(engine, ['S'], ['A', 'B', 'C']);
  });

  it('reservation lines carry the request line index and sum to each requested qty', async () => {
    const engine = await stocked();
    const result = expectOk(
      await engine.reserve({
        id: 'ml',
        channel: 'web',
        ttlMs: TTL,
        allowSplit: true,
        lines: [
          { sku: 'T', qty: 2 },
          { sku: 'S', qty: 9 },
          { sku: 'S', qty: 1, location: 'C' },
        ],
      }),
    );
    const lines = result.reservation.lines;
    expect(unitsByLine(lines)).toEqual([2, 9, 1]);
    expect(lines.filter((line) => line.line === 0).map((line) => [line.sku, line.location])).toEqual([['T', 'A']]);
    expect(lines.filter((line) => line.line === 2).map((line) => [line.sku, line.location, line.qty])).toEqual([
      ['S', 'C', 1],
    ]);
    // line 1 needs 9 of S: no single location has 9, so it splits in priority order: A 3, B 4, C 2.
    expect(lines.filter((line) => line.line === 1).map((line) => [line.sku, line.location, line.qty])).toEqual([
      ['S', 'A', 3],
      ['S', 'B', 4],
      ['S', 'C', 2],
    ]);
    const view = expectOk(await engine.get('S'));
    expect(view).toMatchObject({ reserved: 10, available: 2 });
    for (const line of lines) expect(line.fulfilled).toBe(0);
    await assertInvariants(engine, ['S', 'T'], ['A', 'B', 'C']);
  });

  it(
    'refuses when all locations together cannot serve ' + 'the line (error.line is its index), changing nothing',
    async () => {
      const engine = await stocked();
      // Quantities, not seq: on two shards T's part may be held and then aborted (two more seqs).
      const withoutSeq = (views: unknown[]) => views.map((view) => ({ ...(view as object), seq: undefined }));
      const before = withoutSeq(await snapshot(engine, ['S', 'T']));
      const error = expectRefused(
        await engine.reserve({
          id: 'r',
          channel: 'web',
          ttlMs: TTL,
          allowSplit: true,
          lines: [
            { sku: 'T', qty: 1 },
            { sku: 'S', qty: 13 },
          ],
        }),
        'INSUFFICIENT_STOCK',
      );
      expect((error as { line?: number }).line).toBe(1);
      expect(withoutSeq(await snapshot(engine, ['S', 'T']))).toEqual(before);
      // 12 is exactly everything: accepted.
      const all = expectOk(
        await engine.reserve({
          id: 'r2',
          channel: 'web',
          ttlMs: TTL,
          allowSplit: true,
          lines: [{ sku: 'S', qty: 12 }],
        }),
      );
      expect(unitsByLine(all.reservation.lines)).toEqual([12]);
      expect(expectOk(await engine.get('S')).available).toBe(0);
    },
  );

  it('a line that names a location never splits', async () => {
    const engine = await stocked();
    const before = await snapshot(engine, ['S']);
    const error = expectRefused(
      await engine.reserve({
        id: 'n',
        channel: 'web',
        ttlMs: TTL,
        allowSplit: true,
        lines: [{ sku: 'S', qty: 5, location: 'A' }],
      }),
      'INSUFFICIENT_STOCK',
    );
    expect((error as { line?: number }).line).toBe(0);
    expect(await snapshot(engine, ['S'])).toEqual(before);
    const ok = expectOk(
      await engine.reserve({
        id: 'n2',
        channel: 'web',
        ttlMs: TTL,
        allowSplit: true,
        lines: [{ sku: 'S', qty: 3, location: 'A' }],
      }),
    );
    expect(ok.reservation.lines).toEqual([{ line: 0, sku: 'S', location: 'A', qty: 3, fulfilled: 0, backordered: 0 }]);
  });

  it('fewest-splits + allowSplit uses the fewest distinct locations', async () => {
    const engine = await stocked();
    // 9 units: priority would take A 3, B 4, C 2 (3 locations); B + C (9) is enough.
    const result = expectOk(
      await engine.reserve({
        id: 'f',
        channel: 'web',
        ttlMs: TTL,
        allowSplit: true,
        strategy: 'fewest-splits',
        lines: [{ sku: 'S', qty: 9 }],
      }),
    );
    const lines = result.reservation.lines;
    expect(new Set(lines.map((line) => line.location))).toEqual(new Set(['B', 'C']));
    expect(unitsByLine(lines)).toEqual([9]);
    expect(expectOk(await engine.get('S')).locations.A).toMatchObject({ reserved: 0, available: 3 });
    await assertInvariants(engine, ['S'], ['A', 'B', 'C']);
  });

  it('idempotent replay returns the same reservation; a different allowSplit is CONFLICT', async () => {
    const engine = await stocked();
    const body = { id: 'i', channel: 'web', ttlMs: TTL, lines: [{ sku: 'S', qty: 10 }], allowSplit: true };
    const first = expectOk(await engine.reserve(body));
    expect(await engine.reserve({ ...body, lines: [{ sku: 'S', qty: 10 }] })).toEqual(first);
    const after = await snapshot(engine, ['S']);
    expectRefused(
      await engine.reserve({ id: 'i', channel: 'web', ttlMs: TTL, lines: [{ sku: 'S', qty: 10 }] }),
      'CONFLICT',
    );
    expectRefused(await engine.reserve({ ...body, allowSplit: false }), 'CONFLICT');
    expect(await snapshot(engine, ['S'])).toEqual(after);
    expect(expectOk(await engine.get('S')).reserved).toBe(10);
    // And the other way round: a hold made without allowSplit conflicts with a retry that sets it.
    const plain = { id: 'j', channel: 'web', ttlMs: TTL, lines: [{ sku: 'T', qty: 1 }] };
    expectOk(await engine.reserve(plain));
    expectRefused(await engine.reserve({ ...plain, allowSplit: true }), 'CONFLICT');
  });

  it('refuses an allowSplit that is not a boolean', async () => {
    const engine = await stocked();
    const error = expectRefused(
      await engine.reserve({
        id: 'v',
        channel: 'web',
        ttlMs: TTL,
        lines: [{ sku: 'S', qty: 10 }],
        allowSplit: 'yes',
      } as never),
      'INVALID_ARGUMENT',
    );
    expect(error.message).toMatch(/allowSplit/);
    expect(expectOk(await engine.get('S')).reserved).toBe(0);
  });

  it('commit, partial fulfil by (sku, location), and the rest: a split hold ships from every location', async () => {
    const engine = await stocked();
    expectOk(
      await engine.reserve({ id: 'h', channel: 'web', ttlMs: TTL, lines: [{ sku: 'S', qty: 10 }], allowSplit: true }),
    );
    const committed = expectOk(await engine.commit('h'));
    expect(committed.reservation.status).toBe('committed');
    let view = expectOk(await engine.get('S'));
    expect(view).toMatchObject({ reserved: 0, committed: 10, available: 2 });

    const part = expectOk(
      await engine.fulfil('h', [
        { sku: 'S', location: 'B', qty: 4 },
        { sku: 'S', location: 'A', qty: 1 },
      ]),
    );
    expect(part.reservation.status).toBe('committed');
    expect(part.reservation.lines.map((line) => [line.location, line.qty, line.fulfilled])).toEqual([
      ['A', 3, 1],
      ['B', 4, 4],
      ['C', 3, 0],
    ]);
    view = expectOk(await engine.get('S'));
    expect(view.locations.A).toMatchObject({ onHand: 2, committed: 2 });
    expect(view.locations.B).toMatchObject({ onHand: 0, committed: 0 });
    expect(view.locations.C).toMatchObject({ onHand: 5, committed: 3, available: 2 });

    // More than the hold has left at C is refused and changes nothing.
    const before = await snapshot(engine, ['S']);
    expect(
      expectRefused(await engine.fulfil('h', [{ sku: 'S', location: 'C', qty: 4 }]), 'INVALID_ARGUMENT').message,
    ).toMatch(/qty/);
    expect(await snapshot(engine, ['S'])).toEqual(before);

    const rest = expectOk(await engine.fulfil('h'));
    expect(rest.reservation.status).toBe('fulfilled');
    expect(rest.reservation.lines.every((line) => line.fulfilled === line.qty)).toBe(true);
    view = expectOk(await engine.get('S'));
    expect(view).toMatchObject({ onHand: 2, reserved: 0, committed: 0, available: 2, shortfall: 0 });
    expect(view.locations.C).toMatchObject({ onHand: 2, available: 2 });
    await assertInvariants(engine, ['S'], ['A', 'B', 'C']);
  });

  it('release of a split hold gives every location its units back', async () => {
    const engine = await stocked();
    expectOk(
      await engine.reserve({ id: 'h', channel: 'web', ttlMs: TTL, lines: [{ sku: 'S', qty: 11 }], allowSplit: true }),
    );
    expect(expectOk(await engine.get('S')).available).toBe(1);
    const released = expectOk(await engine.release('h'));
    expect(released.reservation.status).toBe('released');
    const view = expectOk(await engine.get('S'));
    expect(view).toMatchObject({ onHand: 12, reserved: 0, committed: 0, available: 12 });
    for (const location of ['A', 'B', 'C']) expect(view.locations[location].reserved, location).toBe(0);
    await assertInvariants(engine, ['S'], ['A', 'B', 'C']);
  });

  it('committed split hold released: committed units come back at each location', async () => {
    const engine = await stocked();
    expectOk(
      await engine.reserve({ id: 'h', channel: 'web', ttlMs: TTL, lines: [{ sku: 'S', qty: 8 }], allowSplit: true }),
    );
    expectOk(await engine.commit('h'));
    expectOk(await engine.fulfil('h', [{ sku: 'S', location: 'A', qty: 3 }]));
    expectOk(await engine.release('h'));
    const view = expectOk(await engine.get('S'));
    expect(view).toMatchObject({ onHand: 9, reserved: 0, committed: 0, available: 9 });
    expect(view.locations.A).toMatchObject({ onHand: 0, committed: 0 });
    expect(view.locations.B).toMatchObject({ onHand: 4, committed: 0, available: 4 });
    await assertInvariants(engine, ['S'], ['A', 'B', 'C']);
  });
});

// ---------- property: fewest-splits + allowSplit against a brute-force minimum ----------

interface Scenario {
  locations: string[];
  /** stock[sku][location] */
  stock: number[][];
  qty: number[];
}

const scenario: fc.Arbitrary<Scenario> = fc.integer({ min: 2, max: 4 }).chain((locationCount) =>
  fc.integer({ min: 1, max: 3 }).chain((skuCount) =>
    fc.record({
      locations: fc.constant(Array.from({ length: locationCount }, (_, i) => `L${i}`)),
      stock: fc.array(
        fc.array(fc.integer({ min: 0, max: 6 }), { minLength: locationCount, maxLength: locationCount }),
        { minLength: skuCount, maxLength: skuCount },
      ),
      qty: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: skuCount, maxLength: skuCount }),
    }),
  ),
);

/** The fewest locations whose units together cover every line (lines may split), or null. */
function optimumWithSplits(s: Scenario): number | null {
  let best: number | null = null;
  for (let mask = 1; mask < 1 << s.locations.length; mask++) {
    const fits = s.qty.every(
      (qty, sku) =>
        s.stock[sku].reduce((sum, units, location) => sum + ((mask & (1 << location)) !== 0 ? units : 0), 0) >= qty,
    );
    if (!fits) continue;
    let size = 0;
    for (let location = 0; location < s.locations.length; location++) if ((mask & (1 << location)) !== 0) size++;
    if (best === null || size < best) best = size;
  }
  return best;
}

describe('allowSplit properties (shards 0)', () => {
  const check = async (s: Scenario, strategy: StrategyName) => {
    const engine = await createEngine({ shards: 0, locationOrder: s.locations, expirySweepIntervalMs: 0 });
    try {
      for (let sku = 0; sku < s.stock.length; sku++) {
        for (let location = 0; location < s.locations.length; location++) {
          if (s.stock[sku][location] > 0)
            expectOk(
              await engine.receive({ sku: `K${sku}`, location: s.locations[location], qty: s.stock[sku][location] }),
            );
        }
      }
      const skus = s.stock.map((_, sku) => `K${sku}`);
      const lines = s.qty.map((qty, sku) => ({ sku: `K${sku}`, qty }));
      const before = await snapshot(engine, skus);
      const result = await engine.reserve({ id: 'h', channel: 'web', ttlMs: TTL, lines, strategy, allowSplit: true });
      const optimum = optimumWithSplits(s);
      if (optimum === null) {
        const error = expectRefused(result, 'INSUFFICIENT_STOCK');
        const first = s.qty.findIndex((qty, sku) => s.stock[sku].reduce((a, b) => a + b, 0) < qty);
        expect((error as { line?: number }).line).toBe(first);
        expect(await snapshot(engine, skus)).toEqual(before);
        return;
      }
      const placed = expectOk(result).reservation.lines;
      expect(unitsByLine(placed), 'each request line is served exactly').toEqual(s.qty);
      const taken = new Map<string, number>();
      for (const line of placed) {
        expect(line.sku).toBe(`K${line.line}`);
        expect(line.qty).toBeGreaterThan(0);
        expect(line.backordered).toBe(0);
        const key = `${line.line}@${line.location}`;
        taken.set(key, (taken.get(key) ?? 0) + line.qty);
      }
      for (const [key, qty] of taken) {
        const [sku, location] = key.split('@');
        expect(qty, `K${sku} at ${location} within stock`).toBeLessThanOrEqual(
          s.stock[Number(sku)][s.locations.indexOf(location)],
        );
      }
      if (strategy === 'fewest-splits') {
        expect(new Set(placed.map((line) => line.location)).size, 'distinct locations == brute-force minimum').toBe(
          optimum,
        );
      } else {
        // priority: a line one location can serve goes whole to the first such location.
        s.qty.forEach((qty, sku) => {
          const whole = s.stock[sku].findIndex((units) => units >= qty);
          const mine = placed.filter((line) => line.line === sku);
          if (whole >= 0) {
            expect(mine.map((line) => [line.location, line.qty])).toEqual([[s.locations[whole], qty]]);
            return;
          }
          // No single location can: take as much as each has, in priority order, until complete.
          const expected: Array<[string, number]> = [];
          let left = qty;
          s.stock[sku].forEach((units, location) => {
            const take = Math.min(left, units);
            if (take > 0) expected.push([s.locations[location], take]);
            left -= take;
          });
          expect(mine.map((line) => [line.location, line.qty])).toEqual(expected);
        });
      }
      await assertInvariants(engine, skus, s.locations);
    } finally {
      await engine.close();
    }
  };

  it('fewest-splits + allowSplit uses exactly the brute-force fewest locations; lines sum to the request', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, (s) => check(s, 'fewest-splits')),
      { numRuns: 200 },
    );
  });

  it('priority + allowSplit: whole when one location can, otherwise within stock and exact', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, (s) => check(s, 'priority')),
      { numRuns: 150 },
    );
  });
});
