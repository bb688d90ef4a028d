/**
 * Returns: sellable units are available at once, damaged ones quarantined.
 *
 * From issue 3, section 3.
 */
import { describe, expect, it } from 'vitest';
import { engineFactory, expectOk, expectRefused, manualClock } from '../engine/support/helpers.js';

describe.each([0, 2])('restock (shards %i)', (shards) => {
  const make = engineFactory();

  it(
    'sellable units are available again in the same ' + 'operation; damaged ones are quarantined, never available',
    async () => {
      const clock = manualClock(1_000_000);
      const engine = await make({ shards, clock });
      expectOk(await engine.receive({ sku: 'S', location: 'WH', qty: 2 }));
      const events: Array<{ cause: string; reason?: string; available: number }> = [];
      engine.subscribe(['S'], (event) => events.push(event));
      const sellable = expectOk(
        await engine.restock({ sku: 'S', location: 'WH', qty: 3, condition: 'sellable', reservationId: 'order-9' }),
      );
      expect(sellable.position).toMatchObject({ onHand: 5, available: 5, quarantined: 0 });
      const damaged = expectOk(await engine.restock({ sku: 'S', location: 'WH', qty: 4, condition: 'damaged' }));
      expect(damaged.position).toMatchObject({ onHand: 5, available: 5, quarantined: 4 });
      expect(expectOk(await engine.get('S'))).toMatchObject({ onHand: 5, available: 5, quarantined: 4 });
      expectRefused(
        await engine.reserve({ id: 'h', channel: 'web', ttlMs: 60_000, lines: [{ sku: 'S', qty: 6 }] }),
        'INSUFFICIENT_STOCK',
      );
      expect(events.map((event) => [event.cause, event.reason])).toEqual([
        ['restock', 'sellable return of order-9'],
        ['restock', 'damaged'],
      ]);
    },
  );

  it('stats report how long returns took from receipt to available', async () => {
    const clock = manualClock(1_000_000);
    const engine = await make({ shards, clock });
    expectOk(
      await engine.restock({ sku: 'S', location: 'WH', qty: 1, condition: 'sellable', receivedAt: 1_000_000 - 3_000 }),
    );
    expectOk(
      await engine.restock({ sku: 'S', location: 'WH', qty: 1, condition: 'damaged', receivedAt: 1_000_000 - 1_000 }),
    );
    expectOk(await engine.restock({ sku: 'S', location: 'WH', qty: 1, condition: 'sellable' }));
    await engine.get('S');
    expect(engine.stats().returns).toEqual({ restocked: 3, reconcileMsMean: 4_000 / 3, reconcileMsMax: 3_000 });
  });

  it('validates condition, qty, reservationId and receivedAt, changing nothing', async () => {
    const engine = await make({ shards });
    const bad = async (request: object, field: RegExp) =>
      expect(expectRefused(await engine.restock(request as never), 'INVALID_ARGUMENT').message).toMatch(field);
    await bad({ sku: 'S', location: 'WH', qty: 1, condition: 'fine' }, /^condition:/);
    await bad({ sku: 'S', location: 'WH', qty: 0, condition: 'sellable' }, /^qty:/);
    await bad({ sku: 'S', location: 'WH', qty: 1, condition: 'sellable', reservationId: '' }, /^reservationId:/);
    await bad({ sku: 'S', location: 'WH', qty: 1, condition: 'sellable', receivedAt: -5 }, /^receivedAt:/);
    await bad({ sku: 'S', location: 'WH', qty: 1, condition: 'sellable', note: 'x' }, /^note:/);
    expectRefused(await engine.get('S'), 'NOT_FOUND');
  });
});
