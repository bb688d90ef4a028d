/**
 * Concurrency: many concurrent reserves never promise the same unit twice, multi-line holds
 * across shards are all-or-nothing, and interleavings of concurrent calls (fc.scheduler) give
 * the same answers as running them one by one in the order they were issued.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../dist/engine/index.js';
import { assertInvariants, expectOk, expectRefused, manualClock, shardOf, type Engine } from './support/helpers.js';

const EAST = 'WH-EAST';
const TTL_MS = 600_000;

async function withEngine<T>(
  options: Parameters<typeof createEngine>[0],
  body: (engine: Engine) => Promise<T>,
): Promise<T> {
  const engine = await createEngine(options);
  try {
    return await body(engine);
  } finally {
    await engine.close();
  }
}

describe('concurrent reserves on one hot SKU (shards 2)', () => {
  it('accepts exactly min(stock, demand) one-unit holds and reserves exactly that', async () => {
    await withEngine({ shards: 2, locationOrder: [EAST] }, async (engine) => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 3_000 }),
          fc.integer({ min: 1, max: 5_000 }),
          async (stock, demand) => {
            const sku = `HOT-${run++}`;
            if (stock > 0) expectOk(await engine.receive({ sku, location: EAST, qty: stock }));
            const results = await Promise.all(
              Array.from({ length: demand }, (_, i) =>
                engine.reserve({ id: `${sku}-${i}`, channel: 'web', ttlMs: TTL_MS, lines: [{ sku, qty: 1 }] }),
              ),
            );
            const accepted = results.filter((r) => r.ok).length;
            for (const r of results) if (!r.ok) expect(r.error.code).toBe('INSUFFICIENT_STOCK');
            expect(accepted).toBe(Math.min(stock, demand));
            if (stock === 0) {
              expectRefused(await engine.get(sku), 'NOT_FOUND');
              return;
            }
            const view = expectOk(await engine.get(sku));
            expect(view.reserved).toBe(accepted);
            expect(view.available).toBe(stock - accepted);
            expect(view.mode).toBe(accepted === stock ? 'soldOut' : 'active');
            await assertInvariants(engine, [sku]);
          },
        ),
        {
          numRuns: 8,
          examples: [
            [2_500, 5_000],
            [5_000 - 1, 5_000],
            [1, 5_000],
          ],
        },
      );
    });
  }, 60_000);
});

describe('concurrent multi-line holds across shards (shards 2)', () => {
  /** Finds `perShard` SKU names on each of the two shards. */
  async function skusOnBothShards(engine: Engine, prefix: string, perShard: number): Promise<[string[], string[]]> {
    const found: [string[], string[]] = [[], []];
    for (let i = 0; i < 200 && (found[0].length < perShard || found[1].length < perShard); i++) {
      const sku = `${prefix}-${i}`;
      expectOk(await engine.receive({ sku, location: EAST, qty: 1 }));
      const shard = await shardOf(engine, sku);
      expect([0, 1], `shardOf(${sku}) must identify a shard`).toContain(shard);
      if (found[shard].length < perShard) found[shard].push(sku);
    }
    expect(found[0].length, 'SKUs found on shard 0').toBe(perShard);
    expect(found[1].length, 'SKUs found on shard 1').toBe(perShard);
    return found;
  }

  it('refused holds leave nothing held and no SKU is promised beyond its stock', async () => {
    let accepted = 0;
    let refused = 0;
    await withEngine({ shards: 2, locationOrder: [EAST] }, async (engine) => {
      let run = 0;
      const holdArb = fc.record({
        first: fc.nat(2),
        second: fc.nat(2),
        third: fc.option(fc.nat(5), { nil: undefined }),
        qty: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      });
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 0, max: 15 }), { minLength: 6, maxLength: 6 }),
          fc.array(holdArb, { minLength: 50, maxLength: 400 }),
          async (extraStock, holdSpecs) => {
            const [onZero, onOne] = await skusOnBothShards(engine, `R${run++}`, 3);
            const skus = [...onZero, ...onOne];
            // Each SKU already has 1 unit (from the shard probe); add the drawn extra.
            const stock = new Map<string, number>();
            for (const [i, sku] of skus.entries()) {
              if (extraStock[i] > 0) expectOk(await engine.receive({ sku, location: EAST, qty: extraStock[i] }));
              stock.set(sku, 1 + extraStock[i]);
            }
            const holds = holdSpecs.map((spec, i) => {
              const lines = [
                { sku: onZero[spec.first], qty: spec.qty[0] },
                { sku: onOne[spec.second], qty: spec.qty[1] },
              ];
              if (spec.third !== undefined && !lines.some((l) => l.sku === skus[spec.third!])) {
                lines.push({ sku: skus[spec.third], qty: spec.qty[2] });
              }
              return { id: `m-${run}-${i}`, channel: 'web', ttlMs: TTL_MS, lines };
            });
            const results = await Promise.all(holds.map((h) => engine.reserve(h)));

            const expectedReserved = new Map(skus.map((s) => [s, 0]));
            for (const [i, result] of results.entries()) {
              if (!result.ok) {
                expect(result.error.code).toBe('INSUFFICIENT_STOCK');
                refused++;
                continue;
              }
              accepted++;
              expect(result.reservation.lines.map((l) => [l.sku, l.qty])).toEqual(
                holds[i].lines.map((l) => [l.sku, l.qty]),
              );
              for (const line of holds[i].lines)
                expectedReserved.set(line.sku, expectedReserved.get(line.sku)! + line.qty);
            }
            for (const sku of skus) {
              const view = expectOk(await engine.get(sku));
              expect(view.reserved, `${sku}: reserved === sum of accepted holds`).toBe(expectedReserved.get(sku));
              expect(view.reserved, `${sku}: never promised beyond stock`).toBeLessThanOrEqual(stock.get(sku)!);
              expect(view.onHand).toBe(stock.get(sku));
            }
            // Refused holds are unknown; accepted ones are held.
            const probes = await Promise.all(holds.map((h) => engine.getReservation(h.id)));
            for (const [i, probe] of probes.entries()) {
              if (results[i].ok) expect(expectOk(probe).reservation.status).toBe('held');
              else expectRefused(probe, 'NOT_FOUND');
            }
            await assertInvariants(engine, skus, [EAST]);
            // Releasing every accepted hold concurrently returns every unit.
            const released = await Promise.all(holds.filter((_, i) => results[i].ok).map((h) => engine.release(h.id)));
            for (const r of released) expectOk(r);
            for (const sku of skus)
              expect(expectOk(await engine.get(sku))).toMatchObject({ reserved: 0, available: stock.get(sku) });
          },
        ),
        { numRuns: 12 },
      );
    });
    expect(accepted, 'some cross-shard holds were accepted').toBeGreaterThan(0);
    expect(refused, 'some cross-shard holds were refused').toBeGreaterThan(0);
  }, 90_000);
});

