/**
 * Location strategies: priority, closest, most-available, fewest-splits.
 * Unit cases on shards 0 and 2 (single-SKU holds), fewest-splits across SKUs on shards 0 and 1,
 * and properties: every strategy places only where units are available, and fewest-splits
 * uses no more locations than a brute-force optimum.
 *
 * From issue 3, section 1.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEngine, type EngineOptions, type StrategyName } from '../../dist/engine/index.js';
import { engineFactory, expectOk, expectRefused } from '../engine/support/helpers.js';

const COSTS = { A: { north: 1, south: 9 }, B: { north: 5, south: 2 }, C: { north: 3, south: 3 } };

describe.each([0, 2])('per-line strategies (shards %i)', (shards) => {
  const make = engineFactory();
  const base: EngineOptions = { shards, locationOrder: ['A', 'B', 'C'], locationCosts: COSTS };

  async function stocked(options: EngineOptions, stock: Record<string, number>) {
    const engine = await make({ ...base, ...options });
    for (const [location, qty] of Object.entries(stock)) expectOk(await engine.receive({ sku: 'S', location, qty }));
    return engine;
  }

  const placedAt = async (engine: Awaited<ReturnType<typeof stocked>>, id: string, qty: number, extra: object = {}) => {
    const result = expectOk(
      await engine.reserve({ id, channel: 'web', ttlMs: 60_000, lines: [{ sku: 'S', qty }], ...extra }),
    );
    return result.reservation.lines[0].location;
  };

  it('priority (the default): first location in order with enough', async () => {
    const engine = await stocked({}, { A: 2, B: 10, C: 10 });
    expect(await placedAt(engine, 'p1', 2)).toBe('A');
    expect(await placedAt(engine, 'p2', 2)).toBe('B');
  });

  it('closest: the lowest cost to the destination with enough; unknown costs come last', async () => {
    const engine = await stocked({}, { A: 10, B: 3, C: 10 });
    expect(await placedAt(engine, 'c1', 1, { strategy: 'closest', destination: 'south' })).toBe('B');
    expect(await placedAt(engine, 'c2', 1, { strategy: 'closest', destination: 'north' })).toBe('A');
    expect(await placedAt(engine, 'c3', 5, { strategy: 'closest', destination: 'south' })).toBe('C');
    expect(await placedAt(engine, 'c4', 1, { strategy: 'closest', destination: 'nowhere' })).toBe('A');
  });

  it('most-available: the location with the most units available (ties in priority order)', async () => {
    const engine = await stocked({}, { A: 5, B: 8, C: 8 });
    expect(await placedAt(engine, 'm1', 2, { strategy: 'most-available' })).toBe('B');
    expect(await placedAt(engine, 'm2', 2, { strategy: 'most-available' })).toBe('C');
  });

  it('the engine default strategy applies when a reserve names none, and a reserve may override it', async () => {
    const engine = await stocked({ strategy: 'most-available' }, { A: 5, B: 8 });
    expect(await placedAt(engine, 'd1', 1)).toBe('B');
    expect(await placedAt(engine, 'd2', 1, { strategy: 'priority' })).toBe('A');
  });

  it('strategy and destination are part of the idempotency body', async () => {
    const engine = await stocked({}, { A: 5, B: 5 });
    const first = await engine.reserve({
      id: 'i1',
      channel: 'web',
      ttlMs: 60_000,
      lines: [{ sku: 'S', qty: 1 }],
      strategy: 'closest',
      destination: 'south',
    });
    expectOk(first);
    expect(
      await engine.reserve({
        id: 'i1',
        channel: 'web',
        ttlMs: 60_000,
        lines: [{ sku: 'S', qty: 1 }],
        strategy: 'closest',
        destination: 'south',
      }),
    ).toEqual(first);
    expectRefused(
      await engine.reserve({
        id: 'i1',
        channel: 'web',
        ttlMs: 60_000,
        lines: [{ sku: 'S', qty: 1 }],
        strategy: 'closest',
        destination: 'north',
      }),
      'CONFLICT',
    );
    expectRefused(
      await engine.reserve({ id: 'i1', channel: 'web', ttlMs: 60_000, lines: [{ sku: 'S', qty: 1 }] }),
      'CONFLICT',
    );
  });

  it('refuses an unknown strategy, closest without a destination, and a bad destination', async () => {
    const engine = await stocked({}, { A: 5 });
    const line = [{ sku: 'S', qty: 1 }];
    const bad = (extra: object) =>
      engine.reserve({ id: 'v', channel: 'web', ttlMs: 60_000, lines: line, ...extra } as never);
    expect(expectRefused(await bad({ strategy: 'nearest' }), 'INVALID_ARGUMENT').message).toMatch(/^strategy:/);
    expect(expectRefused(await bad({ strategy: 'closest' }), 'INVALID_ARGUMENT').message).toMatch(/^destination:/);
    expect(expectRefused(await bad({ destination: '' }), 'INVALID_ARGUMENT').message).toMatch(/^destination:/);
    expect(expectOk(await engine.get('S')).reserved).toBe(0);
  });
});

describe('engine options for strategies', () => {
  it.each([
    [{ strategy: 'nearest' }, /^strategy:/],
    [{ locationCosts: { A: { north: -1 } } }, /^locationCosts\.A\.north:/],
    [{ locationCosts: { A: 3 } }, /^locationCosts\.A:/],
  ])('%j is refused with INVALID_ARGUMENT', async (options, message) => {
    await expect(createEngine({ shards: 0, ...(options as EngineOptions) })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(message),
    });
  });
});

describe.each([0, 1])('fewest-splits (shards %i: every SKU on one ledger)', (shards) => {
  const make = engineFactory();

  it('serves every line from one location when one can, where priority would split', async () => {
    const engine = await make({ shards, locationOrder: ['A', 'B'] });
    for (const [sku, location] of [
      ['X', 'A'],
      ['X', 'B'],
      ['Y', 'B'],
    ])
      expectOk(await engine.receive({ sku, location, qty: 10 }));
    const lines = [
      { sku: 'X', qty: 1 },
      { sku: 'Y', qty: 1 },
    ];
    const byPriority = expectOk(await engine.reserve({ id: 'p', channel: 'web', ttlMs: 60_000, lines }));
    expect(byPriority.reservation.lines.map((line) => line.location)).toEqual(['A', 'B']);
    const fewest = expectOk(
      await engine.reserve({ id: 'f', channel: 'web', ttlMs: 60_000, lines, strategy: 'fewest-splits' }),
    );
    expect(fewest.reservation.lines.map((line) => line.location)).toEqual(['B', 'B']);
  });

  it('counts the locations that lines name themselves', async () => {
    const engine = await make({ shards, locationOrder: ['A', 'B', 'C'] });
    for (const [sku, location] of [
      ['X', 'A'],
      ['X', 'C'],
      ['Y', 'C'],
    ])
      expectOk(await engine.receive({ sku, location, qty: 10 }));
    const fewest = expectOk(
      await engine.reserve({
        id: 'f',
        channel: 'web',
        ttlMs: 60_000,
        strategy: 'fewest-splits',
        lines: [
          { sku: 'X', qty: 1 },
          { sku: 'Y', qty: 1, location: 'C' },
        ],
      }),
    );
    expect(fewest.reservation.lines.map((line) => line.location)).toEqual(['C', 'C']);
  });
});

interface Scenario {
  locations: string[];
  /** stock[sku][location] */
  stock: number[][];
  qty: number[];
  strategy: StrategyName;
}

