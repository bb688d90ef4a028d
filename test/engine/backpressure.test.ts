/**
 * Backpressure: the per-shard in-flight bound is enforced. With onOverload 'reject' the excess
 * resolves OVERLOADED at once with retryAfterMs; with 'wait' it queues up to the waiting bound.
 * Nothing is lost: every operation resolves, and reserved equals the accepted quantity.
 */
import { describe, expect, it } from 'vitest';
import { engineFactory, expectOk, expectRefused, shardOf, type Engine } from './support/helpers.js';

const EAST = 'WH-EAST';
const TTL_MS = 600_000;
const IN_FLIGHT = 8;

type Outcome = { ok: boolean; error?: { code: string; message: string; retryAfterMs?: number } };

function fire(engine: Engine, count: number, skuOf: (i: number) => string, prefix: string): Promise<Outcome[]> {
  const calls: Array<Promise<Outcome>> = [];
  for (let i = 0; i < count; i++) {
    calls.push(
      engine.reserve({ id: `${prefix}-${i}`, channel: 'web', ttlMs: TTL_MS, lines: [{ sku: skuOf(i), qty: 1 }] }),
    );
  }
  return Promise.all(calls);
}

function tally(results: Outcome[]) {
  const counts = { ok: 0, overloaded: 0, other: 0 };
  for (const r of results) {
    if (r.ok) counts.ok++;
    else if (r.error?.code === 'OVERLOADED') counts.overloaded++;
    else counts.other++;
  }
  return counts;
}

