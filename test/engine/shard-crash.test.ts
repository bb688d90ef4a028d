/**
 * A shard's worker that dies (here: past its heap limit) is replaced by piscina. Operations in
 * flight in it resolve UNAVAILABLE (none hangs, none rejects), and the shard serves again.
 * Without a dataDir the new worker starts empty; test/durability/durability.test.ts covers recovery from disk.
 */
import { describe, expect, it } from 'vitest';
import { engineFactory, expectOk } from './support/helpers.js';

describe('shard crash (shards 1, 64 MB heap)', () => {
  const make = engineFactory();

  it('answers in-flight operations UNAVAILABLE and keeps serving with a fresh worker', async () => {
    // The heap watermark off: this test wants the worker to die of its heap limit.
    const engine = await make({
      shards: 1,
      shardHeapMb: 64,
      shardHeapWatermarkPercent: 100,
      maxInFlightOpsPerShard: 1 << 20,
    });
    expectOk(await engine.receive({ sku: 'S', location: 'WH', qty: 1_000_000_000 }));
    const padding = 'x'.repeat(100);
    let unavailable = 0;
    for (let round = 0; round < 60 && unavailable === 0; round++) {
      const results = await Promise.all(
        Array.from({ length: 20_000 }, (_, i) =>
          engine.reserve({
            id: `r${round}-${i}-${padding}`,
            channel: 'web',
            ttlMs: 600_000,
            lines: [{ sku: 'S', qty: 1 }],
          }),
        ),
      );
      unavailable += results.filter((result) => !result.ok && result.error.code === 'UNAVAILABLE').length;
      for (const result of results)
        if (!result.ok) expect(['UNAVAILABLE', 'INSUFFICIENT_STOCK']).toContain(result.error.code);
    }
    expect(unavailable, 'the worker died and its in-flight operations were answered').toBeGreaterThan(0);
    expectOk(await engine.receive({ sku: 'AFTER', location: 'WH', qty: 3 }));
    expect(expectOk(await engine.get('AFTER')).onHand).toBe(3);
  }, 60_000);
});
