/**
 * Shard memory bounded in bytes: a refused reserve is a compact record
 * (its refusal and a digest of its body, not its lines); retained outcomes are bounded by their
 * estimated bytes, oldest dropped first; SKUs and positions per shard are capped, refused
 * LIMIT_REACHED before anything changes, and a capacity refusal is never recorded.
 *
 * From issue 12, finding 3.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { readSnapshotFile } from '../../dist/engine/journal/index.js';
import { resolveOptions } from '../../dist/engine/api/options.js';
import { shardOfSku } from '../../dist/engine/router/hash.js';
import type { LineRequest } from '../../engine/api/types.js';
import { Ledger, type LedgerOptions } from '../../engine/ledger/ledger.js';
import {
  OUTCOME_ERROR_BYTES,
  OUTCOME_FIXED_BYTES,
  OUTCOME_LINE_BYTES,
  STRING_BYTES_PER_CHAR,
} from '../../engine/ledger/outcome-bytes.js';
import type { LedgerSnapshot } from '../../engine/ledger/snapshot.js';
import { useEngineDirs } from '../durability/support/engine-dirs.js';
import { engineFactory, expectOk, expectRefused, manualClock, snapshot, type Engine } from './support/helpers.js';

const TTL_MS = 60_000;
const LEDGER_OPTIONS: LedgerOptions = {
  locationOrder: ['WH'],
  maxLiveHolds: 1_000,
  retainedOutcomes: 1_000,
  retainedOutcomeBytes: 1 << 30,
  outcomeRetentionMs: 86_400_000,
  strategy: 'priority',
  locationCosts: {},
  syncHorizonMs: 86_400_000,
  syncMovementsPerPositionMax: 256,
  maxSkus: 1_000,
  maxPositions: 1_000,
};

/** `count` SKU names that all live on shard 0 of an engine with `shards` shards. */
function skusOnShard0(shards: number, count: number, prefix = 'SKU'): string[] {
  const skus: string[] = [];
  for (let i = 0; skus.length < count; i++)
    if (shardOfSku(`${prefix}-${i}`, Math.max(1, shards)) === 0) skus.push(`${prefix}-${i}`);
  return skus;
}

/** What a refusal record of this id and message is counted as (outcome-bytes.ts). */
function refusalBytes(id: string, message: string): number {
  return OUTCOME_FIXED_BYTES + OUTCOME_ERROR_BYTES + (id.length + message.length) * STRING_BYTES_PER_CHAR;
}

function ledgerCounters(engine: Engine): Array<{ skus: number; positions: number; retainedOutcomes: number }> {
  return engine.stats().shards.map(({ ledger }) => ({
    skus: ledger.skus,
    positions: ledger.positions,
    retainedOutcomes: ledger.retainedOutcomes,
  }));
}

