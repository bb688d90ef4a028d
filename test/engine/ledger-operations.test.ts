/**
 * Unit tests for every engine operation, run against both the in-thread ledger (shards 0) and
 * two worker-thread shards (shards 2). Semantics: docs/api.md (Operations, Quantities, Reservations).
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { LIMITS } from '../../dist/engine/index.js';
import {
  SHARD_COUNTS,
  assertInvariants,
  engineFactory,
  expectOk,
  expectRefused,
  manualClock,
  sleep,
  shardOf,
  snapshot,
  type Engine,
  type ManualClock,
} from './support/helpers.js';

const EAST = 'WH-EAST';
const WEST = 'WH-WEST';
const TTL_MS = 60_000;

type Line = { sku: string; qty: number; location?: string };

/** SKU views with their seq taken out: what must be unchanged after any refusal. */
function withoutSeq(views: unknown[]): unknown[] {
  return views.map((view) => ({ ...(view as object), seq: undefined }));
}

describe.each(SHARD_COUNTS)('ledger operations (shards %i)', (shards) => {
  const make = engineFactory();
  let clock: ManualClock;
  let engine: Engine;

  beforeEach(async () => {
    clock = manualClock(1_000_000);
    engine = await make({ shards, clock, locationOrder: [EAST, WEST] });
  });

  const receive = (sku: string, location: string, qty: number) => engine.receive({ sku, location, qty });
  const reserve = (id: string, lines: Line[], channel = 'web', ttlMs = TTL_MS) =>
    engine.reserve({ id, channel, ttlMs, lines });

  async function view(sku: string) {
    return expectOk(await engine.get(sku), `get(${sku})`);
  }

  /** A reservation in the requested status, on a fresh SKU with 10 units at EAST. */
  async function holdIn(status: 'held' | 'committed' | 'fulfilled' | 'released' | 'expired', sku = 'SKU-S') {
    expectOk(await receive(sku, EAST, 10));
    const id = `hold-${status}`;
    expectOk(await reserve(id, [{ sku, qty: 4 }], 'web', 1_000));
    if (status === 'committed' || status === 'fulfilled') expectOk(await engine.commit(id));
    if (status === 'fulfilled') expectOk(await engine.fulfil(id));
    if (status === 'released') expectOk(await engine.release(id));
    if (status === 'expired') {
      clock.advance(1_000);
      expectOk(await engine.expireDue());
    }
    const current = expectOk(await engine.getReservation(id));
    expect(current.reservation.status).toBe(status);
    return { id, sku };
  }

  describe('receive and get', () => {
    it('receive creates the position and answers its quantities', async () => {
      const result = expectOk(await receive('SKU-1', EAST, 5));
      expect(result).toMatchObject({
        ok: true,
        sku: 'SKU-1',
        location: EAST,
        position: {
          onHand: 5,
          reserved: 0,
          committed: 0,
          available: 5,
          shortfall: 0,
          inbound: 0,
          quarantined: 0,
          backordered: 0,
        },
      });
      expect(Number.isInteger(result.seq)).toBe(true);
      const sku = await view('SKU-1');
      expect(sku).toMatchObject({
        ok: true,
        sku: 'SKU-1',
        mode: 'active',
        onHand: 5,
        reserved: 0,
        committed: 0,
        available: 5,
        shortfall: 0,
      });
      expect(sku.seq).toBe(result.seq);
      expect(sku.locations).toEqual({
        [EAST]: {
          onHand: 5,
          reserved: 0,
          committed: 0,
          available: 5,
          shortfall: 0,
          inbound: 0,
          quarantined: 0,
          backordered: 0,
        },
      });
    });

    it('receive accumulates per position, bumps seq, and SKU totals sum the locations', async () => {
      const first = expectOk(await receive('SKU-1', EAST, 5));
      const second = expectOk(await receive('SKU-1', EAST, 7));
      const third = expectOk(await receive('SKU-1', WEST, 3));
      expect(second.position.onHand).toBe(12);
      expect(third.position.onHand).toBe(3);
      expect(second.seq).toBeGreaterThan(first.seq);
      expect(third.seq).toBeGreaterThan(second.seq);
      const sku = await view('SKU-1');
      expect(sku).toMatchObject({ onHand: 15, available: 15, reserved: 0, committed: 0, shortfall: 0, seq: third.seq });
      expect(sku.locations[EAST].onHand).toBe(12);
      expect(sku.locations[WEST].onHand).toBe(3);
      await assertInvariants(engine, ['SKU-1'], [EAST, WEST]);
    });

    it('get of an unknown SKU is NOT_FOUND', async () => {
      expectRefused(await engine.get('NOPE'), 'NOT_FOUND');
    });
  });

  describe('adjust', () => {
    it('applies positive and negative corrections', async () => {
      await receive('SKU-1', EAST, 10);
      const up = expectOk(await engine.adjust({ sku: 'SKU-1', location: EAST, delta: 5, reason: 'cycle count' }));
      expect(up.position).toEqual({
        onHand: 15,
        reserved: 0,
        committed: 0,
        available: 15,
        shortfall: 0,
        inbound: 0,
        quarantined: 0,
        backordered: 0,
      });
      const down = expectOk(await engine.adjust({ sku: 'SKU-1', location: EAST, delta: -12, reason: 'damaged' }));
      expect(down.position).toEqual({
        onHand: 3,
        reserved: 0,
        committed: 0,
        available: 3,
        shortfall: 0,
        inbound: 0,
        quarantined: 0,
        backordered: 0,
      });
      expect(down.seq).toBeGreaterThan(up.seq);
      expect((await view('SKU-1')).onHand).toBe(3);
    });

    it('may leave onHand below reserved + committed and reports the shortfall', async () => {
      await receive('SKU-1', EAST, 10);
      expectOk(await reserve('h-held', [{ sku: 'SKU-1', qty: 6 }]));
      expectOk(await reserve('h-commit', [{ sku: 'SKU-1', qty: 3 }]));
      expectOk(await engine.commit('h-commit'));
      const result = expectOk(await engine.adjust({ sku: 'SKU-1', location: EAST, delta: -8, reason: 'shrinkage' }));
      expect(result.position).toEqual({
        onHand: 2,
        reserved: 6,
        committed: 3,
        available: 0,
        shortfall: 7,
        inbound: 0,
        quarantined: 0,
        backordered: 0,
      });
      const sku = await view('SKU-1');
      expect(sku).toMatchObject({ onHand: 2, reserved: 6, committed: 3, available: 0, shortfall: 7 });
      await assertInvariants(engine, ['SKU-1']);
    });

    it('shortfall and available are summed per position, not netted across locations', async () => {
      await receive('SKU-1', EAST, 5);
      await receive('SKU-1', WEST, 5);
      expectOk(await reserve('h', [{ sku: 'SKU-1', qty: 5, location: EAST }]));
      expectOk(await engine.adjust({ sku: 'SKU-1', location: EAST, delta: -3, reason: 'broken' }));
      const sku = await view('SKU-1');
      // EAST: onHand 2, reserved 5 -> shortfall 3, available 0; WEST: available 5.
      expect(sku).toMatchObject({ onHand: 7, reserved: 5, committed: 0, available: 5, shortfall: 3 });
      await assertInvariants(engine, ['SKU-1']);
    });

    it('refuses with INSUFFICIENT_STOCK when onHand would go negative, changing nothing', async () => {
      await receive('SKU-1', EAST, 4);
      const before = await snapshot(engine, ['SKU-1']);
      expectRefused(
        await engine.adjust({ sku: 'SKU-1', location: EAST, delta: -5, reason: 'count' }),
        'INSUFFICIENT_STOCK',
      );
      expect(await snapshot(engine, ['SKU-1'])).toEqual(before);
      expectOk(await engine.adjust({ sku: 'SKU-1', location: EAST, delta: -4, reason: 'count' }));
      expect((await view('SKU-1')).onHand).toBe(0);
    });
  });

  describe('reserve', () => {
    it('holds units at the first priority location and answers the placement', async () => {
      await receive('SKU-1', EAST, 10);
      const result = await reserve('order-1', [{ sku: 'SKU-1', qty: 2 }], 'web', 5_000);
      expect(result).toEqual({
        ok: true,
        reservation: {
          id: 'order-1',
          channel: 'web',
          status: 'held',
          expiresAt: clock.nowMs() + 5_000,
          backordered: 0,
          lines: [{ line: 0, sku: 'SKU-1', location: EAST, qty: 2, fulfilled: 0, backordered: 0 }],
        },
      });
      expect(await view('SKU-1')).toMatchObject({ onHand: 10, reserved: 2, committed: 0, available: 8, shortfall: 0 });
    });

    it('expiresAt is the engine clock at processing time plus ttlMs', async () => {
      await receive('SKU-1', EAST, 10);
      clock.set(5_000_000);
      const result = expectOk(await reserve('h', [{ sku: 'SKU-1', qty: 1 }], 'web', 1234));
      expect(result.reservation.expiresAt).toBe(5_001_234);
    });

    it('places unlocated lines by locationOrder, not by first-seen or by size', async () => {
      await receive('SKU-1', WEST, 10); // seen first, but lower priority
      await receive('SKU-1', EAST, 3);
      const a = expectOk(await reserve('a', [{ sku: 'SKU-1', qty: 2 }]));
      expect(a.reservation.lines[0].location).toBe(EAST);
      const b = expectOk(await reserve('b', [{ sku: 'SKU-1', qty: 2 }])); // EAST has 1 left
      expect(b.reservation.lines[0].location).toBe(WEST);
      const c = expectOk(await reserve('c', [{ sku: 'SKU-1', qty: 1 }]));
      expect(c.reservation.lines[0].location).toBe(EAST);
      const sku = await view('SKU-1');
      expect(sku.locations[EAST]).toMatchObject({ reserved: 3, available: 0 });
      expect(sku.locations[WEST]).toMatchObject({ reserved: 2, available: 8 });
    });

    it(
      'places other locations after locationOrder, by name ' + '(docs/api.md: "then every other location, by name")',
      async () => {
        await receive('SKU-1', 'STORE-9', 5); // seen first
        await receive('SKU-1', 'STORE-1', 5);
        await receive('SKU-1', WEST, 1);
        const a = expectOk(await reserve('a', [{ sku: 'SKU-1', qty: 2 }]));
        expect(a.reservation.lines[0].location).toBe('STORE-1');
        const b = expectOk(await reserve('b', [{ sku: 'SKU-1', qty: 4 }])); // STORE-1 has 3 left
        expect(b.reservation.lines[0].location).toBe('STORE-9');
        const c = expectOk(await reserve('c', [{ sku: 'SKU-1', qty: 1 }])); // a locationOrder location first
        expect(c.reservation.lines[0].location).toBe(WEST);
      },
    );

    it('never splits one line over locations', async () => {
      await receive('SKU-1', EAST, 3);
      await receive('SKU-1', WEST, 3);
      const before = await snapshot(engine, ['SKU-1']);
      expectRefused(await reserve('big', [{ sku: 'SKU-1', qty: 5 }]), 'INSUFFICIENT_STOCK');
      expect(await snapshot(engine, ['SKU-1'])).toEqual(before);
    });

    it('honours an explicit location, and refuses when that location lacks stock', async () => {
      await receive('SKU-1', EAST, 10);
      await receive('SKU-1', WEST, 2);
      const west = expectOk(await reserve('w', [{ sku: 'SKU-1', qty: 2, location: WEST }]));
      expect(west.reservation.lines).toEqual([
        { line: 0, sku: 'SKU-1', location: WEST, qty: 2, fulfilled: 0, backordered: 0 },
      ]);
      const before = await snapshot(engine, ['SKU-1']);
      expectRefused(await reserve('w2', [{ sku: 'SKU-1', qty: 1, location: WEST }]), 'INSUFFICIENT_STOCK');
      expectRefused(await reserve('x', [{ sku: 'SKU-1', qty: 1, location: 'NOWHERE' }]), 'INSUFFICIENT_STOCK');
      expect(await snapshot(engine, ['SKU-1'])).toEqual(before);
    });

    it('refuses an unknown SKU with INSUFFICIENT_STOCK and does not create it', async () => {
      expectRefused(await reserve('h', [{ sku: 'GHOST', qty: 1 }]), 'INSUFFICIENT_STOCK');
      expectRefused(await engine.get('GHOST'), 'NOT_FOUND');
    });

    it('is all-or-nothing over its lines', async () => {
      await receive('SKU-1', EAST, 10);
      await receive('SKU-2', EAST, 1);
      const before = await snapshot(engine, ['SKU-1', 'SKU-2']);
      const refused = await reserve('h', [
        { sku: 'SKU-1', qty: 5 },
        { sku: 'SKU-2', qty: 2 },
      ]);
      expectRefused(refused, 'INSUFFICIENT_STOCK');
      expect((refused as { error: { line?: number } }).error.line, 'docs/api.md: error.line is the refused line').toBe(
        1,
      );
      // Quantities and mode are exactly as before; seq may move on a part held during a cross-shard
      // decision (docs/api.md).
      expect(withoutSeq(await snapshot(engine, ['SKU-1', 'SKU-2']))).toEqual(withoutSeq(before));
      expectRefused(await engine.getReservation('h'), 'NOT_FOUND');
    });

    it('holds several SKUs and several locations of one SKU, answering lines in request order', async () => {
      await receive('SKU-1', EAST, 10);
      await receive('SKU-1', WEST, 10);
      await receive('SKU-2', WEST, 10);
      const result = expectOk(
        await reserve('multi', [
          { sku: 'SKU-2', qty: 3 },
          { sku: 'SKU-1', qty: 4, location: WEST },
          { sku: 'SKU-1', qty: 1 },
        ]),
      );
      expect(result.reservation.lines).toEqual([
        { line: 0, sku: 'SKU-2', location: WEST, qty: 3, fulfilled: 0, backordered: 0 },
        { line: 1, sku: 'SKU-1', location: WEST, qty: 4, fulfilled: 0, backordered: 0 },
        { line: 2, sku: 'SKU-1', location: EAST, qty: 1, fulfilled: 0, backordered: 0 },
      ]);
      expect(await view('SKU-1')).toMatchObject({ reserved: 5, available: 15 });
      expect(await view('SKU-2')).toMatchObject({ reserved: 3, available: 7 });
      await assertInvariants(engine, ['SKU-1', 'SKU-2'], [EAST, WEST]);
    });

    it('counts earlier lines of the same hold when placing later ones', async () => {
      await receive('SKU-1', EAST, 5);
      await receive('SKU-1', WEST, 5);
      // The unlocated line takes EAST (4 of 5); the explicit EAST line then cannot have 2.
      const before = await snapshot(engine, ['SKU-1']);
      expectRefused(
        await reserve('h', [
          { sku: 'SKU-1', qty: 4 },
          { sku: 'SKU-1', qty: 2, location: EAST },
        ]),
        'INSUFFICIENT_STOCK',
      );
      expect(await snapshot(engine, ['SKU-1'])).toEqual(before);
    });

    it('sets mode soldOut when nothing is available and back to active when units return', async () => {
      await receive('SKU-1', EAST, 2);
      expectOk(await reserve('h', [{ sku: 'SKU-1', qty: 2 }]));
      expect((await view('SKU-1')).mode).toBe('soldOut');
      expectOk(await engine.release('h'));
      expect((await view('SKU-1')).mode).toBe('active');
      expectOk(await reserve('h2', [{ sku: 'SKU-1', qty: 2 }]));
      expect((await view('SKU-1')).mode).toBe('soldOut');
      expectOk(await receive('SKU-1', WEST, 1));
      expect((await view('SKU-1')).mode).toBe('active');
    });
  });

  describe('commit', () => {
    it('moves reserved to committed, leaving available unchanged', async () => {
      await receive('SKU-1', EAST, 10);
      expectOk(await reserve('h', [{ sku: 'SKU-1', qty: 4 }]));
      const result = expectOk(await engine.commit('h'));
      expect(result.reservation).toMatchObject({
        id: 'h',
        status: 'committed',
        lines: [{ line: 0, sku: 'SKU-1', location: EAST, qty: 4, fulfilled: 0, backordered: 0 }],
      });
      expect(await view('SKU-1')).toMatchObject({ onHand: 10, reserved: 0, committed: 4, available: 6 });
    });

    it('commit of a committed hold is ok and changes nothing', async () => {
      await receive('SKU-1', EAST, 10);
      expectOk(await reserve('h', [{ sku: 'SKU-1', qty: 4 }]));
      expectOk(await engine.commit('h'));
      const before = await snapshot(engine, ['SKU-1']);
      const again = expectOk(await engine.commit('h'));
      expect(again.reservation.status).toBe('committed');
      expect(await snapshot(engine, ['SKU-1'])).toEqual(before);
    });

    it('a committed hold never expires', async () => {
      await receive('SKU-1', EAST, 10);
      expectOk(await reserve('h', [{ sku: 'SKU-1', qty: 4 }], 'web', 100));
      expectOk(await engine.commit('h'));
      clock.advance(10_000);
      expectOk(await engine.expireDue());
      expect(expectOk(await engine.getReservation('h')).reservation.status).toBe('committed');
      expect(await view('SKU-1')).toMatchObject({ committed: 4, available: 6 });
    });

    it('an unknown id is NOT_FOUND', async () => {
      expectRefused(await engine.commit('missing'), 'NOT_FOUND');
    });
  });

  describe('fulfil', () => {
    it('ships everything that remains and ends fulfilled', async () => {
      await receive('SKU-1', EAST, 10);
      await receive('SKU-2', WEST, 10);
      expectOk(
        await reserve('h', [
          { sku: 'SKU-1', qty: 4 },
          { sku: 'SKU-2', qty: 2 },
        ]),
      );
      expectOk(await engine.commit('h'));
      const result = expectOk(await engine.fulfil('h'));
      expect(result.reservation.status).toBe('fulfilled');
      expect(result.reservation.lines).toEqual([
        { line: 0, sku: 'SKU-1', location: EAST, qty: 4, fulfilled: 4, backordered: 0 },
        { line: 1, sku: 'SKU-2', location: WEST, qty: 2, fulfilled: 2, backordered: 0 },
      ]);
      expect(await view('SKU-1')).toMatchObject({ onHand: 6, reserved: 0, committed: 0, available: 6 });
      expect(await view('SKU-2')).toMatchObject({ onHand: 8, reserved: 0, committed: 0, available: 8 });
    });

    it('partial fulfilment stays committed until the last units ship', async () => {
      await receive('SKU-1', EAST, 10);
      await receive('SKU-2', WEST, 10);
      expectOk(
        await reserve('h', [
          { sku: 'SKU-1', qty: 4 },
          { sku: 'SKU-2', qty: 2 },
        ]),
      );
      expectOk(await engine.commit('h'));
      const first = expectOk(await engine.fulfil('h', [{ sku: 'SKU-1', location: EAST, qty: 3 }]));
      expect(first.reservation.status).toBe('committed');
      expect(first.reservation.lines).toEqual([
        { line: 0, sku: 'SKU-1', location: EAST, qty: 4, fulfilled: 3, backordered: 0 },
        { line: 1, sku: 'SKU-2', location: WEST, qty: 2, fulfilled: 0, backordered: 0 },
      ]);
      expect(await view('SKU-1')).toMatchObject({ onHand: 7, committed: 1, available: 6 });
      const second = expectOk(
        await engine.fulfil('h', [
          { sku: 'SKU-2', location: WEST, qty: 2 },
          { sku: 'SKU-1', location: EAST, qty: 1 },
        ]),
      );
      expect(second.reservation.status).toBe('fulfilled');
      expect(await view('SKU-1')).toMatchObject({ onHand: 6, committed: 0, available: 6 });
      expect(await view('SKU-2')).toMatchObject({ onHand: 8, committed: 0, available: 8 });
    });

    it('fulfil(id) after a partial ships only the remainder', async () => {
      await receive('SKU-1', EAST, 10);
      expectOk(await reserve('h', [{ sku: 'SKU-1', qty: 5 }]));
      expectOk(await engine.commit('h'));
      expectOk(await engine.fulfil('h', [{ sku: 'SKU-1', location: EAST, qty: 2 }]));
      const rest = expectOk(await engine.fulfil('h'));
      expect(rest.reservation).toMatchObject({ status: 'fulfilled', lines: [{ qty: 5, fulfilled: 5 }] });
      expect(await view('SKU-1')).toMatchObject({ onHand: 5, committed: 0, available: 5 });
    });

    it('refuses lines that do not match the reservation or exceed what remains, changing nothing', async () => {
      await receive('SKU-1', EAST, 10);
      await receive('SKU-1', WEST, 10);
      expectOk(await reserve('h', [{ sku: 'SKU-1', qty: 4, location: EAST }]));
      expectOk(await engine.commit('h'));
      expectOk(await engine.fulfil('h', [{ sku: 'SKU-1', location: EAST, qty: 1 }]));
      const before = [await snapshot(engine, ['SKU-1']), await engine.getReservation('h')];
      const bad = [
        [{ sku: 'SKU-1', location: WEST, qty: 1 }], // wrong location
        [{ sku: 'SKU-2', location: EAST, qty: 1 }], // wrong sku
        [{ sku: 'SKU-1', location: EAST, qty: 4 }], // more than the 3 remaining
        [
          { sku: 'SKU-1', location: EAST, qty: 3 },
          { sku: 'SKU-1', location: WEST, qty: 1 },
        ], // one bad line spoils all
      ];
      for (const lines of bad) {
        expectRefused(await engine.fulfil('h', lines), 'INVALID_ARGUMENT', `fulfil ${JSON.stringify(lines)}`);
      }
      expect([await snapshot(engine, ['SKU-1']), await engine.getReservation('h')]).toEqual(before);
    });

    it('ships committed units even when the count is short: onHand stops at 0, never below', async () => {
      // Contract: "fulfil ships: committed −= q, onHand −= q (onHand never below 0)"; docs/api.md: "onHand
      // stops at 0 and stats().shards[i].ledger.shippedWithoutStock counts the difference".
      await receive('SKU-1', EAST, 5);
      expectOk(await reserve('h', [{ sku: 'SKU-1', qty: 5 }]));
      expectOk(await engine.commit('h'));
      expectOk(await engine.adjust({ sku: 'SKU-1', location: EAST, delta: -4, reason: 'lost' }));
      expect(await view('SKU-1')).toMatchObject({ onHand: 1, committed: 5, available: 0, shortfall: 4 });
      expectOk(await engine.fulfil('h', [{ sku: 'SKU-1', location: EAST, qty: 1 }]));
      expect(await view('SKU-1')).toMatchObject({ onHand: 0, committed: 4, available: 0, shortfall: 4 });
      const shippedWithoutStock = () =>
        engine.stats().shards.reduce((n, shard) => n + shard.ledger.shippedWithoutStock, 0);
      const before = shippedWithoutStock();
      const rest = expectOk(await engine.fulfil('h'));
      expect(rest.reservation).toMatchObject({ status: 'fulfilled', lines: [{ qty: 5, fulfilled: 5 }] });
      expect(await view('SKU-1')).toMatchObject({ onHand: 0, reserved: 0, committed: 0, available: 0, shortfall: 0 });
      expect(shippedWithoutStock() - before, 'stats count the 4 units shipped without stock').toBe(4);
      await assertInvariants(engine, ['SKU-1']);
    });

    it('an unknown id is NOT_FOUND', async () => {
      expectRefused(await engine.fulfil('missing'), 'NOT_FOUND');
    });
  });

  describe('release', () => {
    it('returns held units', async () => {
      await receive('SKU-1', EAST, 10);
      expectOk(await reserve('h', [{ sku: 'SKU-1', qty: 4 }]));
      const result = expectOk(await engine.release('h'));
      expect(result.reservation.status).toBe('released');
      expect(await view('SKU-1')).toMatchObject({ onHand: 10, reserved: 0, committed: 0, available: 10 });
    });

    it('returns committed units', async () => {
      await receive('SKU-1', EAST, 10);
      expectOk(await reserve('h', [{ sku: 'SKU-1', qty: 4 }]));
      expectOk(await engine.commit('h'));
      expectOk(await engine.release('h'));
      expect(await view('SKU-1')).toMatchObject({ onHand: 10, reserved: 0, committed: 0, available: 10 });
    });

    it('returns only the unshipped units of a partially fulfilled hold', async () => {
      await receive('SKU-1', EAST, 10);
      expectOk(await reserve('h', [{ sku: 'SKU-1', qty: 6 }]));
      expectOk(await engine.commit('h'));
      expectOk(await engine.fulfil('h', [{ sku: 'SKU-1', location: EAST, qty: 2 }]));
      expect(await view('SKU-1')).toMatchObject({ onHand: 8, committed: 4, available: 4 });
      const result = expectOk(await engine.release('h'));
      expect(result.reservation).toMatchObject({ status: 'released', lines: [{ qty: 6, fulfilled: 2 }] });
      expect(await view('SKU-1')).toMatchObject({ onHand: 8, reserved: 0, committed: 0, available: 8 });
    });

    it('release of a released hold is ok and changes nothing', async () => {
      await receive('SKU-1', EAST, 10);
      expectOk(await reserve('h', [{ sku: 'SKU-1', qty: 4 }]));
      expectOk(await engine.release('h'));
      const before = await snapshot(engine, ['SKU-1']);
      const again = expectOk(await engine.release('h'));
      expect(again.reservation.status).toBe('released');
      expect(await snapshot(engine, ['SKU-1'])).toEqual(before);
    });

    it('an unknown id is NOT_FOUND', async () => {
      expectRefused(await engine.release('missing'), 'NOT_FOUND');
    });
  });

  describe('getReservation', () => {
    it('answers the current state of a hold', async () => {
      await receive('SKU-1', EAST, 10);
      const held = expectOk(await reserve('h', [{ sku: 'SKU-1', qty: 4 }]));
      expect(await engine.getReservation('h')).toEqual(held);
      expectOk(await engine.commit('h'));
      const now = expectOk(await engine.getReservation('h'));
      expect(now.reservation).toEqual({ ...held.reservation, status: 'committed' });
    });

    it('unknown and refused ids are NOT_FOUND', async () => {
      expectRefused(await engine.getReservation('missing'), 'NOT_FOUND');
      expectRefused(await reserve('refused', [{ sku: 'GHOST', qty: 1 }]), 'INSUFFICIENT_STOCK');
      expectRefused(await engine.getReservation('refused'), 'NOT_FOUND');
    });
  });

  describe('illegal transitions answer INVALID_STATE and change nothing', () => {
    const illegal: Array<
      ['held' | 'committed' | 'fulfilled' | 'released' | 'expired', 'commit' | 'fulfil' | 'release']
    > = [
      ['held', 'fulfil'],
      ['fulfilled', 'commit'],
      ['fulfilled', 'fulfil'],
      ['fulfilled', 'release'],
      ['released', 'commit'],
      ['released', 'fulfil'],
      ['expired', 'commit'],
      ['expired', 'fulfil'],
      ['expired', 'release'],
    ];
    it.each(illegal)('%s hold: %s', async (status, action) => {
      const { id, sku } = await holdIn(status);
      const before = [await snapshot(engine, [sku]), await engine.getReservation(id)];
      const result = await engine[action](id);
      expectRefused(result, 'INVALID_STATE', `${action} on ${status}`);
      expect([await snapshot(engine, [sku]), await engine.getReservation(id)]).toEqual(before);
    });

    it('partial fulfil of a held hold is INVALID_STATE', async () => {
      const { id, sku } = await holdIn('held');
      const before = await snapshot(engine, [sku]);
      expectRefused(await engine.fulfil(id, [{ sku, location: EAST, qty: 1 }]), 'INVALID_STATE');
      expect(await snapshot(engine, [sku])).toEqual(before);
    });
  });

  describe('freeze and unfreeze', () => {
    it('a frozen SKU refuses new holds with SKU_FROZEN; unfreeze restores active', async () => {
      await receive('SKU-1', EAST, 10);
      const frozen = expectOk(await engine.freeze({ sku: 'SKU-1', reason: 'recall' }));
      expect(frozen).toMatchObject({ ok: true, sku: 'SKU-1', mode: 'frozen' });
      expect((await view('SKU-1')).mode).toBe('frozen');
      const before = await snapshot(engine, ['SKU-1']);
      expectRefused(await reserve('h', [{ sku: 'SKU-1', qty: 1 }]), 'SKU_FROZEN');
      expect(await snapshot(engine, ['SKU-1'])).toEqual(before);
      const thawed = expectOk(await engine.unfreeze('SKU-1'));
      expect(thawed).toMatchObject({ ok: true, sku: 'SKU-1', mode: 'active' });
      expect(thawed.seq).toBeGreaterThan(frozen.seq);
      expectOk(await reserve('h2', [{ sku: 'SKU-1', qty: 1 }]));
    });

    it('unfreeze returns to soldOut when nothing is available', async () => {
      await receive('SKU-1', EAST, 2);
      expectOk(await reserve('h', [{ sku: 'SKU-1', qty: 2 }]));
      expectOk(await engine.freeze({ sku: 'SKU-1', reason: 'audit' }));
      const thawed = expectOk(await engine.unfreeze('SKU-1'));
      expect(thawed.mode).toBe('soldOut');
      expect((await view('SKU-1')).mode).toBe('soldOut');
    });

    it('a frozen SKU in a multi-line hold refuses the whole hold', async () => {
      await receive('SKU-1', EAST, 10);
      await receive('SKU-2', EAST, 10);
      expectOk(await engine.freeze({ sku: 'SKU-2', reason: 'recall' }));
      const before = await snapshot(engine, ['SKU-1', 'SKU-2']);
      const refused = await reserve('h', [
        { sku: 'SKU-1', qty: 1 },
        { sku: 'SKU-2', qty: 1 },
      ]);
      expectRefused(refused, 'SKU_FROZEN');
      expect((refused as { error: { line?: number } }).error.line, 'docs/api.md: error.line is the frozen line').toBe(
        1,
      );
      expect(withoutSeq(await snapshot(engine, ['SKU-1', 'SKU-2']))).toEqual(withoutSeq(before));
    });

    it('freeze and unfreeze of an unknown SKU are NOT_FOUND', async () => {
      expectRefused(await engine.freeze({ sku: 'GHOST', reason: 'recall' }), 'NOT_FOUND');
      expectRefused(await engine.unfreeze('GHOST'), 'NOT_FOUND');
      expectRefused(await engine.get('GHOST'), 'NOT_FOUND');
    });

    it('freeze on frozen and unfreeze on unfrozen are INVALID_STATE', async () => {
      await receive('SKU-1', EAST, 10);
      expectRefused(await engine.unfreeze('SKU-1'), 'INVALID_STATE');
      expectOk(await engine.freeze({ sku: 'SKU-1', reason: 'recall' }));
      const before = await snapshot(engine, ['SKU-1']);
      expectRefused(await engine.freeze({ sku: 'SKU-1', reason: 'again' }), 'INVALID_STATE');
      expect(await snapshot(engine, ['SKU-1'])).toEqual(before);
      expectOk(await engine.unfreeze('SKU-1'));
      const after = await snapshot(engine, ['SKU-1']);
      expectRefused(await engine.unfreeze('SKU-1'), 'INVALID_STATE');
      expect(await snapshot(engine, ['SKU-1'])).toEqual(after);
    });
  });

  describe('expiry', () => {
    it('expireDue expires holds whose expiresAt <= now and returns their units', async () => {
      await receive('SKU-1', EAST, 10);
      expectOk(await reserve('h', [{ sku: 'SKU-1', qty: 4 }], 'web', 1_000));
      expectOk(await reserve('later', [{ sku: 'SKU-1', qty: 1 }], 'web', 5_000));
      clock.advance(999);
      expectOk(await engine.expireDue());
      expect(expectOk(await engine.getReservation('h')).reservation.status).toBe('held');
      expect((await view('SKU-1')).reserved).toBe(5);
      clock.advance(1); // expiresAt === now
      expect(await engine.expireDue()).toEqual({ ok: true });
      expect(expectOk(await engine.getReservation('h')).reservation.status).toBe('expired');
      expect(expectOk(await engine.getReservation('later')).reservation.status).toBe('held');
      expect(await view('SKU-1')).toMatchObject({ onHand: 10, reserved: 1, available: 9 });
    });

    it('a due hold cannot be committed even before any sweep', async () => {
      await receive('SKU-1', EAST, 10);
      expectOk(await reserve('h', [{ sku: 'SKU-1', qty: 4 }], 'web', 1_000));
      clock.advance(1_000);
      expectRefused(await engine.commit('h'), 'INVALID_STATE');
      expect(expectOk(await engine.getReservation('h')).reservation.status).toBe('expired');
      expect(await view('SKU-1')).toMatchObject({ reserved: 0, committed: 0, available: 10 });
    });

    it('the periodic sweep expires due holds without any call', async () => {
      const swept = await make({ shards, clock, locationOrder: [EAST, WEST], expirySweepIntervalMs: 10 });
      const causes: string[] = [];
      swept.subscribe(['SKU-1'], (event) => causes.push(event.cause));
      await swept.receive({ sku: 'SKU-1', location: EAST, qty: 10 });
      expectOk(await swept.reserve({ id: 'h', channel: 'web', ttlMs: 500, lines: [{ sku: 'SKU-1', qty: 3 }] }));
      clock.advance(500);
      await vi.waitFor(() => expect(causes).toContain('expire'), { timeout: 5_000, interval: 20 });
      expect(expectOk(await swept.get('SKU-1'))).toMatchObject({ reserved: 0, available: 10 });
    });
  });

  describe('idempotency', () => {
    it('a replay with the same body answers the original outcome, whatever happened since', async () => {
      await receive('SKU-1', EAST, 10);
      const body = { id: 'h', channel: 'app', ttlMs: 1_000, lines: [{ sku: 'SKU-1', qty: 3 }] };
      const original = expectOk(await engine.reserve(structuredClone(body)));
      const replays = [await engine.reserve(structuredClone(body))];
      clock.advance(100);
      replays.push(await engine.reserve(structuredClone(body))); // later clock: same expiresAt
      expectOk(await engine.commit('h'));
      const beforeReplay = await snapshot(engine, ['SKU-1']);
      replays.push(await engine.reserve(structuredClone(body))); // answers 'held' though committed
      expect(await snapshot(engine, ['SKU-1'])).toEqual(beforeReplay);
      expectOk(await engine.release('h'));
      replays.push(await engine.reserve(structuredClone(body)));
      for (const replay of replays) expect(replay).toEqual(original);
      expect(await view('SKU-1')).toMatchObject({ reserved: 0, committed: 0, available: 10 });
    });

    it('a replay after expiry answers the original and does not hold again', async () => {
      await receive('SKU-1', EAST, 10);
      const body = { id: 'h', channel: 'app', ttlMs: 1_000, lines: [{ sku: 'SKU-1', qty: 3 }] };
      const original = await engine.reserve(structuredClone(body));
      clock.advance(2_000);
      expectOk(await engine.expireDue());
      expect(await engine.reserve(structuredClone(body))).toEqual(original);
      expect(await view('SKU-1')).toMatchObject({ reserved: 0, available: 10 });
    });

    it('recorded refusals replay deep-equal even when stock has since arrived', async () => {
      const body = { id: 'h', channel: 'web', ttlMs: 1_000, lines: [{ sku: 'SKU-1', qty: 3 }] };
      const original = await engine.reserve(structuredClone(body)); // unknown SKU
      expectRefused(original, 'INSUFFICIENT_STOCK');
      await receive('SKU-1', EAST, 10);
      expect(await engine.reserve(structuredClone(body))).toEqual(original);
      expect((await view('SKU-1')).reserved).toBe(0);
      expectRefused(await engine.getReservation('h'), 'NOT_FOUND');
    });

    it('a SKU_FROZEN refusal is recorded and replays after unfreeze', async () => {
      await receive('SKU-1', EAST, 10);
      await engine.freeze({ sku: 'SKU-1', reason: 'recall' });
      const body = { id: 'h', channel: 'web', ttlMs: 1_000, lines: [{ sku: 'SKU-1', qty: 3 }] };
      const original = await engine.reserve(structuredClone(body));
      expectRefused(original, 'SKU_FROZEN');
      await engine.unfreeze('SKU-1');
      expect(await engine.reserve(structuredClone(body))).toEqual(original);
      expect((await view('SKU-1')).reserved).toBe(0);
    });

    it('the same id with a different body is CONFLICT and changes nothing', async () => {
      await receive('SKU-1', EAST, 10);
      await receive('SKU-1', WEST, 10);
      const body = { id: 'h', channel: 'web', ttlMs: 1_000, lines: [{ sku: 'SKU-1', qty: 3 }] };
      const original = expectOk(await engine.reserve(structuredClone(body)));
      const before = [await snapshot(engine, ['SKU-1']), await engine.getReservation('h')];
      const variants = [
        { ...body, channel: 'app' },
        { ...body, ttlMs: 2_000 },
        { ...body, lines: [{ sku: 'SKU-1', qty: 4 }] },
        { ...body, lines: [{ sku: 'SKU-1', qty: 3, location: EAST }] },
        {
          ...body,
          lines: [
            { sku: 'SKU-1', qty: 3 },
            { sku: 'SKU-1', qty: 1, location: WEST },
          ],
        },
      ];
      for (const variant of variants) {
        expectRefused(await engine.reserve(variant), 'CONFLICT', JSON.stringify(variant));
      }
      expect([await snapshot(engine, ['SKU-1']), await engine.getReservation('h')]).toEqual(before);
      expect(await engine.reserve(structuredClone(body))).toEqual(original);
    });

    it('a different body on a recorded refusal is CONFLICT too', async () => {
      const body = { id: 'h', channel: 'web', ttlMs: 1_000, lines: [{ sku: 'SKU-1', qty: 3 }] };
      expectRefused(await engine.reserve(body), 'INSUFFICIENT_STOCK');
      await receive('SKU-1', EAST, 10);
      expectRefused(await engine.reserve({ ...body, lines: [{ sku: 'SKU-1', qty: 2 }] }), 'CONFLICT');
      expect((await view('SKU-1')).reserved).toBe(0);
    });
  });

  describe('subscribe', () => {
    type Event = Parameters<Parameters<Engine['subscribe']>[1]>[0];

    it('emits one event per change with strictly increasing seq, the cause and the new quantities', async () => {
      const events: Event[] = [];
      const off = engine.subscribe(['SKU-1'], (event) => events.push(structuredClone(event)));
      const expected: string[] = [];
      const step = async <T extends { ok: boolean }>(cause: string, op: Promise<T>) => {
        expectOk(await op, cause);
        expected.push(cause);
      };
      await step('receive', receive('SKU-1', EAST, 10));
      await step('adjust', engine.adjust({ sku: 'SKU-1', location: EAST, delta: -1, reason: 'count' }));
      await step('reserve', reserve('a', [{ sku: 'SKU-1', qty: 2 }]));
      await step('commit', engine.commit('a'));
      await step('fulfil', engine.fulfil('a', [{ sku: 'SKU-1', location: EAST, qty: 1 }]));
      await step('release', engine.release('a'));
      await step('reserve', reserve('b', [{ sku: 'SKU-1', qty: 1 }], 'web', 100));
      clock.advance(100);
      await step('expire', engine.expireDue());
      await step('freeze', engine.freeze({ sku: 'SKU-1', reason: 'recall' }));
      await step('unfreeze', engine.unfreeze('SKU-1'));
      await vi.waitFor(() => expect(events.length).toBe(expected.length), { timeout: 2_000 });
      expect(events.map((event) => event.cause)).toEqual(expected);
      for (let i = 1; i < events.length; i++) expect(events[i].seq).toBeGreaterThan(events[i - 1].seq);
      const last = events[events.length - 1];
      const current = await view('SKU-1');
      expect(last.seq).toBe(current.seq);
      expect(last).toMatchObject({
        sku: 'SKU-1',
        mode: current.mode,
        onHand: current.onHand,
        reserved: current.reserved,
        committed: current.committed,
        available: current.available,
        shortfall: current.shortfall,
      });
      const reserveEvent = events[2];
      expect(reserveEvent.positions).toContainEqual({
        location: EAST,
        onHand: 9,
        reserved: 2,
        committed: 0,
        available: 7,
        shortfall: 0,
        inbound: 0,
        quarantined: 0,
        backordered: 0,
      });
      for (const event of events) {
        expect(event.sku).toBe('SKU-1');
        expect(event.onHand + event.shortfall).toBe(event.available + event.reserved + event.committed);
      }
      off();
      await receive('SKU-1', EAST, 1);
      await receive('SKU-1', EAST, 1);
      expect(events.length).toBe(expected.length);
    });

    it('filters by SKU, "*" sees every SKU, and refused operations emit nothing', async () => {
      const one: Event[] = [];
      const all: Event[] = [];
      engine.subscribe(['SKU-1'], (event) => one.push(event));
      engine.subscribe('*', (event) => all.push(event));
      expectOk(await receive('SKU-1', EAST, 1));
      expectOk(await receive('SKU-2', EAST, 1));
      expectRefused(await reserve('x', [{ sku: 'SKU-1', qty: 5 }]), 'INSUFFICIENT_STOCK');
      expectRefused(
        await engine.adjust({ sku: 'SKU-2', location: EAST, delta: -5, reason: 'x' }),
        'INSUFFICIENT_STOCK',
      );
      expectRefused(await engine.commit('x'), 'NOT_FOUND');
      await vi.waitFor(() => expect(all.length).toBe(2), { timeout: 2_000 });
      expect(one.map((event) => event.sku)).toEqual(['SKU-1']);
      expect(all.map((event) => event.sku).sort()).toEqual(['SKU-1', 'SKU-2']);
    });

    it('a listener subscribed twice (per SKU or to "*") keeps listening until both subscriptions end', async () => {
      const causes: string[] = [];
      const everything: string[] = [];
      const listener = (event: Event) => causes.push(`${event.sku} ${event.cause}`);
      const all = (event: Event) => everything.push(event.sku);
      const first = engine.subscribe(['SKU-1'], listener);
      const second = engine.subscribe(['SKU-1', 'SKU-2'], listener);
      const allFirst = engine.subscribe('*', all);
      const allSecond = engine.subscribe('*', all);
      first();
      first(); // idempotent: removes nothing more
      allFirst();
      expectOk(await receive('SKU-1', EAST, 1));
      await vi.waitFor(() => expect(causes).toEqual(['SKU-1 receive']), { timeout: 2_000 });
      await vi.waitFor(() => expect(everything).toEqual(['SKU-1']), { timeout: 2_000 });
      second();
      allSecond();
      expectOk(await receive('SKU-1', EAST, 1));
      expectOk(await receive('SKU-2', EAST, 1));
      await sleep(50);
      expect(causes).toEqual(['SKU-1 receive']);
      expect(everything).toEqual(['SKU-1']);
    });

    it('a listener that throws is counted in stats().listenerErrors and disturbs nothing', async () => {
      const seen: string[] = [];
      engine.subscribe(['SKU-1'], () => {
        throw new Error('listener bug');
      });
      engine.subscribe(['SKU-1'], (event) => seen.push(event.cause));
      const before = engine.stats().listenerErrors;
      expectOk(await receive('SKU-1', EAST, 3));
      expectOk(await reserve('h', [{ sku: 'SKU-1', qty: 1 }]));
      await vi.waitFor(() => expect(seen).toEqual(['receive', 'reserve']), { timeout: 2_000 });
      expect(engine.stats().listenerErrors - before).toBe(2);
      expect(await view('SKU-1')).toMatchObject({ onHand: 3, reserved: 1 });
    });

    it('a multi-SKU reserve emits an event for each SKU it changed', async () => {
      await receive('SKU-1', EAST, 5);
      await receive('SKU-2', WEST, 5);
      const events: Event[] = [];
      engine.subscribe('*', (event) => events.push(event));
      expectOk(
        await reserve('h', [
          { sku: 'SKU-1', qty: 1 },
          { sku: 'SKU-2', qty: 2 },
        ]),
      );
      await vi.waitFor(() => expect(events.length).toBe(2), { timeout: 2_000 });
      expect(events.map((event) => [event.sku, event.cause, event.reserved]).sort()).toEqual([
        ['SKU-1', 'reserve', 1],
        ['SKU-2', 'reserve', 2],
      ]);
    });
  });

  describe('limits', () => {
    it('maxLiveHoldsPerShard refuses with LIMIT_REACHED, which is not recorded', async () => {
      const small = await make({ shards, clock, locationOrder: [EAST, WEST], maxLiveHoldsPerShard: 2 });
      await small.receive({ sku: 'SKU-1', location: EAST, qty: 10 });
      const hold = (id: string) =>
        small.reserve({ id, channel: 'web', ttlMs: TTL_MS, lines: [{ sku: 'SKU-1', qty: 1 }] });
      expectOk(await hold('a'));
      expectOk(await hold('b'));
      const before = await snapshot(small, ['SKU-1']);
      expectRefused(await hold('c'), 'LIMIT_REACHED');
      expect(await snapshot(small, ['SKU-1'])).toEqual(before);
      expectRefused(await small.getReservation('c'), 'NOT_FOUND');
      expectOk(await small.release('a')); // a terminal hold no longer counts
      expectOk(await hold('c'));
      expect(expectOk(await small.get('SKU-1')).reserved).toBe(2);
    });

    it('a position holds at most LIMITS.onHandMax units: beyond, LIMIT_REACHED and nothing changes', async () => {
      const receipts = LIMITS.onHandMax / LIMITS.quantityMax;
      const results = await Promise.all(
        Array.from({ length: receipts }, () => receive('SKU-1', EAST, LIMITS.quantityMax)),
      );
      for (const result of results) expectOk(result);
      expect((await view('SKU-1')).onHand).toBe(LIMITS.onHandMax);
      const before = await snapshot(engine, ['SKU-1']);
      expectRefused(await receive('SKU-1', EAST, 1), 'LIMIT_REACHED');
      expectRefused(await engine.adjust({ sku: 'SKU-1', location: EAST, delta: 1, reason: 'count' }), 'LIMIT_REACHED');
      expect(await snapshot(engine, ['SKU-1'])).toEqual(before);
      expectOk(await receive('SKU-1', WEST, 1)); // another position is not affected
    });

    it('retainedOutcomesPerShard: the oldest ended hold is forgotten first, and its id is free again', async () => {
      const small = await make({ shards, clock, locationOrder: [EAST, WEST], retainedOutcomesPerShard: 1 });
      await small.receive({ sku: 'SKU-1', location: EAST, qty: 10 });
      const hold = (id: string, qty = 1) =>
        small.reserve({ id, channel: 'web', ttlMs: TTL_MS, lines: [{ sku: 'SKU-1', qty }] });
      expectOk(await hold('a'));
      expectOk(await hold('b'));
      expectOk(await small.release('a'));
      expect(expectOk(await small.getReservation('a')).reservation.status).toBe('released');
      expectOk(await small.release('b')); // 'a' is dropped to keep one outcome
      expectRefused(await small.getReservation('a'), 'NOT_FOUND');
      expect(expectOk(await small.getReservation('b')).reservation.status).toBe('released');
      expectOk(await hold('a', 2)); // a new body under the old id: a new hold, not CONFLICT
      expectRefused(await hold('b', 2), 'CONFLICT');
    });

    it('outcomeRetentionMs: an ended hold is forgotten once that long has passed', async () => {
      const brief = await make({ shards, clock, locationOrder: [EAST, WEST], outcomeRetentionMs: 1_000 });
      await brief.receive({ sku: 'SKU-1', location: EAST, qty: 10 });
      const body = { id: 'a', channel: 'web', ttlMs: TTL_MS, lines: [{ sku: 'SKU-1', qty: 1 }] };
      const original = await brief.reserve(body);
      expectOk(await brief.release('a'));
      clock.advance(999);
      expectOk(await brief.expireDue());
      expect(await brief.reserve(body)).toEqual(original);
      clock.advance(1);
      expectOk(await brief.expireDue());
      expectRefused(await brief.getReservation('a'), 'NOT_FOUND');
      expectOk(await brief.reserve({ ...body, lines: [{ sku: 'SKU-1', qty: 2 }] }));
      expect(expectOk(await brief.get('SKU-1')).reserved).toBe(2);
    });
  });

  describe('close', () => {
    it('after close every operation resolves CLOSED', async () => {
      const closing = await make({ shards, clock, locationOrder: [EAST, WEST] });
      await closing.receive({ sku: 'SKU-1', location: EAST, qty: 5 });
      await closing.reserve({ id: 'h', channel: 'web', ttlMs: TTL_MS, lines: [{ sku: 'SKU-1', qty: 1 }] });
      await closing.close();
      const results = await Promise.all([
        closing.receive({ sku: 'SKU-1', location: EAST, qty: 1 }),
        closing.adjust({ sku: 'SKU-1', location: EAST, delta: 1, reason: 'x' }),
        closing.reserve({ id: 'h2', channel: 'web', ttlMs: TTL_MS, lines: [{ sku: 'SKU-1', qty: 1 }] }),
        closing.commit('h'),
        closing.fulfil('h'),
        closing.release('h'),
        closing.getReservation('h'),
        closing.get('SKU-1'),
        closing.freeze({ sku: 'SKU-1', reason: 'x' }),
        closing.unfreeze('SKU-1'),
        closing.expireDue(),
      ]);
      for (const result of results) expectRefused(result, 'CLOSED');
    });

    it('operations in flight at close resolve (never reject or hang)', async () => {
      const closing = await make({ shards, clock, locationOrder: [EAST, WEST] });
      await closing.receive({ sku: 'SKU-1', location: EAST, qty: 1_000 });
      const pending = Array.from({ length: 200 }, (_, i) =>
        closing.reserve({ id: `h${i}`, channel: 'web', ttlMs: TTL_MS, lines: [{ sku: 'SKU-1', qty: 1 }] }),
      );
      const closed = closing.close();
      const settled = await Promise.allSettled(pending);
      await closed;
      for (const outcome of settled) {
        expect(outcome.status).toBe('fulfilled');
        if (outcome.status !== 'fulfilled') continue;
        if (!outcome.value.ok) expect(['CLOSED', 'UNAVAILABLE']).toContain(outcome.value.error.code);
      }
    });
  });
});

