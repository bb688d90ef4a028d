/**
 * A SKU's positions are found by scanning up to 8 of them and through a Map beyond: both ways
 * must find every position, keep placement order, and drop a position a refused reserve made.
 */
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../dist/engine/index.js';
import { expectOk, expectRefused } from './support/helpers.js';

describe.each([3, 8, 9, 20])('a SKU with %i locations', (count) => {
  const locations = Array.from({ length: count }, (_, i) => `L-${String(i).padStart(2, '0')}`);

  it('finds every position, places in priority order, and forgets a position only a refused reserve made', async () => {
    const engine = await createEngine({ shards: 0, locationOrder: [...locations].reverse() });
    try {
      for (const [i, location] of locations.entries())
        expectOk(await engine.receive({ sku: 'S', location, qty: i + 1 }));
      const view = expectOk(await engine.get('S'));
      expect(Object.keys(view.locations).sort()).toEqual(locations);
      for (const [i, location] of locations.entries()) expect(view.locations[location].onHand).toBe(i + 1);
      // priority: the reversed order, so the last location is tried first
      const held = expectOk(
        await engine.reserve({ id: 'a', channel: 'web', ttlMs: 60_000, lines: [{ sku: 'S', qty: 1 }] }),
      );
      expect(held.reservation.lines[0].location).toBe(locations[count - 1]);
      const last = locations[count - 1];
      expectOk(await engine.receive({ sku: 'S', location: last, qty: 5 }));
      expect(expectOk(await engine.get('S')).locations[last].onHand).toBe(count + 5);
      expectRefused(
        await engine.reserve({
          id: 'b',
          channel: 'web',
          ttlMs: 60_000,
          lines: [{ sku: 'S', qty: 1, location: 'NEW' }],
        }),
        'INSUFFICIENT_STOCK',
      );
      expect(Object.keys(expectOk(await engine.get('S')).locations)).not.toContain('NEW');
      expectOk(await engine.receive({ sku: 'S', location: 'NEW', qty: 2 }));
      expect(expectOk(await engine.get('S')).locations.NEW.onHand).toBe(2);
    } finally {
      await engine.close();
    }
  });
});