describe.each([0, 2])('memory bounds (shards %i)', (shards) => {
  const make = engineFactory();

  it(
    'retainedOutcomeBytesPerShard drops the oldest outcome ' +
      'first; its id is forgotten and a retry is decided afresh',
    async () => {
      const [sku] = skusOnShard0(shards, 1);
      const reserve = (engine: Engine, id: string) =>
        engine.reserve({ id, channel: 'web', ttlMs: TTL_MS, lines: [{ sku, qty: 1 }] });
      // Learn the refusal's message (all three refusals say the same) to size the bound at exactly two records.
      const probe = await make({ shards, expirySweepIntervalMs: 0 });
      const { message } = expectRefused(await reserve(probe, 'r1'), 'INSUFFICIENT_STOCK');
      const engine = await make({
        shards,
        expirySweepIntervalMs: 0,
        retainedOutcomeBytesPerShard: 2 * refusalBytes('r1', message),
      });
      const first = await reserve(engine, 'r1');
      expectRefused(first, 'INSUFFICIENT_STOCK');
      const second = await reserve(engine, 'r2');
      expectRefused(second, 'INSUFFICIENT_STOCK');
      expect(ledgerCounters(engine)[0].retainedOutcomes).toBe(2);
      expectRefused(await reserve(engine, 'r3'), 'INSUFFICIENT_STOCK'); // past the bytes: r1, the oldest, goes
      expect(ledgerCounters(engine)[0].retainedOutcomes, 'count bound (1,000,000) is not what evicts').toBe(2);
      expectOk(await engine.receive({ sku, location: 'WH', qty: 5 }));
      expect(
        await reserve(engine, 'r2'),
        'r2 is still remembered: its original refusal, though stock is there now',
      ).toEqual(second);
      const fresh = expectOk(await reserve(engine, 'r1'));
      expect(fresh.reservation.status, 'r1 was forgotten: decided afresh, and stock is there now').toBe('held');
      expectRefused(
        await engine.reserve({ id: 'r3', channel: 'web', ttlMs: TTL_MS, lines: [{ sku, qty: 2 }] }),
        'CONFLICT',
      );
    },
  );

  it(
    'a released hold counts its lines against the bytes ' + 'bound (one record too big for the bound is not kept)',
    async () => {
      const [sku, other] = skusOnShard0(shards, 2);
      const oneLineHoldBytes = OUTCOME_FIXED_BYTES + 'h'.length * STRING_BYTES_PER_CHAR + OUTCOME_LINE_BYTES;
      const engine = await make({ shards, expirySweepIntervalMs: 0, retainedOutcomeBytesPerShard: oneLineHoldBytes });
      expectOk(await engine.receive({ sku, location: 'WH', qty: 5 }));
      expectOk(await engine.receive({ sku: other, location: 'WH', qty: 5 }));
      expectOk(await engine.reserve({ id: 'h', channel: 'web', ttlMs: TTL_MS, lines: [{ sku, qty: 1 }] }));
      expectOk(await engine.release('h'));
      expect(ledgerCounters(engine)[0].retainedOutcomes, 'a 1-line hold fits exactly').toBe(1);
      expect(expectOk(await engine.getReservation('h')).reservation.status).toBe('released');
      expectOk(
        await engine.reserve({
          id: 'g',
          channel: 'web',
          ttlMs: TTL_MS,
          lines: [
            { sku, qty: 1 },
            { sku: other, qty: 1 },
          ],
        }),
      );
      expectOk(await engine.release('g'));
      expect(ledgerCounters(engine)[0].retainedOutcomes, 'a 2-line hold does not: it and the older one go').toBe(0);
      expectRefused(await engine.getReservation('h'), 'NOT_FOUND');
      expectRefused(await engine.getReservation('g'), 'NOT_FOUND');
      expect(
        expectOk(await engine.reserve({ id: 'g', channel: 'web', ttlMs: TTL_MS, lines: [{ sku, qty: 2 }] })).reservation
          .status,
        'the id is free again',
      ).toBe('held');
    },
  );

  it(
    'maxSkusPerShard: the SKU past the limit is refused LIMIT_REACHED ' +
      'by every operation that would create it, and nothing changes',
    async () => {
      const skus = skusOnShard0(shards, 4);
      const engine = await make({ shards, maxSkusPerShard: 3, locationOrder: ['WH'] });
      for (const sku of skus.slice(0, 3))
        expectOk(await engine.receive({ sku, location: 'WH', qty: 1 }), `receive ${sku}`);
      const extra = skus[3];
      const before = { views: await snapshot(engine, skus), counters: ledgerCounters(engine) };
      const refusals = [
        await engine.receive({ sku: extra, location: 'WH', qty: 1 }),
        await engine.adjust({ sku: extra, location: 'WH', delta: 1, reason: 'count' }),
        await engine.restock({ sku: extra, location: 'WH', qty: 1, condition: 'sellable' }),
        await engine.sync({ sku: extra, location: 'WH', onHand: 3, asOf: Date.now() }),
        await engine.setPolicy({ sku: extra, safetyStock: 1 }),
      ];
      for (const refusal of refusals)
        expect(expectRefused(refusal, 'LIMIT_REACHED').message).toMatch(/maxSkusPerShard/);
      expect({ views: await snapshot(engine, skus), counters: ledgerCounters(engine) }).toEqual(before);
      expectRefused(await engine.get(extra), 'NOT_FOUND');
      expectOk(await engine.receive({ sku: skus[0], location: 'WH', qty: 1 }), 'a known SKU still takes stock');
      expectOk(await engine.receive({ sku: skus[0], location: 'STORE', qty: 1 }), 'and new positions');
    },
  );

  it(
    'maxPositionsPerShard: the position past the limit is refused ' +
      'LIMIT_REACHED (a backorder too, never recorded), and nothing changes',
    async () => {
      const [a, b] = skusOnShard0(shards, 2);
      const engine = await make({ shards, maxPositionsPerShard: 3, locationOrder: ['WH'] });
      expectOk(await engine.receive({ sku: a, location: 'WH', qty: 5 }));
      expectOk(await engine.receive({ sku: a, location: 'STORE', qty: 5 }));
      expectOk(await engine.receive({ sku: b, location: 'WH', qty: 5 }));
      expectOk(await engine.setPolicy({ sku: a, backorderLimit: 10 }));
      const before = { views: await snapshot(engine, [a, b]), counters: ledgerCounters(engine) };
      const backorder = { id: 'pre', channel: 'web', ttlMs: TTL_MS, lines: [{ sku: a, location: 'DC', qty: 2 }] };
      const refusals = [
        await engine.receive({ sku: a, location: 'DC', qty: 1 }),
        await engine.adjust({ sku: b, location: 'DC', delta: 1, reason: 'count' }),
        await engine.restock({ sku: a, location: 'DC', qty: 1, condition: 'damaged' }),
        await engine.sync({ sku: b, location: 'DC', onHand: 2, asOf: Date.now() }),
        await engine.transfer({ id: 't', sku: a, from: 'WH', to: 'DC', qty: 1 }),
        await engine.reserve(backorder),
      ];
      for (const refusal of refusals)
        expect(expectRefused(refusal, 'LIMIT_REACHED').message).toMatch(/maxPositionsPerShard/);
      expect({ views: await snapshot(engine, [a, b]), counters: ledgerCounters(engine) }).toEqual(before);
      const lookup = expectRefused(await engine.getReservation('pre'), 'NOT_FOUND');
      expect(lookup.message, 'a capacity refusal is not recorded').not.toMatch(/refused/);
      // Not recorded: the same id with another body is a new decision, not CONFLICT.
      expect(
        expectOk(await engine.reserve({ ...backorder, lines: [{ sku: a, location: 'WH', qty: 2 }] })).reservation
          .status,
      ).toBe('held');
      expect(ledgerCounters(engine)[0].positions).toBe(3);
    },
  );

  it('a compact refusal record still tells a changed body (CONFLICT) from a retry (the original refusal)', async () => {
    const [sku] = skusOnShard0(shards, 1);
    const engine = await make({ shards, locationOrder: ['WH'] });
    expectOk(await engine.receive({ sku, location: 'WH', qty: 1 }));
    const body = {
      id: 'big',
      channel: 'web',
      ttlMs: TTL_MS,
      lines: [
        { sku, qty: 5 },
        { sku, location: 'WH', qty: 1 },
      ],
    };
    const original = expectRefused(await engine.reserve(body), 'INSUFFICIENT_STOCK');
    expectOk(await engine.receive({ sku, location: 'WH', qty: 100 }));
    expect(await engine.reserve(structuredClone(body))).toEqual({ ok: false, error: original });
    const changed = [
      { ...body, channel: 'app' },
      { ...body, ttlMs: TTL_MS + 1 },
      {
        ...body,
        lines: [
          { sku, qty: 4 },
          { sku, location: 'WH', qty: 1 },
        ],
      },
      {
        ...body,
        lines: [
          { sku, qty: 5 },
          { sku, location: 'STORE', qty: 1 },
        ],
      },
      {
        ...body,
        lines: [
          { sku, location: 'WH', qty: 1 },
          { sku, qty: 5 },
        ],
      },
      { ...body, lines: [{ sku, qty: 5 }] },
      { ...body, allowSplit: true },
      { ...body, strategy: 'most-available' as const },
    ];
    for (const other of changed) expectRefused(await engine.reserve(other), 'CONFLICT', JSON.stringify(other));
  });
});