describe('ledger operations: shard placement (shards 2)', () => {
  const make = engineFactory();
  it('a hold spanning SKUs on both shards is all-or-nothing', async () => {
    const engine = await make({ shards: 2, locationOrder: [EAST] });
    const skus = Array.from({ length: 16 }, (_, i) => `SPAN-${i}`);
    for (const sku of skus) await engine.receive({ sku, location: EAST, qty: 1 });
    const byShard = new Map<number, string>();
    for (const sku of skus) byShard.set(await shardOf(engine, sku), sku);
    expect([...byShard.keys()].sort(), 'SKUs land on both shards').toEqual([0, 1]);
    const [a, b] = [byShard.get(0)!, byShard.get(1)!];
    const before = await snapshot(engine, [a, b]);
    const events: Array<{ sku: string; cause: string }> = [];
    engine.subscribe('*', (event) => events.push({ sku: event.sku, cause: event.cause }));
    const refused = await engine.reserve({
      id: 'span-1',
      channel: 'web',
      ttlMs: TTL_MS,
      lines: [
        { sku: a, qty: 1 },
        { sku: b, qty: 2 },
      ],
    });
    expectRefused(refused, 'INSUFFICIENT_STOCK');
    expect((refused as { error: { line?: number } }).error.line, 'the refusal of the lowest refused line').toBe(1);
    const after = await snapshot(engine, [a, b]);
    expect(withoutSeq(after), 'quantities and mode are as before').toEqual(withoutSeq(before));
    await sleep(50);
    // docs/api.md: the part held while the hold was decided shows it truthfully (reserve, then abort);
    // the refused part never changed.
    expect(events, 'only the held part reports, and it gives its units back').toEqual([
      { sku: a, cause: 'reserve' },
      { sku: a, cause: 'abort' },
    ]);
    const seqOf = (view: unknown) => (view as { seq: number }).seq;
    expect(seqOf(after[0]), 'the held part moved on by its reserve and its abort').toBe(seqOf(before[0]) + 2);
    expect(seqOf(after[1]), 'the refused part did not change').toBe(seqOf(before[1]));
    expectOk(
      await engine.reserve({
        id: 'span-2',
        channel: 'web',
        ttlMs: TTL_MS,
        lines: [
          { sku: a, qty: 1 },
          { sku: b, qty: 1 },
        ],
      }),
    );
    expect(expectOk(await engine.get(a)).reserved).toBe(1);
    expect(expectOk(await engine.get(b)).reserved).toBe(1);
  });
});
