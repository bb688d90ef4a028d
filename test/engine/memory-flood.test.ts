/**
 * Memory bounded in bytes at a small shard heap: floods of unique refused
 * holds and of unique SKUs never kill the shard's worker; every call is answered; operations
 * that free memory still work; capacity refusals are not journaled (a replay under a larger heap
 * cannot decide them differently); a worker death never takes the process down, and a shard
 * whose recovery fails gives up with RECOVERY_FAILED instead of looping.
 *
 * From issue 12, finding 3.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { healthOf } from '../../dist/engine/gateway/http-routes.js';
import { useEngineDirs } from '../durability/support/engine-dirs.js';
import type { EngineOptions } from './support/helpers.js';
import { expectOk, manualClock, sleep } from './support/helpers.js';
import { shardOfSku } from '../../dist/engine/router/hash.js';

const { dataDir, open, close } = useEngineDirs('flood');

function tally(answers: ReadonlyArray<{ ok: boolean; error?: { code: string } }>, into: Record<string, number>): void {
  for (const answer of answers) {
    const code = answer.ok ? 'ok' : (answer.error as { code: string }).code;
    into[code] = (into[code] ?? 0) + 1;
  }
}

const HUNDRED_LINES = Array.from({ length: 100 }, (_, i) => ({ sku: `NOSTOCK-${i}`, qty: 1 }));

describe('memory bounded at a 64 MB shard heap', () => {
  it(
    'floods of refused 100-line holds and of unique SKUs: the worker ' +
      'lives, every call is answered, release and commit still work',
    async () => {
      const dir = dataDir();
      const options: EngineOptions = { shards: 1, shardHeapMb: 64, dataDir: dir, fsync: 'off' };
      const engine = await open(options);
      expectOk(await engine.receive({ sku: 'KEEP', location: 'L1', qty: 10 }));
      expectOk(
        await engine.reserve({ id: 'before-1', channel: 'web', ttlMs: 600_000, lines: [{ sku: 'KEEP', qty: 2 }] }),
      );
      expectOk(
        await engine.reserve({ id: 'before-2', channel: 'web', ttlMs: 600_000, lines: [{ sku: 'KEEP', qty: 3 }] }),
      );
      const holds: Record<string, number> = {};
      for (let round = 0; round < 16; round++) {
        tally(
          await Promise.all(
            Array.from({ length: 500 }, (_, i) =>
              engine.reserve({ id: `refused-${round}-${i}`, channel: 'web', ttlMs: 600_000, lines: HUNDRED_LINES }),
            ),
          ),
          holds,
        );
      }
      const skus: Record<string, number> = {};
      for (let round = 0; round < 150; round++) {
        tally(
          await Promise.all(
            Array.from({ length: 1_000 }, (_, i) => engine.receive({ sku: `U-${round}-${i}`, location: 'L1', qty: 1 })),
          ),
          skus,
        );
      }
      // Before: 2,600 refused holds killed the worker (and the process, with no 'error' listener).
      expect(Object.keys(holds).sort()).toEqual(expect.arrayContaining(['INSUFFICIENT_STOCK']));
      for (const code of Object.keys({ ...holds, ...skus }))
        expect(['ok', 'INSUFFICIENT_STOCK', 'LIMIT_REACHED']).toContain(code);
      expect((holds.INSUFFICIENT_STOCK ?? 0) + (holds.LIMIT_REACHED ?? 0)).toBe(8_000);
      expect((skus.ok ?? 0) + (skus.LIMIT_REACHED ?? 0)).toBe(150_000);
      expect(skus.LIMIT_REACHED, 'the heap watermark refused SKUs long before the heap limit').toBeGreaterThan(0);
      const [shard] = engine.stats().shards;
      expect(shard.workerDeaths).toBe(0);
      expect(shard.heapUsedBytes).toBeLessThan(shard.heapLimitBytes);
      // Operations that free memory are still taken at the watermark.
      expect(expectOk(await engine.commit('before-1')).reservation.status).toBe('committed');
      expect(expectOk(await engine.release('before-2')).reservation.status).toBe('released');
      const accepted = shard.ledger.skus;
      await close(engine);
      // The capacity refusals were not journaled: a replay with a 4x larger heap gives the same ledger.
      const larger = await open({ ...options, shardHeapMb: 256 });
      expect(larger.stats().shards[0].ledger.skus).toBe(accepted);
      expect(await larger.get('KEEP')).toMatchObject({ ok: true, onHand: 10, committed: 2, reserved: 0 });
      await close(larger);
      // And it recovers in the heap it was written in.
      const again = await open(options);
      expect(again.stats().shards[0].ledger.skus).toBe(accepted);
    },
    120_000,
  );

  it('a worker killed by its heap limit never takes the process down (watermark off)', async () => {
    const engine = await open({ shards: 1, shardHeapMb: 64, shardHeapWatermarkPercent: 100 });
    const codes: Record<string, number> = {};
    for (let round = 0; round < 400 && codes.UNAVAILABLE === undefined; round++) {
      tally(
        await Promise.all(
          Array.from({ length: 2_000 }, (_, i) => engine.receive({ sku: `OOM-${round}-${i}`, location: 'L1', qty: 1 })),
        ),
        codes,
      );
    }
    expect(codes.UNAVAILABLE, 'the worker died of its heap limit').toBeGreaterThan(0);
    expect(engine.stats().shards[0].workerDeaths).toBeGreaterThan(0);
    expectOk(await engine.receive({ sku: 'AFTER', location: 'L1', qty: 1 }));
  }, 120_000);

  it('a shard whose replacement worker cannot recover gives up with RECOVERY_FAILED instead of looping', async () => {
    const dir = dataDir();
    const engine = await open({ shards: 1, dataDir: dir, fsync: 'always' });
    for (let i = 0; i < 20; i++) expectOk(await engine.receive({ sku: `S${i}`, location: 'L1', qty: 1 }));
    // Damage a record in the middle of the journal, then kill the worker: its replacement's recovery fails.
    const shardDir = join(dir, 'shard-0');
    const journal = join(shardDir, readdirSync(shardDir).find((name) => name.startsWith('journal-')) as string);
    const bytes = readFileSync(journal);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    writeFileSync(journal, bytes);
    await (engine as unknown as { killShardWorker(shard: number): Promise<number> }).killShardWorker(0);
    const answers: Array<{ ok: boolean; error?: { code: string; message: string } }> = [];
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const answer = await engine.get('S1');
      answers.push(answer);
      if (!answer.ok && /RECOVERY_FAILED/.test(answer.error?.message ?? '')) break;
      await sleep(50);
    }
    const last = answers.at(-1) as { ok: boolean; error?: { code: string; message: string } };
    expect(last).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    expect(last.error?.message).toMatch(/RECOVERY_FAILED.*JOURNAL_CORRUPT/);
    const health = healthOf(engine, false);
    expect(health.status).toBe('degraded');
    expect(JSON.stringify(health.shards)).toMatch(/RECOVERY_FAILED/);
    expect(engine.stats().shards[0].workerDeaths).toBe(2);
  }, 40_000);
});

describe('capacity limits and replay', () => {
  it(
    'a journal replays whole under lower limits, and a ' + 'capacity refusal is not replayed under higher ones',
    async () => {
      const dir = dataDir();
      const first = await open({ shards: 1, dataDir: dir, maxSkusPerShard: 10 });
      for (let i = 0; i < 10; i++) expectOk(await first.receive({ sku: `S${i}`, location: 'L1', qty: 1 }));
      expect(await first.receive({ sku: 'S10', location: 'L1', qty: 1 })).toMatchObject({
        ok: false,
        error: { code: 'LIMIT_REACHED' },
      });
      await close(first);
      // Lower: every acknowledged SKU comes back (replay does not refuse what was admitted live).
      const lower = await open({ shards: 1, dataDir: dir, maxSkusPerShard: 5 });
      expect(lower.stats().shards[0].ledger.skus).toBe(10);
      for (let i = 0; i < 10; i++) expect(await lower.get(`S${i}`)).toMatchObject({ ok: true, onHand: 1 });
      expect(await lower.receive({ sku: 'S11', location: 'L1', qty: 1 })).toMatchObject({
        ok: false,
        error: { code: 'LIMIT_REACHED' },
      });
      await close(lower);
      // Higher: the refused receive was never journaled, so it does not appear now that it would fit.
      const higher = await open({ shards: 1, dataDir: dir, maxSkusPerShard: 100 });
      expect(higher.stats().shards[0].ledger.skus).toBe(10);
      expect((await higher.get('S10')).ok).toBe(false);
    },
  );
});

describe('the router forgets what the shards forget (shards 2)', () => {
  const skuOn = (shard: number, prefix: string): string => {
    for (let i = 0; ; i++) if (shardOfSku(`${prefix}${i}`, 2) === shard) return `${prefix}${i}`;
  };

  it(
    'an outcome evicted in the batch that recorded it leaves ' + 'no route behind (the id is free for another shard)',
    async () => {
      const engine = await open({ shards: 2, retainedOutcomesPerShard: 0 });
      const [empty, stocked] = [skuOn(0, 'E'), skuOn(1, 'S')];
      expectOk(await engine.receive({ sku: stocked, location: 'L1', qty: 5 }));
      expect(
        await engine.reserve({ id: 'x', channel: 'web', ttlMs: 60_000, lines: [{ sku: empty, qty: 1 }] }),
      ).toMatchObject({ ok: false, error: { code: 'INSUFFICIENT_STOCK' } });
      // Nothing is recorded for 'x' anywhere, so it may be held on the other shard (before: CONFLICT).
      expectOk(await engine.reserve({ id: 'x', channel: 'web', ttlMs: 60_000, lines: [{ sku: stocked, qty: 1 }] }));
      expect(expectOk(await engine.commit('x')).reservation.status).toBe('committed');
    },
  );

  it('an id whose old outcome is evicted by age in the batch that records it again keeps its route', async () => {
    const clock = manualClock();
    const engine = await open({ shards: 2, clock, outcomeRetentionMs: 1_000, expirySweepIntervalMs: 0 });
    const sku = skuOn(0, 'A');
    expect((await engine.reserve({ id: 'y', channel: 'web', ttlMs: 60_000, lines: [{ sku, qty: 1 }] })).ok).toBe(false);
    expectOk(await engine.receive({ sku, location: 'L1', qty: 5 }));
    clock.advance(5_000);
    // The retry's batch first drops the old refusal (by age), then records the new hold.
    expectOk(await engine.reserve({ id: 'y', channel: 'web', ttlMs: 60_000, lines: [{ sku, qty: 1 }] }));
    expect(expectOk(await engine.commit('y')).reservation.status).toBe('committed');
  });
});