describe('memory options', () => {
  it(
    'retainedOutcomeBytesPerShard defaults to a quarter of the ' +
      'shard heap, at most 256 MiB; SKU and position limits are finite',
    () => {
      const MIB = 1024 * 1024;
      expect(resolveOptions({ shards: 0 }).retainedOutcomeBytesPerShard).toBe(256 * MIB);
      expect(resolveOptions({ shards: 0, shardHeapMb: 64 }).retainedOutcomeBytesPerShard).toBe(16 * MIB);
      expect(
        resolveOptions({ shards: 0, shardHeapMb: 64, retainedOutcomeBytesPerShard: 0 }).retainedOutcomeBytesPerShard,
      ).toBe(0);
      const { maxSkusPerShard, maxPositionsPerShard } = resolveOptions({ shards: 0 });
      expect([maxSkusPerShard, maxPositionsPerShard]).toEqual([1_000_000, 4_000_000]);
    },
  );
});

describe('a refusal record is compact', () => {
  it('a refused 100-line hold keeps no lines and is counted at well under 2 KB (it kept ~13 KB of heap before)', () => {
    const ledger = new Ledger(LEDGER_OPTIONS);
    const lines: LineRequest[] = Array.from({ length: 100 }, (_, i) => ({
      sku: `NO-STOCK-${i}`,
      qty: 1_000,
      location: `LOC-${i}`,
    }));
    const refusal = ledger.reserve('refused-100-lines', 'web', TTL_MS, lines);
    expect('ok' in refusal && refusal.ok).toBe(false);
    const saved = ledger.snapshot();
    const [record] = saved.holds;
    expect(record[10], 'no lines').toEqual([]);
    expect(saved.retentionBytes).toHaveLength(1);
    expect(saved.retentionBytes?.[0]).toBeLessThan(2_048);
  });

  it(
    'a version 1 snapshot (refusals saved with their lines) ' +
      'restores into compact records that replay and conflict alike',
    () => {
      const ledger = new Ledger(LEDGER_OPTIONS);
      ledger.receive('A', 'WH', 1);
      const lines: LineRequest[] = [
        { sku: 'A', qty: 3 },
        { sku: 'A', location: 'WH', qty: 1 },
      ];
      const refusal = ledger.reserve('r', 'web', TTL_MS, lines);
      const saved = ledger.snapshot();
      const v1: LedgerSnapshot = {
        ...saved,
        version: 1,
        retentionBytes: undefined,
        holds: saved.holds.map(
          (hold) =>
            [
              ...hold.slice(0, 10),
              [
                ['A', null, 3, null, 0, 0, 0, 0],
                ['A', 'WH', 1, null, 1, 0, 0, 0],
              ],
            ] as unknown as typeof hold,
        ),
      };
      const restored = Ledger.restore(LEDGER_OPTIONS, v1);
      expect(restored.reserve('r', 'web', TTL_MS, structuredClone(lines))).toEqual(refusal);
      expect(restored.reserve('r', 'web', TTL_MS, [{ sku: 'A', qty: 2 }])).toMatchObject({
        ok: false,
        error: { code: 'CONFLICT' },
      });
      expect(restored.snapshot()).toEqual(saved);
    },
  );
});

