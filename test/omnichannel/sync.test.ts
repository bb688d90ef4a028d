/**
 * sync / syncMany: an absolute count taken at `asOf` is rebased over the
 * movements the engine recorded after it: new onHand = max(0, count + Σ movements with time > asOf).
 * A manual clock gives every movement its time.
 *
 * From issue 3 spec, "sync".
 */
import { describe, expect, it } from 'vitest';
import {
  BATCH_OPERATIONS,
  LIMITS,
  type BatchEntry,
  type ChangeEvent,
  type SyncRequest,
} from '../../dist/engine/index.js';
import {
  assertInvariants,
  engineFactory,
  expectOk,
  expectRefused,
  manualClock,
  snapshot,
  type Engine,
  type EngineOptions,
  type ManualClock,
} from '../engine/support/helpers.js';

const TTL = 600_000;
const T0 = 1_000_000;
const DAY = 24 * 3600 * 1000;

describe.each([0, 2])('sync (shards %i)', (shards) => {
  const make = engineFactory();

  /** S with 10 at A and 10 at B, received at T0. */
  async function setUp(options: EngineOptions = {}, start = T0): Promise<{ engine: Engine; clock: ManualClock }> {
    const clock = manualClock(start);
    const engine = await make({ shards, clock, locationOrder: ['A', 'B'], expirySweepIntervalMs: 0, ...options });
    expectOk(await engine.receive({ sku: 'S', location: 'A', qty: 10 }));
    expectOk(await engine.receive({ sku: 'S', location: 'B', qty: 10 }));
    return { engine, clock };
  }

  async function ship(engine: Engine, id: string, qty: number, location = 'A') {
    expectOk(await engine.reserve({ id, channel: 'web', ttlMs: TTL, lines: [{ sku: 'S', qty, location }] }));
    expectOk(await engine.commit(id));
    expectOk(await engine.fulfil(id));
  }

  const sync = (engine: Engine, onHand: number, asOf: number, location = 'A', sku = 'S') =>
    engine.sync({ sku, location, onHand, asOf });

  it(
    'a return received before a count but restocked after it ' + 'is not counted twice (the movement is at receivedAt)',
    async () => {
      const { engine, clock } = await setUp();
      const receivedAt = clock.advance(1_000); // 2 units come back to A's dock
      const asOf = clock.advance(500); // the WMS counts A: the 10 on the shelf and the 2 returned = 12
      clock.advance(500);
      await ship(engine, 'o1', 3); // 3 leave A after the count
      clock.advance(500);
      // the engine hears of it now
      expectOk(await engine.restock({ sku: 'S', location: 'A', qty: 2, condition: 'sellable', receivedAt }));
      expect(expectOk(await engine.get('S')).locations.A.onHand).toBe(9);
      clock.advance(1_000);
      const synced = expectOk(await sync(engine, 12, asOf));
      expect(synced.rebasedBy).toBe(-3);
      expect(synced.delta).toBe(0);
      expect(synced.position.onHand).toBe(9);
      // A count taken before the return arrived is rebased by it: 10 counted + 2 received since.
      const earlier = expectOk(await engine.sync({ sku: 'S', location: 'B', onHand: 10, asOf: receivedAt - 1 }));
      expect(earlier.position.onHand).toBe(10);
      await assertInvariants(engine, ['S'], ['A', 'B']);
    },
  );

  it(
    'units shipped beyond what the engine had on hand still move ' +
      'the count: a later-arriving count rebases by all of them',
    async () => {
      const { engine, clock } = await setUp();
      expectOk(
        await engine.reserve({ id: 'o1', channel: 'web', ttlMs: TTL, lines: [{ sku: 'S', qty: 8, location: 'A' }] }),
      );
      expectOk(await engine.commit('o1'));
      clock.advance(1_000);
      expectOk(await sync(engine, 5, clock.nowMs())); // a miscount: 5 (8 committed: a shortfall of 3)
      const asOf = clock.advance(1_000); // a recount finds the 10 really there…
      clock.advance(1_000);
      expectOk(await engine.fulfil('o1')); // …then 8 leave the shelf, 3 of them beyond the engine's 5
      expect(expectOk(await engine.get('S')).locations.A.onHand).toBe(0);
      clock.advance(1_000);
      // The recount arrives: 10 − the 8 that left since = 2 (not 10 − 5).
      const recount = expectOk(await sync(engine, 10, asOf));
      expect(recount.rebasedBy).toBe(-8);
      expect(recount.position.onHand).toBe(2);
      await assertInvariants(engine, ['S'], ['A', 'B']);
    },
  );

  it('a count taken before a fulfilment shipped is not double-deducted', async () => {
    const { engine, clock } = await setUp();
    const asOf = clock.advance(1_000); // the WMS counts 10 at A
    clock.advance(1_000);
    await ship(engine, 'o1', 3);
    expect(expectOk(await engine.get('S')).locations.A.onHand).toBe(7);
    clock.advance(1_000);
    const result = expectOk(await sync(engine, 10, asOf));
    expect(result).toEqual({
      ok: true,
      sku: 'S',
      location: 'A',
      seq: result.seq,
      rebasedBy: -3,
      delta: 0,
      position: {
        onHand: 7,
        reserved: 0,
        committed: 0,
        available: 7,
        shortfall: 0,
        inbound: 0,
        quarantined: 0,
        backordered: 0,
      },
    });
    const view = expectOk(await engine.get('S'));
    expect(view.locations.A.onHand).toBe(7);
    expect(view.seq).toBe(result.seq);
  });

  it('a count taken before a receive is not double-counted; a real difference is applied', async () => {
    const { engine, clock } = await setUp();
    const asOf = clock.advance(1_000);
    clock.advance(1_000);
    expectOk(await engine.receive({ sku: 'S', location: 'A', qty: 5 }));
    clock.advance(1_000);
    expect(expectOk(await sync(engine, 10, asOf))).toMatchObject({ rebasedBy: 5, delta: 0, position: { onHand: 15 } });
    // The same asOf again is allowed: the count said 8, not 10.
    expect(expectOk(await sync(engine, 8, asOf))).toMatchObject({
      rebasedBy: 5,
      delta: -2,
      position: { onHand: 13, available: 13 },
    });
    expect(expectOk(await engine.get('S'))).toMatchObject({ onHand: 23 });
  });

  type Step = (engine: Engine) => Promise<unknown>;
  const movements: Array<[string, Step | null, Step, number]> = [
    ['receive', null, (e) => e.receive({ sku: 'S', location: 'A', qty: 5 }), 5],
    ['adjust down', null, (e) => e.adjust({ sku: 'S', location: 'A', delta: -2, reason: 'count' }), -2],
    ['adjust up', null, (e) => e.adjust({ sku: 'S', location: 'A', delta: 3, reason: 'found' }), 3],
    ['fulfil', null, (e) => ship(e, 'o', 4), -4],
    ['restock sellable', null, (e) => e.restock({ sku: 'S', location: 'A', qty: 2, condition: 'sellable' }), 2],
    [
      'restock damaged (not on hand)',
      null,
      (e) => e.restock({ sku: 'S', location: 'A', qty: 2, condition: 'damaged' }),
      0,
    ],
    ['transfer out', null, (e) => e.transfer({ id: 't', sku: 'S', from: 'A', to: 'B', qty: 4 }), -4],
    ['transfer in', null, (e) => e.transfer({ id: 't', sku: 'S', from: 'B', to: 'A', qty: 4 }), 4],
    [
      'in-transit transfer out',
      null,
      (e) => e.transfer({ id: 't', sku: 'S', from: 'A', to: 'B', qty: 4, inTransit: true }),
      -4,
    ],
    [
      'in-transit transfer sent to A, not received',
      null,
      (e) => e.transfer({ id: 't', sku: 'S', from: 'B', to: 'A', qty: 4, inTransit: true }),
      0,
    ],
    [
      'in-transit transfer sent before, received after',
      (e) => e.transfer({ id: 't', sku: 'S', from: 'B', to: 'A', qty: 4, inTransit: true }),
      (e) => e.receiveTransfer({ sku: 'S', id: 't' }),
      4,
    ],
    [
      'reserve, commit, release (no onHand change)',
      null,
      async (e) => {
        expectOk(
          await e.reserve({ id: 'h', channel: 'web', ttlMs: TTL, lines: [{ sku: 'S', qty: 3, location: 'A' }] }),
        );
        expectOk(await e.commit('h'));
        expectOk(await e.release('h'));
      },
      0,
    ],
  ];

  it.each(movements)('%s after asOf: rebased by the movement', async (_name, before, after, expected) => {
    const { engine, clock } = await setUp();
    clock.advance(1_000);
    if (before !== null) {
      const result = (await before(engine)) as { ok?: boolean } | undefined;
      if (result !== undefined) expectOk(result as { ok: boolean });
      clock.advance(1_000);
    }
    const asOf = clock.nowMs();
    clock.advance(1_000);
    const result = (await after(engine)) as { ok?: boolean } | undefined;
    if (result !== undefined) expectOk(result as { ok: boolean });
    const now = expectOk(await engine.get('S')).locations.A;
    clock.advance(1_000);
    const synced = expectOk(await sync(engine, 10, asOf));
    expect(synced.rebasedBy).toBe(expected);
    expect(synced.position.onHand).toBe(10 + expected);
    // The engine already agreed with the rebased count: nothing moved, inbound and quarantined kept.
    expect(synced.delta).toBe(0);
    expect(synced.position).toMatchObject({ onHand: now.onHand, inbound: now.inbound, quarantined: now.quarantined });
  });

  it('a movement at exactly asOf is part of the count (only later ones are rebased)', async () => {
    const { engine, clock } = await setUp();
    const at = clock.advance(1_000);
    expectOk(await engine.receive({ sku: 'S', location: 'A', qty: 5 }));
    clock.advance(1_000);
    expect(expectOk(await sync(engine, 15, at))).toMatchObject({ rebasedBy: 0, delta: 0, position: { onHand: 15 } });
  });

  it('transfers rebase both positions', async () => {
    const { engine, clock } = await setUp();
    const asOf = clock.advance(1_000);
    clock.advance(1_000);
    expectOk(await engine.transfer({ id: 't', sku: 'S', from: 'A', to: 'B', qty: 6 }));
    clock.advance(1_000);
    expect(expectOk(await sync(engine, 10, asOf, 'A'))).toMatchObject({
      rebasedBy: -6,
      delta: 0,
      position: { onHand: 4 },
    });
    expect(expectOk(await sync(engine, 11, asOf, 'B'))).toMatchObject({
      rebasedBy: 6,
      delta: 1,
      position: { onHand: 17 },
    });
  });

  it('a sync is not a movement for the next sync', async () => {
    const { engine, clock } = await setUp();
    const first = clock.advance(1_000);
    clock.advance(1_000);
    expect(expectOk(await sync(engine, 20, first))).toMatchObject({
      rebasedBy: 0,
      delta: 10,
      position: { onHand: 20 },
    });
    clock.advance(1_000);
    // A later count (taken before the first was applied) that agrees: the +10 is not rebased in.
    expect(expectOk(await sync(engine, 20, first + 500))).toMatchObject({
      rebasedBy: 0,
      delta: 0,
      position: { onHand: 20 },
    });
    expect(expectOk(await engine.get('S')).locations.A.onHand).toBe(20);
  });

  it('a retry with the same asOf after more movements gives the same onHand', async () => {
    const { engine, clock } = await setUp();
    const asOf = clock.advance(1_000);
    clock.advance(1_000);
    expect(expectOk(await sync(engine, 12, asOf)).position.onHand).toBe(12);
    clock.advance(1_000);
    expectOk(await engine.receive({ sku: 'S', location: 'A', qty: 5 }));
    clock.advance(1_000);
    expect(expectOk(await sync(engine, 12, asOf))).toMatchObject({ rebasedBy: 5, delta: 0, position: { onHand: 17 } });
  });

  it('STALE_SYNC for an asOf older than the last applied at that position: nothing changes, seq kept', async () => {
    const { engine, clock } = await setUp();
    const older = clock.advance(1_000);
    const newer = clock.advance(1_000);
    clock.advance(1_000);
    expectOk(await sync(engine, 9, newer));
    const events: ChangeEvent[] = [];
    engine.subscribe(['S'], (event) => events.push(event));
    const before = await snapshot(engine, ['S']);
    expect(expectRefused(await sync(engine, 3, older), 'STALE_SYNC').message).toEqual(expect.any(String));
    expectRefused(await sync(engine, 9, newer - 1), 'STALE_SYNC');
    expect(await snapshot(engine, ['S'])).toEqual(before);
    // Per position: B has had no count yet.
    expect(expectOk(await sync(engine, 10, older, 'B')).position.onHand).toBe(10);
    expect(events.map((event) => event.cause)).toEqual(['sync']);
  });

  it('SYNC_TOO_OLD before now − syncHorizonMs; exactly at the horizon is accepted', async () => {
    const { engine, clock } = await setUp({ syncHorizonMs: 10_000 });
    const now = clock.advance(20_000);
    const before = await snapshot(engine, ['S']);
    expectRefused(await sync(engine, 4, now - 10_001), 'SYNC_TOO_OLD');
    expect(await snapshot(engine, ['S'])).toEqual(before);
    expect(expectOk(await sync(engine, 4, now - 10_000))).toMatchObject({ rebasedBy: 0, position: { onHand: 4 } });
  });

  it('the default horizon is 24 h', async () => {
    const { engine, clock } = await setUp({}, 10 * DAY);
    const now = clock.advance(2 * DAY);
    expectRefused(await sync(engine, 4, now - DAY - 1), 'SYNC_TOO_OLD');
    expect(expectOk(await sync(engine, 4, now - DAY)).position.onHand).toBe(4);
  });

  it('SYNC_TOO_OLD once syncMovementsPerPositionMax evicted movements after asOf', async () => {
    const { engine, clock } = await setUp({ syncMovementsPerPositionMax: 3 });
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      times.push(clock.advance(1_000));
      expectOk(await engine.receive({ sku: 'S', location: 'A', qty: 1 }));
    }
    expectOk(await engine.receive({ sku: 'S', location: 'B', qty: 1 }));
    clock.advance(1_000);
    const before = await snapshot(engine, ['S']);
    // The movements at times[0] and times[1] (after this asOf) were forgotten.
    expectRefused(await sync(engine, 10, times[0] - 500), 'SYNC_TOO_OLD');
    expect(await snapshot(engine, ['S'])).toEqual(before);
    // From the oldest remembered movement on, rebasing still works.
    expect(expectOk(await sync(engine, 10, times[2]))).toMatchObject({ rebasedBy: 2, position: { onHand: 12 } });
    // Another position keeps its own movements.
    expect(expectOk(await sync(engine, 10, times[0] - 500, 'B'))).toMatchObject({
      rebasedBy: 1,
      position: { onHand: 11 },
    });
  });

  it('the default syncMovementsPerPositionMax is 256', async () => {
    const { engine, clock } = await setUp();
    const asOf = clock.advance(1_000);
    // A fresh SKU: every movement of D is after asOf. 256 at A, 257 at B.
    for (let i = 0; i < 256; i++) {
      clock.advance(1);
      expectOk(await engine.receive({ sku: 'D', location: 'A', qty: 1 }));
      clock.advance(1);
      expectOk(await engine.receive({ sku: 'D', location: 'B', qty: 1 }));
    }
    clock.advance(1);
    expectOk(await engine.receive({ sku: 'D', location: 'B', qty: 1 }));
    clock.advance(1);
    // 256 remembered at A: a count from before all of them still rebases.
    expect(expectOk(await sync(engine, 0, asOf, 'A', 'D'))).toMatchObject({
      rebasedBy: 256,
      delta: 0,
      position: { onHand: 256 },
    });
    // 257 at B: the first (after asOf) was evicted.
    expectRefused(await sync(engine, 0, asOf, 'B', 'D'), 'SYNC_TOO_OLD');
    expect(expectOk(await engine.get('D')).locations.B.onHand).toBe(257);
  });

  it('a count below reserved + committed leaves a shortfall, reported in position and SKU views', async () => {
    const { engine, clock } = await setUp();
    expectOk(
      await engine.reserve({ id: 'c', channel: 'web', ttlMs: TTL, lines: [{ sku: 'S', qty: 4, location: 'A' }] }),
    );
    expectOk(await engine.commit('c'));
    expectOk(
      await engine.reserve({ id: 'h', channel: 'web', ttlMs: TTL, lines: [{ sku: 'S', qty: 3, location: 'A' }] }),
    );
    clock.advance(1_000);
    const result = expectOk(await sync(engine, 5, clock.nowMs()));
    expect(result.delta).toBe(-5);
    expect(result.position).toMatchObject({ onHand: 5, reserved: 3, committed: 4, available: 0, shortfall: 2 });
    const view = expectOk(await engine.get('S'));
    expect(view.locations.A).toMatchObject({ onHand: 5, shortfall: 2, available: 0 });
    expect(view).toMatchObject({ onHand: 15, shortfall: 2, available: 10 });
    expect(expectOk(await engine.getReservation('h')).reservation.status).toBe('held');
    await assertInvariants(engine, ['S'], ['A', 'B']);
  });

  it('the rebased count is clamped at 0', async () => {
    const { engine, clock } = await setUp();
    const asOf = clock.advance(1_000);
    clock.advance(1_000);
    await ship(engine, 'o', 5);
    clock.advance(1_000);
    expect(expectOk(await sync(engine, 2, asOf))).toMatchObject({
      rebasedBy: -5,
      delta: -5,
      position: { onHand: 0, available: 0 },
    });
  });

  it('an asOf in the future is treated as now (nothing rebased)', async () => {
    const { engine, clock } = await setUp();
    clock.advance(1_000);
    expectOk(await engine.receive({ sku: 'S', location: 'A', qty: 2 }));
    expect(expectOk(await sync(engine, 3, clock.nowMs() + 5_000))).toMatchObject({
      rebasedBy: 0,
      delta: -9,
      position: { onHand: 3 },
    });
  });

  it('a future asOf is taken as now: a count taken later, before that future time, is not stale', async () => {
    const { engine, clock } = await setUp();
    const now = clock.advance(1_000);
    expectOk(await sync(engine, 3, now + 5_000));
    clock.advance(1_000);
    expectOk(await engine.receive({ sku: 'S', location: 'A', qty: 2 }));
    clock.advance(1_000);
    // Taken at now + 500 (after the first count was applied at now, before its claimed asOf, before the
    // receive): not stale, and rebased by the receive.
    expect(expectOk(await sync(engine, 4, now + 500))).toMatchObject({
      rebasedBy: 2,
      delta: 1,
      position: { onHand: 6 },
    });
  });

  it('inbound and quarantined are not touched', async () => {
    const { engine, clock } = await setUp();
    expectOk(await engine.transfer({ id: 't', sku: 'S', from: 'B', to: 'A', qty: 4, inTransit: true }));
    expectOk(await engine.restock({ sku: 'S', location: 'A', qty: 2, condition: 'damaged' }));
    clock.advance(1_000);
    const result = expectOk(await sync(engine, 1, clock.nowMs()));
    expect(result.position).toMatchObject({ onHand: 1, inbound: 4, quarantined: 2 });
    expectOk(await engine.receiveTransfer({ sku: 'S', id: 't' }));
    expect(expectOk(await engine.get('S')).locations.A).toMatchObject({ onHand: 5, inbound: 0, quarantined: 2 });
  });

  it('emits one sync event with the position, and creates unknown SKUs and positions', async () => {
    const { engine, clock } = await setUp();
    const events: ChangeEvent[] = [];
    engine.subscribe('*', (event) => events.push(event));
    clock.advance(1_000);
    const result = expectOk(await sync(engine, 6, clock.nowMs(), 'Z'));
    expect(result).toMatchObject({
      sku: 'S',
      location: 'Z',
      rebasedBy: 0,
      delta: 6,
      position: { onHand: 6, available: 6 },
    });
    const created = expectOk(await sync(engine, 7, clock.nowMs(), 'X', 'NEW'));
    expect(created).toMatchObject({ sku: 'NEW', location: 'X', delta: 7, position: { onHand: 7 } });
    const view = expectOk(await engine.get('NEW'));
    expect(view).toMatchObject({ onHand: 7, available: 7 });
    expect(Object.keys(view.locations)).toEqual(['X']);
    expect(expectOk(await engine.get('S')).locations.Z.onHand).toBe(6);
    expect(events.map((event) => [event.sku, event.cause, event.seq])).toEqual([
      ['S', 'sync', result.seq],
      ['NEW', 'sync', created.seq],
    ]);
    expect(events[0].positions).toEqual([{ location: 'Z', ...result.position }]);
    expect(events[0].channels).toEqual({ '*': 26 });
  });

  it('validation: INVALID_ARGUMENT naming the field, and nothing changes', async () => {
    const { engine, clock } = await setUp();
    const now = clock.advance(1_000);
    const before = await snapshot(engine, ['S']);
    const cases: Array<[object, RegExp]> = [
      [{ sku: 'S', location: 'A', onHand: -1, asOf: now }, /onHand/],
      [{ sku: 'S', location: 'A', onHand: 1.5, asOf: now }, /onHand/],
      [{ sku: 'S', location: 'A', onHand: '3', asOf: now }, /onHand/],
      [{ sku: 'S', location: 'A', onHand: LIMITS.onHandMax + 1, asOf: now }, /onHand/],
      [{ sku: 'S', location: 'A', asOf: now }, /onHand/],
      [{ sku: 'S', location: 'A', onHand: 1, asOf: -1 }, /asOf/],
      [{ sku: 'S', location: 'A', onHand: 1, asOf: 1.5 }, /asOf/],
      [{ sku: 'S', location: 'A', onHand: 1, asOf: 'now' }, /asOf/],
      [{ sku: 'S', location: 'A', onHand: 1 }, /asOf/],
      [{ sku: '', location: 'A', onHand: 1, asOf: now }, /sku/],
      [{ location: 'A', onHand: 1, asOf: now }, /sku/],
      [{ sku: 'S', onHand: 1, asOf: now }, /location/],
      [{ sku: 'S', location: 'x'.repeat(LIMITS.locationLengthMax + 1), onHand: 1, asOf: now }, /location/],
      [{ sku: 'S', location: 'A', onHand: 1, asOf: now, source: 'erp' }, /source/],
    ];
    for (const [request, field] of cases) {
      const error = expectRefused(
        await engine.sync(request as never),
        'INVALID_ARGUMENT',
        `sync(${JSON.stringify(request)})`,
      );
      expect(error.message, JSON.stringify(request)).toMatch(field);
    }
    expectRefused(await engine.sync(null as never), 'INVALID_ARGUMENT');
    expect(await snapshot(engine, ['S'])).toEqual(before);
    // The largest onHand and a count of 0 are fine.
    expect(expectOk(await sync(engine, LIMITS.onHandMax, now, 'A', 'BIG')).position.onHand).toBe(LIMITS.onHandMax);
    expect(expectOk(await sync(engine, 0, now, 'B')).position.onHand).toBe(0);
  });

  describe('syncMany', () => {
    it('applies 5000 counts in one call, one result per count, in order', async () => {
      const { engine, clock } = await setUp();
      const now = clock.advance(1_000);
      const requests: SyncRequest[] = Array.from({ length: 5000 }, (_, i) => ({
        sku: `K${i % 100}`,
        location: `L${Math.floor(i / 100)}`,
        onHand: i % 7,
        asOf: now,
      }));
      const answer = expectOk(await engine.syncMany(requests));
      expect(answer.results).toHaveLength(5000);
      answer.results.forEach((result, i) => {
        const ok = expectOk(result, `results[${i}]`);
        expect([ok.sku, ok.location, ok.position.onHand, ok.delta]).toEqual([
          requests[i].sku,
          requests[i].location,
          i % 7,
          i % 7,
        ]);
      });
      for (const k of [0, 37, 99]) {
        const view = expectOk(await engine.get(`K${k}`));
        const expected = requests
          .filter((request) => request.sku === `K${k}`)
          .reduce((sum, request) => sum + request.onHand, 0);
        expect(view.onHand).toBe(expected);
        expect(Object.keys(view.locations)).toHaveLength(50);
      }
    });

    it('more than LIMITS.syncManyMax counts, or not an array, is refused whole', async () => {
      const { engine, clock } = await setUp();
      const now = clock.advance(1_000);
      const requests = Array.from({ length: LIMITS.syncManyMax + 1 }, (_, i) => ({
        sku: `M${i}`,
        location: 'A',
        onHand: 1,
        asOf: now,
      }));
      expectRefused(await engine.syncMany(requests), 'INVALID_ARGUMENT');
      expectRefused(await engine.get('M0'), 'NOT_FOUND');
      expectRefused(
        await engine.syncMany({ sku: 'S', location: 'A', onHand: 1, asOf: now } as never),
        'INVALID_ARGUMENT',
      );
      expectRefused(await engine.syncMany(null as never), 'INVALID_ARGUMENT');
      expect(expectOk(await engine.syncMany([])).results).toEqual([]);
      expect(expectOk(await engine.get('S')).locations.A.onHand).toBe(10);
    });

    it('a malformed or stale entry gets its own refusal while the others apply', async () => {
      const { engine, clock } = await setUp();
      const earlier = clock.advance(1_000);
      const now = clock.advance(1_000);
      const answer = expectOk(
        await engine.syncMany([
          { sku: 'S', location: 'A', onHand: 3, asOf: now },
          { sku: 'S', location: 'B', onHand: -1, asOf: now },
          { sku: 'S', location: 'C', onHand: 4, asOf: now },
          null as never,
          { sku: 'S', location: 'A', onHand: 8, asOf: earlier },
          { sku: 'T', location: 'A', onHand: 2, asOf: now, extra: 1 } as never,
        ]),
      );
      expect(answer.results).toHaveLength(6);
      expect(expectOk(answer.results[0])).toMatchObject({ location: 'A', position: { onHand: 3 } });
      expectRefused(answer.results[1], 'INVALID_ARGUMENT');
      expect(expectOk(answer.results[2])).toMatchObject({ location: 'C', position: { onHand: 4 } });
      expectRefused(answer.results[3], 'INVALID_ARGUMENT');
      expectRefused(answer.results[4], 'STALE_SYNC');
      expectRefused(answer.results[5], 'INVALID_ARGUMENT');
      const view = expectOk(await engine.get('S'));
      expect([view.locations.A.onHand, view.locations.B.onHand, view.locations.C.onHand]).toEqual([3, 10, 4]);
      expectRefused(await engine.get('T'), 'NOT_FOUND');
    });
  });

  it('batch() carries sync and setPolicy, applied in order per SKU', async () => {
    const { engine, clock } = await setUp();
    expect(BATCH_OPERATIONS).toContain('sync');
    expect(BATCH_OPERATIONS).toContain('setPolicy');
    const now = clock.advance(1_000);
    const ops = [
      { op: 'sync', args: [{ sku: 'S', location: 'A', onHand: 4, asOf: now }] },
      { op: 'setPolicy', args: [{ sku: 'S', safetyStock: 3 }] },
      { op: 'get', args: ['S'] },
      { op: 'sync', args: [{ sku: 'S', location: 'A', onHand: -4, asOf: now }] },
      { op: 'setPolicy', args: [{ sku: 'S', safetyStock: -3 }] },
    ] as unknown as BatchEntry[];
    const answer = expectOk(await engine.batch(ops));
    expect(answer.results).toHaveLength(5);
    expect(answer.results[0]).toMatchObject({ ok: true, sku: 'S', location: 'A', delta: -6, position: { onHand: 4 } });
    expect(answer.results[1]).toMatchObject({
      ok: true,
      sku: 'S',
      policy: { safetyStock: 3, fences: {}, caps: {}, backorderLimit: 0 },
      channels: { '*': 11 },
    });
    expect(answer.results[2]).toMatchObject({
      ok: true,
      onHand: 14,
      policy: { safetyStock: 3 },
      channels: { '*': 11 },
    });
    expectRefused(answer.results[3] as { ok: boolean }, 'INVALID_ARGUMENT');
    expectRefused(answer.results[4] as { ok: boolean }, 'INVALID_ARGUMENT');
    expect(expectOk(await engine.get('S')).policy).toEqual({ safetyStock: 3, fences: {}, caps: {}, backorderLimit: 0 });
  });
});