describe('backpressure (shards 2)', () => {
  const make = engineFactory();

  it("onOverload 'reject': excess resolves OVERLOADED with retryAfterMs > 0 and nothing is lost", async () => {
    const engine = await make({ shards: 2, maxInFlightOpsPerShard: IN_FLIGHT, locationOrder: [EAST] });
    const skus = Array.from({ length: 8 }, (_, i) => `BP-${i}`);
    for (const sku of skus) expectOk(await engine.receive({ sku, location: EAST, qty: 10_000 }));
    const overloadedBefore = engine.stats().shards.reduce((n, s) => n + s.overloaded, 0);

    const results = await fire(engine, 1_000, (i) => skus[i % skus.length], 'r');
    expect(results).toHaveLength(1_000);
    const counts = tally(results);
    expect(counts.ok + counts.overloaded + counts.other).toBe(1_000);
    expect(counts.overloaded, 'some operations were OVERLOADED').toBeGreaterThan(0);
    expect(counts.ok, 'at least one operation was admitted').toBeGreaterThan(0);
    expect(counts.ok, 'at most maxInFlightOpsPerShard per shard were admitted').toBeLessThanOrEqual(IN_FLIGHT * 2);
    expect(counts.other, 'no other refusals').toBe(0);
    for (const r of results) {
      if (r.ok || r.error?.code !== 'OVERLOADED') continue;
      expect(typeof r.error.retryAfterMs).toBe('number');
      expect(r.error.retryAfterMs!).toBeGreaterThan(0);
      expect(Number.isFinite(r.error.retryAfterMs!)).toBe(true);
    }
    const overloadedAfter = engine.stats().shards.reduce((n, s) => n + s.overloaded, 0);
    expect(overloadedAfter - overloadedBefore, 'stats count every OVERLOADED').toBe(counts.overloaded);

    let reserved = 0;
    for (const sku of skus) reserved += expectOk(await engine.get(sku)).reserved;
    expect(reserved, 'reserved equals the accepted quantity').toBe(counts.ok);

    // OVERLOADED is transient, not recorded: the same ids succeed on retry, a few at a time.
    const retry = results.flatMap((r, i) => (r.ok ? [] : [i])).slice(0, 40);
    for (let start = 0; start < retry.length; start += IN_FLIGHT) {
      const wave = retry.slice(start, start + IN_FLIGHT);
      const answers = await Promise.all(
        wave.map((i) =>
          engine.reserve({
            id: `r-${i}`,
            channel: 'web',
            ttlMs: TTL_MS,
            lines: [{ sku: skus[i % skus.length], qty: 1 }],
          }),
        ),
      );
      for (const a of answers) expectOk(a, 'retry after OVERLOADED');
    }
    let after = 0;
    for (const sku of skus) after += expectOk(await engine.get(sku)).reserved;
    expect(after).toBe(counts.ok + retry.length);
    for (const shard of engine.stats().shards) expect(shard.queueDepth).toBe(0);
  });

  it(
    "onOverload 'reject': on one SKU exactly " + 'maxInFlightOpsPerShard are admitted from a synchronous burst',
    async () => {
      const engine = await make({ shards: 2, maxInFlightOpsPerShard: IN_FLIGHT, locationOrder: [EAST] });
      expectOk(await engine.receive({ sku: 'HOT', location: EAST, qty: 10_000 }));
      const results = await fire(engine, 1_000, () => 'HOT', 'hot');
      const counts = tally(results);
      expect(counts).toEqual({ ok: IN_FLIGHT, overloaded: 1_000 - IN_FLIGHT, other: 0 });
      expect(expectOk(await engine.get('HOT')).reserved).toBe(IN_FLIGHT);
      const hotShard = await shardOf(engine, 'HOT');
      const stats = engine.stats().shards.find((s) => s.shard === hotShard)!;
      expect(stats.queueDepthMax).toBeLessThanOrEqual(IN_FLIGHT);
    },
  );

  it("onOverload 'wait': excess waits and succeeds, beyond the waiting bound it is OVERLOADED", async () => {
    const waiting = 32;
    const engine = await make({
      shards: 2,
      maxInFlightOpsPerShard: IN_FLIGHT,
      onOverload: 'wait',
      maxWaitingOpsPerShard: waiting,
      locationOrder: [EAST],
    });
    expectOk(await engine.receive({ sku: 'HOT', location: EAST, qty: 10_000 }));

    // Within in-flight + waiting: everything succeeds.
    const within = await fire(engine, IN_FLIGHT + waiting, () => 'HOT', 'w');
    expect(tally(within)).toEqual({ ok: IN_FLIGHT + waiting, overloaded: 0, other: 0 });

    // Beyond: exactly the bound succeeds, the rest is OVERLOADED with a retry hint.
    const beyond = await fire(engine, 100, () => 'HOT', 'b');
    const counts = tally(beyond);
    expect(counts).toEqual({ ok: IN_FLIGHT + waiting, overloaded: 100 - IN_FLIGHT - waiting, other: 0 });
    for (const r of beyond) if (!r.ok) expect(r.error!.retryAfterMs!).toBeGreaterThan(0);
    // The admitted ones are the first ones issued.
    expect(beyond.slice(0, IN_FLIGHT + waiting).every((r) => r.ok)).toBe(true);

    expect(expectOk(await engine.get('HOT')).reserved).toBe(2 * (IN_FLIGHT + waiting));
    for (const shard of engine.stats().shards) expect(shard.queueDepth).toBe(0);
  });

  it("onOverload 'wait' with maxWaitingOpsPerShard 0 behaves like 'reject'", async () => {
    const engine = await make({
      shards: 2,
      maxInFlightOpsPerShard: IN_FLIGHT,
      onOverload: 'wait',
      maxWaitingOpsPerShard: 0,
      locationOrder: [EAST],
    });
    expectOk(await engine.receive({ sku: 'HOT', location: EAST, qty: 100 }));
    const results = await fire(engine, 50, () => 'HOT', 'z');
    expect(tally(results)).toEqual({ ok: IN_FLIGHT, overloaded: 50 - IN_FLIGHT, other: 0 });
    for (const r of results) if (!r.ok) expectRefused(r, 'OVERLOADED');
  });
});

describe('batch bound (shards 2)', () => {
  const make = engineFactory();

  it(
    'no batch carries more than maxBatchOps; full batches wait ' +
      'sealed and nothing is refused below the in-flight bound',
    async () => {
      const engine = await make({ shards: 2, maxBatchOps: 8, maxInFlightOpsPerShard: 10_000, locationOrder: [EAST] });
      expectOk(await engine.receive({ sku: 'BATCH-1', location: EAST, qty: 1_000 }));
      const shard = await shardOf(engine, 'BATCH-1');
      const sentBefore = engine.stats().shards[shard].batchesSent;
      const counts = tally(await fire(engine, 400, () => 'BATCH-1', 'batch'));
      expect(counts).toEqual({ ok: 400, overloaded: 0, other: 0 });
      const stats = engine.stats().shards[shard];
      expect(stats.largestBatchOps).toBe(8);
      expect(stats.batchesSent - sentBefore).toBeGreaterThanOrEqual(400 / 8);
      expect(expectOk(await engine.get('BATCH-1')).reserved).toBe(400);
    },
  );
});