describe('interleavings of concurrent reserve / commit / release (fc.scheduler, shards 0)', () => {
  type Kind = 'reserve' | 'commit' | 'release';
  type Status = 'held' | 'committed' | 'released';

  it('each interleaving answers as if the calls ran one by one in the order they were issued', async () => {
    const opArb = fc.record({
      kind: fc.constantFrom<Kind>('reserve', 'reserve', 'commit', 'release'),
      hold: fc.nat(4),
    });
    const outcomes = new Map<string, number>();
    let reordered = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 5, maxLength: 5 }),
        fc.array(opArb, { minLength: 1, maxLength: 14 }),
        async (s, stock, quantities, ops) => {
          await withEngine({ shards: 0, clock: manualClock(), locationOrder: [EAST] }, async (engine) => {
            expectOk(await engine.receive({ sku: 'S', location: EAST, qty: stock }));
            const issued: number[] = [];
            const answers: Array<Promise<{ ok: boolean; error?: { code: string } }>> = [];
            for (const [index, op] of ops.entries()) {
              const id = `h${op.hold}`;
              answers.push(
                s.schedule(Promise.resolve(`${op.kind} ${id}`)).then(() => {
                  issued.push(index);
                  if (op.kind === 'reserve') {
                    return engine.reserve({
                      id,
                      channel: 'web',
                      ttlMs: TTL_MS,
                      lines: [{ sku: 'S', qty: quantities[op.hold] }],
                    });
                  }
                  return engine[op.kind](id);
                }),
              );
            }
            await s.waitAll();
            const results = await Promise.all(answers);

            // Sequential reference, in issue order.
            let free = stock;
            const holds = new Map<string, Status | 'refused'>();
            for (const index of issued) {
              const op = ops[index];
              const id = `h${op.hold}`;
              const qty = quantities[op.hold];
              const state = holds.get(id);
              let expected: string; // 'ok' or an error code
              if (op.kind === 'reserve') {
                if (state === undefined) {
                  if (free >= qty) {
                    free -= qty;
                    holds.set(id, 'held');
                    expected = 'ok';
                  } else {
                    holds.set(id, 'refused');
                    expected = 'INSUFFICIENT_STOCK';
                  }
                } else expected = state === 'refused' ? 'INSUFFICIENT_STOCK' : 'ok'; // replay
              } else if (state === undefined || state === 'refused') expected = 'NOT_FOUND';
              else if (op.kind === 'commit') {
                if (state === 'released') expected = 'INVALID_STATE';
                else {
                  holds.set(id, 'committed');
                  expected = 'ok';
                }
              } else {
                if (state !== 'released') free += qty;
                holds.set(id, 'released');
                expected = 'ok';
              }
              const actual = results[index].ok ? 'ok' : results[index].error!.code;
              outcomes.set(`${op.kind} ${expected}`, (outcomes.get(`${op.kind} ${expected}`) ?? 0) + 1);
              expect(
                actual,
                `${op.kind} ${id} (issue order ${issued.map((i) => `${ops[i].kind}:h${ops[i].hold}`).join(', ')}) ` +
                  `— ${s.report().length} scheduled`,
              ).toBe(expected);
            }
            expect(issued.length).toBe(ops.length);
            if (issued.some((value, i) => value !== i)) reordered++;

            let reserved = 0;
            let committed = 0;
            for (const [id, state] of holds) {
              const qty = quantities[Number(id.slice(1))];
              if (state === 'held') reserved += qty;
              if (state === 'committed') committed += qty;
              if (state === 'refused') expectRefused(await engine.getReservation(id), 'NOT_FOUND');
              else expect(expectOk(await engine.getReservation(id)).reservation.status).toBe(state);
            }
            const view = expectOk(await engine.get('S'));
            expect(view).toMatchObject({
              onHand: stock,
              reserved,
              committed,
              available: stock - reserved - committed,
              shortfall: 0,
            });
            await assertInvariants(engine, ['S']);
          });
        },
      ),
      { numRuns: 150 },
    );
    expect(reordered, 'the scheduler issued calls out of their generated order').toBeGreaterThan(0);
    for (const outcome of [
      'reserve ok',
      'reserve INSUFFICIENT_STOCK',
      'commit ok',
      'commit NOT_FOUND',
      'release ok',
      'commit INVALID_STATE',
    ]) {
      expect(outcomes.get(outcome) ?? 0, `interleavings produced '${outcome}'`).toBeGreaterThan(0);
    }
  }, 60_000);
});