describe('refusal records across a snapshot and a restart', () => {
  const { dataDir, open: start, close: stop } = useEngineDirs('memory');

  it(
    'the compact record is what the snapshot keeps; after a restart ' +
      'the same body replays the refusal and another is CONFLICT',
    async () => {
      const dir = dataDir();
      const clock = manualClock();
      const options = { shards: 1, dataDir: dir, clock, snapshotEveryRecords: 1, expirySweepIntervalMs: 0 };
      const first = await start(options);
      expectOk(await first.receive({ sku: 'A', location: 'WH', qty: 1 }));
      const lines = Array.from({ length: 100 }, (_, i) => ({ sku: i === 0 ? 'A' : `B-${i}`, qty: 2 }));
      const body = { id: 'refused', channel: 'web', ttlMs: TTL_MS, lines };
      const original = expectRefused(await first.reserve(body), 'INSUFFICIENT_STOCK');
      // a batch after the refusal: a snapshot with it
      expectOk(await first.receive({ sku: 'A', location: 'WH', qty: 10 }));
      await stop(first);
      const snapshots = readdirSync(join(dir, 'shard-0')).filter((name) => name.endsWith('.snap'));
      expect(snapshots).toHaveLength(1);
      const saved = new Packr({ useRecords: true }).unpack(
        readSnapshotFile(join(dir, 'shard-0', snapshots[0])).payload,
      ) as LedgerSnapshot;
      const record = saved.holds.find((hold) => hold[0] === 'refused');
      expect(record?.[10], 'the snapshot keeps no lines for the refusal').toEqual([]);
      expect(typeof record?.[11]?.[0], 'but a digest of its body').toBe('string');

      const second = await start(options);
      expect(await second.reserve(structuredClone(body))).toEqual({ ok: false, error: original });
      expectRefused(await second.reserve({ ...body, lines: lines.slice(0, 99) }), 'CONFLICT');
      expectRefused(await second.reserve({ ...body, channel: 'app' }), 'CONFLICT');
    },
    30_000,
  );

  it(
    "a refused cross-shard hold (shards 2) keeps its parts' " + 'lines: after a restart a retry replays, not CONFLICT',
    async () => {
      const dir = dataDir();
      const options = { shards: 2, dataDir: dir, snapshotEveryRecords: 1, expirySweepIntervalMs: 0 };
      const [onShard0] = skusOnShard0(2, 1, 'X');
      let onShard1 = 'Y-0';
      for (let i = 1; shardOfSku(onShard1, 2) !== 1; i++) onShard1 = `Y-${i}`;
      const first = await start(options);
      expectOk(await first.receive({ sku: onShard0, location: 'WH', qty: 5 }));
      const body = {
        id: 'cross',
        channel: 'web',
        ttlMs: TTL_MS,
        lines: [
          { sku: onShard0, qty: 1 },
          { sku: onShard1, qty: 1 },
        ],
      };
      const original = expectRefused(await first.reserve(body), 'INSUFFICIENT_STOCK');
      expectOk(await first.receive({ sku: onShard0, location: 'WH', qty: 1 }));
      expectOk(await first.receive({ sku: onShard1, location: 'WH', qty: 1 }));
      await stop(first);
      const second = await start(options);
      expect(await second.reserve(structuredClone(body))).toEqual({ ok: false, error: original });
      // (A body changed in one part's lines only is answered with the other part's refusal, the
      // lowest line: the router's rule.)
      expectRefused(await second.reserve({ ...body, channel: 'app' }), 'CONFLICT');
      expect(expectOk(await second.get(onShard0)).reserved, 'nothing was held').toBe(0);
    },
    30_000,
  );
});
