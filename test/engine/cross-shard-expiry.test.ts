/**
 * A hold whose lines span shards expires like any other: the first operation after its deadline
 * (here a plain get, with the periodic sweep turned off) already sees its units back.
 */
import { describe, expect, it } from 'vitest';
import { engineFactory, expectOk, manualClock, shardOf } from './support/helpers.js';

describe('cross-shard expiry (shards 2, no periodic sweep)', () => {
  const make = engineFactory();

  it('the first operation after the deadline sees every part expired', async () => {
    const clock = manualClock(1_000_000);
    const engine = await make({ shards: 2, clock, expirySweepIntervalMs: 0 });
    const skus = Array.from({ length: 16 }, (_, i) => `X-${i}`);
    for (const sku of skus) expectOk(await engine.receive({ sku, location: 'WH', qty: 5 }));
    const byShard = new Map<number, string>();
    for (const sku of skus) byShard.set(await shardOf(engine, sku), sku);
    const [a, b] = [byShard.get(0)!, byShard.get(1)!];
    expectOk(
      await engine.reserve({
        id: 'x',
        channel: 'web',
        ttlMs: 1_000,
        lines: [
          { sku: a, qty: 2 },
          { sku: b, qty: 3 },
        ],
      }),
    );
    expect(expectOk(await engine.get(a)).reserved).toBe(2);
    clock.advance(999);
    expect(expectOk(await engine.get(b)).reserved, 'not yet due').toBe(3);
    clock.advance(1);
    expect(expectOk(await engine.get(b)).reserved, 'due: the first get sees it').toBe(0);
    expect(expectOk(await engine.get(a)).reserved).toBe(0);
    expect(expectOk(await engine.getReservation('x')).reservation.status).toBe('expired');
  });
});