const scenario: fc.Arbitrary<Scenario> = fc.integer({ min: 2, max: 5 }).chain((locationCount) =>
  fc.integer({ min: 1, max: 4 }).chain((skuCount) =>
    fc.record({
      locations: fc.constant(Array.from({ length: locationCount }, (_, i) => `L${i}`)),
      stock: fc.array(
        fc.array(fc.integer({ min: 0, max: 6 }), { minLength: locationCount, maxLength: locationCount }),
        { minLength: skuCount, maxLength: skuCount },
      ),
      qty: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: skuCount, maxLength: skuCount }),
      strategy: fc.constantFrom<StrategyName>('priority', 'closest', 'most-available', 'fewest-splits'),
    }),
  ),
);

/** The fewest locations that can serve every line whole (brute force), or null when none can. */
function optimumLocations(s: Scenario): number | null {
  let best: number | null = null;
  for (let mask = 1; mask < 1 << s.locations.length; mask++) {
    const fits = s.qty.every((qty, sku) =>
      s.stock[sku].some((units, location) => (mask & (1 << location)) !== 0 && units >= qty),
    );
    if (!fits) continue;
    const size = s.locations.filter((_, location) => (mask & (1 << location)) !== 0).length;
    if (best === null || size < best) best = size;
  }
  return best;
}

describe('strategy properties (shards 0)', () => {
  it(
    'every strategy places only where units are available; ' + 'fewest-splits matches the brute-force optimum',
    async () => {
      await fc.assert(
        fc.asyncProperty(scenario, async (s) => {
          const costs = Object.fromEntries(s.locations.map((location, i) => [location, { here: (i * 7) % 5 }]));
          const engine = await createEngine({
            shards: 0,
            locationOrder: s.locations,
            locationCosts: costs,
            expirySweepIntervalMs: 0,
          });
          try {
            for (let sku = 0; sku < s.stock.length; sku++) {
              for (let location = 0; location < s.locations.length; location++) {
                if (s.stock[sku][location] > 0)
                  expectOk(
                    await engine.receive({
                      sku: `K${sku}`,
                      location: s.locations[location],
                      qty: s.stock[sku][location],
                    }),
                  );
              }
            }
            const lines = s.qty.map((qty, sku) => ({ sku: `K${sku}`, qty }));
            const result = await engine.reserve({
              id: 'h',
              channel: 'web',
              ttlMs: 60_000,
              lines,
              strategy: s.strategy,
              destination: 'here',
            });
            const optimum = optimumLocations(s);
            if (optimum === null) {
              expect(result.ok).toBe(false);
              return;
            }
            const placed = expectOk(result).reservation.lines;
            placed.forEach((line, sku) => {
              expect(
                s.stock[sku][s.locations.indexOf(line.location)],
                `K${sku} at ${line.location}`,
              ).toBeGreaterThanOrEqual(line.qty);
            });
            if (s.strategy === 'fewest-splits') expect(new Set(placed.map((line) => line.location)).size).toBe(optimum);
          } finally {
            await engine.close();
          }
        }),
        { numRuns: 300 },
      );
    },
  );
});
