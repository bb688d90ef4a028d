/**
 * Backorders and preorders: with policy.backorderLimit,
 * a line beyond stock is held with the rest backordered; arrivals fill backorders first-in
 * first-out, one 'backorderFilled' event per fill.
 *
 * From issue 3 spec, "Backorders / preorders".
 */
import { describe, expect, it } from 'vitest';
import type { ChangeEvent, LineRequest } from '../../dist/engine/index.js';
import {
  assertInvariants,
  engineFactory,
  expectOk,
  expectRefused,
  manualClock,
  snapshot,
  type Engine,
  type EngineOptions,
} from '../engine/support/helpers.js';

const TTL = 60_000;
const MP = 'marketplace';

describe.each([0, 2])('backorders (shards %i)', (shards) => {
  const make = engineFactory();

  /** SKU 'S' with `units` at A and the given policy (backorderLimit 10 unless said). */
  async function setUp(units: number, policy: object = {}, options: EngineOptions = {}) {
    const clock = manualClock(1_000_000);
    const engine = await make({ shards, clock, locationOrder: ['A', 'B'], expirySweepIntervalMs: 0, ...options });
    if (units > 0) expectOk(await engine.receive({ sku: 'S', location: 'A', qty: units }));
    expectOk(await engine.setPolicy({ sku: 'S', backorderLimit: 10, ...policy }));
    const events: ChangeEvent[] = [];
    engine.subscribe(['S'], (event) => events.push(event));
    return { engine, clock, events };
  }

  const reserve = (
    engine: Engine,
    id: string,
    qty: number,
    channel = 'web',
    line: Partial<LineRequest> = {},
    ttlMs = TTL,
  ) => engine.reserve({ id, channel, ttlMs, lines: [{ sku: 'S', qty, ...line }] });

  const fills = (events: ChangeEvent[]) =>
    events.filter((event) => event.cause === 'backorderFilled').map((event) => [event.reservationId, event.filled]);

  const backorderedOf = async (engine: Engine, id: string) =>
    expectOk(await engine.getReservation(id)).reservation.backordered;

  it('a reserve beyond available is held with the rest backordered', async () => {
    const { engine, events } = await setUp(2);
    const result = expectOk(await reserve(engine, 'h1', 5));
    expect(result.reservation).toMatchObject({ id: 'h1', status: 'held', backordered: 3 });
    expect(result.reservation.lines).toEqual([
      { line: 0, sku: 'S', location: 'A', qty: 5, fulfilled: 0, backordered: 3 },
    ]);
    const view = expectOk(await engine.get('S'));
    // Backordered units never touch stock: reserved is what was taken from it.
    expect(view.locations.A).toMatchObject({ onHand: 2, reserved: 2, available: 0, shortfall: 0, backordered: 3 });
    expect(view).toMatchObject({ onHand: 2, reserved: 2, available: 0, shortfall: 0, backordered: 3 });
    expect(events.map((event) => event.cause)).toEqual(['reserve']);
    expect(events[0].backordered).toBe(3);
    expect(await engine.getReservation('h1')).toEqual(result);
    await assertInvariants(engine, ['S'], ['A']);
  });

  it('a reserve within stock is not backordered', async () => {
    const { engine } = await setUp(5);
    const result = expectOk(await reserve(engine, 'h', 5));
    expect(result.reservation.backordered).toBe(0);
    expect(result.reservation.lines[0].backordered).toBe(0);
  });

  it(
    'beyond the backorder limit (counting every hold of the ' +
      'SKU) is refused; without a limit nothing is backordered',
    async () => {
      const { engine } = await setUp(2);
      expectOk(await reserve(engine, 'h1', 5)); // 3 backordered
      const before = await snapshot(engine, ['S']);
      const error = expectRefused(await reserve(engine, 'h2', 8, 'store'), 'INSUFFICIENT_STOCK');
      expect((error as { line?: number }).line).toBe(0);
      expect(await snapshot(engine, ['S'])).toEqual(before);
      expect(expectOk(await reserve(engine, 'h3', 7, 'store')).reservation.backordered).toBe(7);
      expect(expectOk(await engine.get('S')).backordered).toBe(10);
      expectRefused(await reserve(engine, 'h4', 1), 'INSUFFICIENT_STOCK');
      // No limit: plain refusal.
      expectOk(await engine.setPolicy({ sku: 'S' }));
      expectOk(await engine.receive({ sku: 'S', location: 'A', qty: 1 }));
      // (that unit filled h1's backorder first)
      expect(await backorderedOf(engine, 'h1')).toBe(2);
      expectRefused(await reserve(engine, 'h5', 1), 'INSUFFICIENT_STOCK');
    },
  );

  it('receive fills first-in first-out, one backorderFilled event per fill, partial fills included', async () => {
    const { engine, events } = await setUp(2);
    expectOk(await reserve(engine, 'h1', 5)); // takes 2, 3 backordered
    expectOk(await reserve(engine, 'h2', 4)); // takes 0, 4 backordered
    expect(await backorderedOf(engine, 'h2')).toBe(4);
    events.length = 0;
    expectOk(await engine.receive({ sku: 'S', location: 'A', qty: 5 }));
    expect(events.map((event) => event.cause)).toEqual(['receive', 'backorderFilled', 'backorderFilled']);
    expect(fills(events)).toEqual([
      ['h1', 3],
      ['h2', 2],
    ]);
    // Each fill event reports the SKU after that fill: 7 backordered − 3, then − 2.
    expect(events[1]).toMatchObject({
      sku: 'S',
      cause: 'backorderFilled',
      reservationId: 'h1',
      filled: 3,
      backordered: 4,
    });
    expect(events[2]).toMatchObject({
      sku: 'S',
      cause: 'backorderFilled',
      reservationId: 'h2',
      filled: 2,
      backordered: 2,
      available: 0,
    });
    for (let i = 1; i < events.length; i++) expect(events[i].seq).toBeGreaterThan(events[i - 1].seq);

    const h1 = expectOk(await engine.getReservation('h1')).reservation;
    expect(h1.backordered).toBe(0);
    expect(h1.lines).toEqual([{ line: 0, sku: 'S', location: 'A', qty: 5, fulfilled: 0, backordered: 0 }]);
    expect(h1.status).toBe('held');
    expect(await backorderedOf(engine, 'h2')).toBe(2);
    const view = expectOk(await engine.get('S'));
    expect(view).toMatchObject({ onHand: 7, reserved: 7, available: 0, backordered: 2 });
    expect(view.seq).toBe(events[2].seq);

    events.length = 0;
    expectOk(await engine.receive({ sku: 'S', location: 'A', qty: 10 }));
    expect(fills(events)).toEqual([['h2', 2]]);
    expect(expectOk(await engine.get('S'))).toMatchObject({ onHand: 17, reserved: 9, available: 8, backordered: 0 });
    events.length = 0;
    expectOk(await engine.receive({ sku: 'S', location: 'A', qty: 1 }));
    expect(fills(events)).toEqual([]);
    await assertInvariants(engine, ['S'], ['A']);
  });

  it('an earlier backorder takes arriving units before a later one, whatever their sizes', async () => {
    const { engine, events } = await setUp(0);
    expectOk(await reserve(engine, 'big', 6));
    expectOk(await reserve(engine, 'small', 1, 'store'));
    events.length = 0;
    expectOk(await engine.receive({ sku: 'S', location: 'A', qty: 1 }));
    expect(fills(events)).toEqual([['big', 1]]);
    expect(await backorderedOf(engine, 'small')).toBe(1);
  });

  it('restock sellable fills (damaged does not)', async () => {
    const { engine, events } = await setUp(0);
    expectOk(await reserve(engine, 'h', 3));
    events.length = 0;
    expectOk(await engine.restock({ sku: 'S', location: 'A', qty: 2, condition: 'damaged' }));
    expect(fills(events)).toEqual([]);
    expectOk(await engine.restock({ sku: 'S', location: 'A', qty: 2, condition: 'sellable' }));
    expect(fills(events)).toEqual([['h', 2]]);
    expect(await backorderedOf(engine, 'h')).toBe(1);
  });

  it('transfer fills at its destination: at once, and in transit only when received', async () => {
    const { engine, events } = await setUp(0);
    expectOk(await engine.receive({ sku: 'S', location: 'B', qty: 10 }));
    expectOk(await reserve(engine, 'h', 5, 'web', { location: 'A' }));
    expect(await backorderedOf(engine, 'h')).toBe(5);
    events.length = 0;
    expectOk(await engine.transfer({ id: 't1', sku: 'S', from: 'B', to: 'A', qty: 2 }));
    expect(events.map((event) => event.cause)).toEqual(['transfer', 'backorderFilled']);
    expect(fills(events)).toEqual([['h', 2]]);
    events.length = 0;
    expectOk(await engine.transfer({ id: 't2', sku: 'S', from: 'B', to: 'A', qty: 4, inTransit: true }));
    expect(fills(events)).toEqual([]);
    expect(await backorderedOf(engine, 'h')).toBe(3);
    expectOk(await engine.receiveTransfer({ sku: 'S', id: 't2' }));
    expect(fills(events)).toEqual([['h', 3]]);
    expect(expectOk(await engine.get('S')).locations.A).toMatchObject({
      onHand: 6,
      reserved: 5,
      available: 1,
      backordered: 0,
    });
    await assertInvariants(engine, ['S'], ['A', 'B']);
  });

  it('sync and adjust fill', async () => {
    const { engine, events, clock } = await setUp(0);
    expectOk(await reserve(engine, 'h', 6));
    events.length = 0;
    expectOk(await engine.adjust({ sku: 'S', location: 'A', delta: 2, reason: 'found' }));
    expect(fills(events)).toEqual([['h', 2]]);
    clock.advance(1_000);
    expectOk(await engine.sync({ sku: 'S', location: 'A', onHand: 5, asOf: clock.nowMs() }));
    expect(fills(events)).toEqual([
      ['h', 2],
      ['h', 3],
    ]);
    const h = expectOk(await engine.getReservation('h')).reservation;
    expect(h.backordered).toBe(1);
    expect(h.lines[0]).toMatchObject({ qty: 6, backordered: 1 });
    expect(expectOk(await engine.get('S'))).toMatchObject({ onHand: 5, reserved: 5, available: 0, backordered: 1 });
  });

  it('release of another hold fills the waiting backorder', async () => {
    const { engine, events } = await setUp(5);
    expectOk(await reserve(engine, 'first', 5));
    expectOk(await reserve(engine, 'waiting', 3));
    events.length = 0;
    expectOk(await engine.release('first'));
    expect(events.map((event) => event.cause)).toEqual(['release', 'backorderFilled']);
    expect(fills(events)).toEqual([['waiting', 3]]);
    expect(expectOk(await engine.get('S'))).toMatchObject({ reserved: 3, available: 2, backordered: 0 });
  });

  it('expiry of another hold fills the waiting backorder', async () => {
    const { engine, events, clock } = await setUp(4);
    expectOk(await reserve(engine, 'short', 4, 'web', {}, 1_000));
    expectOk(await reserve(engine, 'waiting', 3, 'store'));
    events.length = 0;
    clock.advance(1_000);
    expectOk(await engine.expireDue());
    expect(events.map((event) => event.cause)).toEqual(['expire', 'backorderFilled']);
    expect(fills(events)).toEqual([['waiting', 3]]);
    expect(expectOk(await engine.get('S'))).toMatchObject({ reserved: 3, available: 1, backordered: 0 });
  });

  it('a frozen SKU fills nothing until unfrozen', async () => {
    const { engine, events } = await setUp(0);
    expectOk(await reserve(engine, 'h', 3));
    expectOk(await engine.freeze({ sku: 'S', reason: 'recount' }));
    events.length = 0;
    expectOk(await engine.receive({ sku: 'S', location: 'A', qty: 5 }));
    expect(fills(events)).toEqual([]);
    expect(await backorderedOf(engine, 'h')).toBe(3);
    expectOk(await engine.unfreeze('S'));
    expect(fills(events)).toEqual([['h', 3]]);
    expect(expectOk(await engine.get('S'))).toMatchObject({ reserved: 3, available: 2, backordered: 0 });
  });

  it('release and expiry of a backordered hold drop its backorder (and free the limit)', async () => {
    const { engine, events, clock } = await setUp(2);
    expectOk(await reserve(engine, 'r', 6)); // 2 taken, 4 backordered
    expectOk(await reserve(engine, 'x', 6, 'web', {}, 1_000)); // 6 backordered
    expect(expectOk(await engine.get('S')).backordered).toBe(10);
    expectOk(await engine.release('r'));
    // r's 2 units went back to stock and filled x.
    expect(fills(events)).toEqual([['x', 2]]);
    expect(expectOk(await engine.get('S'))).toMatchObject({ reserved: 2, available: 0, backordered: 4 });
    clock.advance(1_000);
    expectOk(await engine.expireDue());
    expect(expectOk(await engine.getReservation('x')).reservation.status).toBe('expired');
    let view = expectOk(await engine.get('S'));
    expect(view).toMatchObject({ onHand: 2, reserved: 0, available: 2, backordered: 0 });
    expect(view.locations.A.backordered).toBe(0);
    events.length = 0;
    expectOk(await engine.receive({ sku: 'S', location: 'A', qty: 3 }));
    expect(fills(events)).toEqual([]);
    view = expectOk(await engine.get('S'));
    expect(view).toMatchObject({ onHand: 5, available: 5, backordered: 0 });
    // The whole limit is free again.
    expect(expectOk(await reserve(engine, 'y', 15)).reservation.backordered).toBe(10);
    await assertInvariants(engine, ['S'], ['A']);
  });

  it(
    'commit with units backordered; fulfil ships only ' + 'allocated units; fulfilled only after fill and ship',
    async () => {
      const { engine, events } = await setUp(2);
      expectOk(await reserve(engine, 'h', 5));
      const committed = expectOk(await engine.commit('h'));
      expect(committed.reservation).toMatchObject({ status: 'committed', backordered: 3 });
      expect(expectOk(await engine.get('S'))).toMatchObject({ reserved: 0, committed: 2, backordered: 3 });

      // Asking for more than the allocated units is refused, changing nothing.
      const before = await snapshot(engine, ['S']);
      expectRefused(await engine.fulfil('h', [{ sku: 'S', location: 'A', qty: 3 }]), 'INVALID_ARGUMENT');
      expect(await snapshot(engine, ['S'])).toEqual(before);

      const shipped = expectOk(await engine.fulfil('h'));
      expect(shipped.reservation.status).toBe('committed');
      expect(shipped.reservation.lines[0]).toMatchObject({ qty: 5, fulfilled: 2, backordered: 3 });
      expect(expectOk(await engine.get('S'))).toMatchObject({ onHand: 0, committed: 0, backordered: 3 });
      expectRefused(await engine.fulfil('h', [{ sku: 'S', location: 'A', qty: 1 }]), 'INVALID_ARGUMENT');

      events.length = 0;
      expectOk(await engine.receive({ sku: 'S', location: 'A', qty: 4 }));
      expect(fills(events)).toEqual([['h', 3]]);
      // Filled units of a committed hold join it as committed.
      expect(expectOk(await engine.get('S'))).toMatchObject({
        onHand: 4,
        reserved: 0,
        committed: 3,
        available: 1,
        backordered: 0,
      });
      const filled = expectOk(await engine.getReservation('h')).reservation;
      expect(filled).toMatchObject({ status: 'committed', backordered: 0 });
      expectRefused(await engine.fulfil('h', [{ sku: 'S', location: 'A', qty: 4 }]), 'INVALID_ARGUMENT');
      const done = expectOk(await engine.fulfil('h'));
      expect(done.reservation.status).toBe('fulfilled');
      expect(done.reservation.lines[0]).toMatchObject({ qty: 5, fulfilled: 5, backordered: 0 });
      expect(expectOk(await engine.get('S'))).toMatchObject({ onHand: 1, committed: 0, available: 1 });
      await assertInvariants(engine, ['S'], ['A']);
    },
  );

  it('a hold committed before its backorder is filled and shipped in parts completes on the last unit', async () => {
    const { engine } = await setUp(0);
    expectOk(await reserve(engine, 'h', 4));
    expectOk(await engine.commit('h'));
    expectRefused(await engine.fulfil('h', [{ sku: 'S', location: 'A', qty: 1 }]), 'INVALID_ARGUMENT');
    expectOk(await engine.receive({ sku: 'S', location: 'A', qty: 1 }));
    expect(expectOk(await engine.fulfil('h', [{ sku: 'S', location: 'A', qty: 1 }])).reservation.status).toBe(
      'committed',
    );
    expectOk(await engine.receive({ sku: 'S', location: 'A', qty: 3 }));
    expect(expectOk(await engine.fulfil('h', [{ sku: 'S', location: 'A', qty: 3 }])).reservation.status).toBe(
      'fulfilled',
    );
  });

  it('fill respects fences: a backordered web hold does not take units fenced for marketplace', async () => {
    const { engine, events } = await setUp(10, { fences: { [MP]: 4 } });
    expectOk(await reserve(engine, 'w1', 6));
    const w2 = expectOk(await reserve(engine, 'w2', 3));
    // web's headroom was 0: nothing taken from stock although 4 units are available.
    expect(w2.reservation.backordered).toBe(3);
    expect(expectOk(await engine.get('S'))).toMatchObject({
      available: 4,
      backordered: 3,
      channels: { [MP]: 4, '*': 0 },
    });
    events.length = 0;
    expectOk(await engine.receive({ sku: 'S', location: 'A', qty: 2 }));
    // available 6, 4 fenced: web's hold takes 2, not 3.
    expect(fills(events)).toEqual([['w2', 2]]);
    expect(await backorderedOf(engine, 'w2')).toBe(1);
    expect(expectOk(await engine.get('S'))).toMatchObject({
      available: 4,
      backordered: 1,
      channels: { [MP]: 4, '*': 0 },
    });
    // The marketplace still gets its fence.
    expectOk(await reserve(engine, 'm', 4, MP));
    expect(expectOk(await engine.getReservation('m')).reservation.backordered).toBe(0);
    // Dropping the fence (setPolicy) fills what it now can.
    expectOk(await engine.release('m'));
    events.length = 0;
    expectOk(await engine.setPolicy({ sku: 'S', backorderLimit: 10 }));
    expect(fills(events)).toEqual([['w2', 1]]);
    expect(events.map((event) => event.cause)).toEqual(['setPolicy', 'backorderFilled']);
  });

  it('a backorder that would take its channel over its cap is refused', async () => {
    const { engine } = await setUp(2, { caps: { web: 5 } });
    const before = await snapshot(engine, ['S']);
    expectRefused(await reserve(engine, 'h1', 6), 'INSUFFICIENT_STOCK');
    expect(await snapshot(engine, ['S'])).toEqual(before);
    expect(expectOk(await reserve(engine, 'h2', 5)).reservation.backordered).toBe(3);
    // cap 5 − allocated 2 − backordered 3.
    expect(expectOk(await engine.get('S')).channels.web).toBe(0);
    expectRefused(await reserve(engine, 'h3', 1), 'INSUFFICIENT_STOCK');
    expect(expectOk(await reserve(engine, 'h4', 1, 'store')).reservation.backordered).toBe(1);
  });

  it('a preorder: a policy on an unknown SKU, the line goes to the first locationOrder entry', async () => {
    const engine = await make({ shards, locationOrder: ['A', 'B'], expirySweepIntervalMs: 0 });
    expectOk(await engine.setPolicy({ sku: 'P', backorderLimit: 5 }));
    const result = expectOk(
      await engine.reserve({ id: 'pre', channel: 'web', ttlMs: TTL, lines: [{ sku: 'P', qty: 3 }] }),
    );
    expect(result.reservation.lines).toEqual([
      { line: 0, sku: 'P', location: 'A', qty: 3, fulfilled: 0, backordered: 3 },
    ]);
    expect(expectOk(await engine.get('P'))).toMatchObject({ onHand: 0, reserved: 0, backordered: 3 });
    expectOk(await engine.receive({ sku: 'P', location: 'B', qty: 5 }));
    expect(expectOk(await engine.getReservation('pre')).reservation.backordered).toBe(3);
    expectOk(await engine.receive({ sku: 'P', location: 'A', qty: 2 }));
    expect(expectOk(await engine.getReservation('pre')).reservation.backordered).toBe(1);
    expect(expectOk(await engine.get('P')).locations.A).toMatchObject({
      onHand: 2,
      reserved: 2,
      available: 0,
      backordered: 1,
    });
  });

  it(
    'without any location for the SKU or in locationOrder, a ' +
      'line naming none is refused; one naming a location is held',
    async () => {
      const engine = await make({ shards, expirySweepIntervalMs: 0 });
      expectOk(await engine.setPolicy({ sku: 'Q', backorderLimit: 5 }));
      expectRefused(
        await engine.reserve({ id: 'q1', channel: 'web', ttlMs: TTL, lines: [{ sku: 'Q', qty: 2 }] }),
        'INSUFFICIENT_STOCK',
      );
      const named = expectOk(
        await engine.reserve({ id: 'q2', channel: 'web', ttlMs: TTL, lines: [{ sku: 'Q', qty: 2, location: 'X' }] }),
      );
      expect(named.reservation.lines).toEqual([
        { line: 0, sku: 'Q', location: 'X', qty: 2, fulfilled: 0, backordered: 2 },
      ]);
      expect(expectOk(await engine.get('Q')).locations.X).toMatchObject({ onHand: 0, backordered: 2 });
    },
  );

  it(
    'without a named location, the backorder goes to the ' + "strategy's first location and takes what is there",
    async () => {
      const { engine } = await setUp(1);
      expectOk(await engine.receive({ sku: 'S', location: 'B', qty: 2 }));
      const priority = expectOk(await reserve(engine, 'p', 4));
      expect(priority.reservation.lines).toEqual([
        { line: 0, sku: 'S', location: 'A', qty: 4, fulfilled: 0, backordered: 3 },
      ]);
      expectOk(await engine.release('p'));
      const most = expectOk(
        await engine.reserve({
          id: 'm',
          channel: 'web',
          ttlMs: TTL,
          strategy: 'most-available',
          lines: [{ sku: 'S', qty: 4 }],
        }),
      );
      expect(most.reservation.lines).toEqual([
        { line: 0, sku: 'S', location: 'B', qty: 4, fulfilled: 0, backordered: 2 },
      ]);
    },
  );
});
