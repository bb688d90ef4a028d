/**
 * setPolicy: safety stock, channel fences and caps. What each channel
 * may take (`channels`) is checked against the spec's formulas worked out by hand:
 *   remainingFence(c) = max(0, fences[c] − allocated_c)
 *   stockHeadroom(c)  = max(0, available − safetyStock − Σ_{c' ≠ c} remainingFence(c'))
 *   capHeadroom(c)    = caps[c] − allocated_c − backordered_c
 *   channels[c] = max(0, min(stockHeadroom, capHeadroom)); channels['*'] = stockHeadroom(unnamed).
 *
 * From issue 3 spec, "setPolicy".
 */
import { describe, expect, it } from 'vitest';
import { LIMITS, type ChangeEvent, type LineRequest } from '../../dist/engine/index.js';
import {
  assertInvariants,
  engineFactory,
  expectOk,
  expectRefused,
  snapshot,
  type Engine,
} from '../engine/support/helpers.js';

const TTL = 60_000;
const MP = 'marketplace';

describe.each([0, 2])('setPolicy (shards %i)', (shards) => {
  const make = engineFactory();

  async function stocked(units = 100): Promise<Engine> {
    const engine = await make({ shards, locationOrder: ['WH', 'B'], expirySweepIntervalMs: 0 });
    expectOk(await engine.receive({ sku: 'S', location: 'WH', qty: units }));
    return engine;
  }

  const reserve = (engine: Engine, id: string, channel: string, qty: number | LineRequest[]) =>
    engine.reserve({ id, channel, ttlMs: TTL, lines: typeof qty === 'number' ? [{ sku: 'S', qty }] : qty });

  const channels = async (engine: Engine, sku = 'S') => expectOk(await engine.get(sku)).channels;

  /** A refused reserve: INSUFFICIENT_STOCK at `line`, and the SKU unchanged. */
  async function refusedStock(engine: Engine, id: string, channel: string, qty: number | LineRequest[], line = 0) {
    const before = await snapshot(engine, ['S']);
    const error = expectRefused(
      await reserve(engine, id, channel, qty),
      'INSUFFICIENT_STOCK',
      `${channel} reserve ${JSON.stringify(qty)}`,
    );
    expect((error as { line?: number }).line).toBe(line);
    expect(await snapshot(engine, ['S'])).toEqual(before);
  }

  it('answers the policy and channels, and get(sku) reports the same', async () => {
    const engine = await stocked();
    const received = expectOk(await engine.get('S'));
    expect(received.policy).toBeNull();
    expect(received.channels).toEqual({ '*': 100 });
    const result = expectOk(await engine.setPolicy({ sku: 'S', safetyStock: 5, fences: { [MP]: 20 } }));
    expect(result).toEqual({
      ok: true,
      sku: 'S',
      seq: result.seq,
      policy: { safetyStock: 5, fences: { [MP]: 20 }, caps: {}, backorderLimit: 0 },
      channels: { [MP]: 95, '*': 75 },
    });
    expect(result.seq).toBeGreaterThan(received.seq);
    const view = expectOk(await engine.get('S'));
    expect(view.policy).toEqual(result.policy);
    expect(view.channels).toEqual(result.channels);
    expect(view.seq).toBe(result.seq);
    // The policy does not move units.
    expect(view).toMatchObject({ onHand: 100, reserved: 0, committed: 0, available: 100, backordered: 0 });
  });

  it('fence: other channels may take only available − fence; the fenced channel may take everything', async () => {
    const engine = await stocked();
    expectOk(await engine.setPolicy({ sku: 'S', fences: { [MP]: 20 } }));
    expect(await channels(engine)).toEqual({ [MP]: 100, '*': 80 });
    await refusedStock(engine, 'w1', 'web', 81);
    expectOk(await reserve(engine, 'w2', 'web', 80));
    expect(await channels(engine)).toEqual({ [MP]: 20, '*': 0 });
    await refusedStock(engine, 'w3', 'store', 1);
    await refusedStock(engine, 'm1', MP, 21);
    expectOk(await reserve(engine, 'm2', MP, 20));
    expect(await channels(engine)).toEqual({ [MP]: 0, '*': 0 });
    expect(expectOk(await engine.get('S'))).toMatchObject({ reserved: 100, available: 0 });
    await assertInvariants(engine, ['S']);
  });

  it('fence: the fenced channel uses its fence first, and gets it back on release', async () => {
    const engine = await stocked();
    expectOk(await engine.setPolicy({ sku: 'S', fences: { [MP]: 20 } }));
    expectOk(await reserve(engine, 'm1', MP, 15));
    // available 85, remainingFence 5: web may take 80.
    expect(await channels(engine)).toEqual({ [MP]: 85, '*': 80 });
    expectOk(await reserve(engine, 'm2', MP, 10));
    // allocated 25 ≥ fence: nothing fenced any more.
    expect(await channels(engine)).toEqual({ [MP]: 75, '*': 75 });
    expectOk(await engine.release('m1'));
    // allocated 10, remainingFence 10, available 90.
    expect(await channels(engine)).toEqual({ [MP]: 90, '*': 80 });
    await refusedStock(engine, 'w1', 'web', 81);
    expectOk(await reserve(engine, 'w2', 'web', 80));
    expect(await channels(engine)).toEqual({ [MP]: 10, '*': 0 });
  });

  it("fence: shipped units no longer count as the channel's allocation", async () => {
    const engine = await stocked();
    expectOk(await engine.setPolicy({ sku: 'S', fences: { [MP]: 20 } }));
    expectOk(await reserve(engine, 'm', MP, 10));
    expectOk(await engine.commit('m'));
    // committed counts: remainingFence 10.
    expect(await channels(engine)).toEqual({ [MP]: 90, '*': 80 });
    expectOk(await engine.fulfil('m'));
    // onHand 90, nothing allocated: the whole fence of 20 is back.
    expect(await channels(engine)).toEqual({ [MP]: 90, '*': 70 });
  });

  it("two fences: each fenced channel is kept out of the other's fence", async () => {
    const engine = await stocked();
    const result = expectOk(await engine.setPolicy({ sku: 'S', fences: { [MP]: 20, store: 30 } }));
    expect(result.channels).toEqual({ [MP]: 70, store: 80, '*': 50 });
    await refusedStock(engine, 'm', MP, 71);
    await refusedStock(engine, 's', 'store', 81);
    await refusedStock(engine, 'w', 'web', 51);
    expectOk(await reserve(engine, 'w2', 'web', 50));
    expect(await channels(engine)).toEqual({ [MP]: 20, store: 30, '*': 0 });
  });

  it('cap: a channel never holds more than its cap (held + committed), freed by release and fulfil', async () => {
    const engine = await stocked();
    expectOk(await engine.setPolicy({ sku: 'S', caps: { web: 10 } }));
    expect(await channels(engine)).toEqual({ web: 10, '*': 100 });
    expectOk(await reserve(engine, 'h1', 'web', 6));
    expect(await channels(engine)).toEqual({ web: 4, '*': 94 });
    await refusedStock(engine, 'h2', 'web', 5);
    expectOk(await reserve(engine, 'a1', 'app', 50));
    expect(await channels(engine)).toEqual({ web: 4, '*': 44 });
    expectOk(await engine.commit('h1'));
    expect((await channels(engine)).web).toBe(4);
    expectOk(await reserve(engine, 'h3', 'web', 4));
    expect((await channels(engine)).web).toBe(0);
    await refusedStock(engine, 'h4', 'web', 1);
    expectOk(await engine.release('h3'));
    expect((await channels(engine)).web).toBe(4);
    expectOk(await engine.fulfil('h1'));
    // onHand 94, reserved 50 (app): available 44; web holds nothing.
    expect(await channels(engine)).toEqual({ web: 10, '*': 44 });
    expectOk(await reserve(engine, 'h5', 'web', 10));
    await refusedStock(engine, 'h6', 'web', 1);
    await assertInvariants(engine, ['S']);
  });

  it('cap and fence on one channel: the smaller bound wins', async () => {
    const engine = await stocked();
    const result = expectOk(await engine.setPolicy({ sku: 'S', fences: { [MP]: 20 }, caps: { [MP]: 5 } }));
    expect(result.channels).toEqual({ [MP]: 5, '*': 80 });
    await refusedStock(engine, 'm', MP, 6);
    expectOk(await reserve(engine, 'm2', MP, 5));
    // allocated 5 of a fence of 20: 15 still fenced although the cap stops the channel taking them.
    expect(await channels(engine)).toEqual({ [MP]: 0, '*': 80 });
  });

  it('safety stock is never promised, to any channel', async () => {
    const engine = await stocked(10);
    expect(expectOk(await engine.setPolicy({ sku: 'S', safetyStock: 3 })).channels).toEqual({ '*': 7 });
    await refusedStock(engine, 'w1', 'web', 8);
    expectOk(await reserve(engine, 'w2', 'web', 7));
    expect(await channels(engine)).toEqual({ '*': 0 });
    expect(expectOk(await engine.get('S')).available).toBe(3);
    await refusedStock(engine, 'w3', 'web', 1);
    await refusedStock(engine, 'w4', 'pos', 1);
  });

  it('safety stock with a fence: the fenced channel cannot reach the safety stock either', async () => {
    const engine = await stocked(10);
    expect(expectOk(await engine.setPolicy({ sku: 'S', safetyStock: 3, fences: { [MP]: 2 } })).channels).toEqual({
      [MP]: 7,
      '*': 5,
    });
    await refusedStock(engine, 'w', 'web', 6);
    await refusedStock(engine, 'm', MP, 8);
    expectOk(await reserve(engine, 'm2', MP, 7));
    expect(await channels(engine)).toEqual({ [MP]: 0, '*': 0 });
    expect(expectOk(await engine.get('S')).available).toBe(3);
  });

  it('safety stock above what is available: every channel sees 0', async () => {
    const engine = await stocked(10);
    expect(expectOk(await engine.setPolicy({ sku: 'S', safetyStock: 12, caps: { web: 50 } })).channels).toEqual({
      web: 0,
      '*': 0,
    });
    await refusedStock(engine, 'w', 'web', 1);
  });

  it("two lines of one SKU share the channel's headroom (re-evaluated line by line)", async () => {
    const engine = await stocked(5);
    expectOk(await engine.receive({ sku: 'S', location: 'B', qty: 5 }));
    expectOk(await engine.setPolicy({ sku: 'S', safetyStock: 4 }));
    expect(await channels(engine)).toEqual({ '*': 6 });
    await refusedStock(
      engine,
      'two',
      'web',
      [
        { sku: 'S', qty: 3, location: 'WH' },
        { sku: 'S', qty: 4, location: 'B' },
      ],
      1,
    );
    expectOk(
      await reserve(engine, 'ok', 'web', [
        { sku: 'S', qty: 3, location: 'WH' },
        { sku: 'S', qty: 3, location: 'B' },
      ]),
    );
    expect(await channels(engine)).toEqual({ '*': 0 });
  });

  it('a policy replaces the previous one whole, and all zero clears it', async () => {
    const engine = await stocked();
    expectOk(await engine.setPolicy({ sku: 'S', safetyStock: 7, fences: { [MP]: 20 }, backorderLimit: 3 }));
    const replaced = expectOk(await engine.setPolicy({ sku: 'S', caps: { web: 5 } }));
    expect(replaced.policy).toEqual({ safetyStock: 0, fences: {}, caps: { web: 5 }, backorderLimit: 0 });
    expect(replaced.channels).toEqual({ web: 5, '*': 100 });
    expect(expectOk(await engine.get('S')).policy).toEqual(replaced.policy);

    const cleared = expectOk(await engine.setPolicy({ sku: 'S' }));
    expect(cleared.policy).toBeNull();
    expect(cleared.channels).toEqual({ '*': 100 });
    expect(cleared.seq).toBeGreaterThan(replaced.seq);
    let view = expectOk(await engine.get('S'));
    expect(view.policy).toBeNull();
    expect(view.channels).toEqual({ '*': 100 });

    expectOk(await engine.setPolicy({ sku: 'S', safetyStock: 1 }));
    const zeros = expectOk(
      await engine.setPolicy({ sku: 'S', safetyStock: 0, fences: {}, caps: {}, backorderLimit: 0 }),
    );
    expect(zeros.policy).toBeNull();
    expect(zeros.channels).toEqual({ '*': 100 });
    view = expectOk(await engine.get('S'));
    expect(view.policy).toBeNull();
    expectOk(await reserve(engine, 'all', 'web', 100));
  });

  it('changes only new decisions: holds made before stay, even when now over a fence or cap', async () => {
    const engine = await stocked();
    expectOk(await reserve(engine, 'w', 'web', 60));
    expectOk(await engine.setPolicy({ sku: 'S', fences: { [MP]: 80 }, caps: { web: 10 } }));
    expect(expectOk(await engine.getReservation('w')).reservation.status).toBe('held');
    expect(expectOk(await engine.get('S'))).toMatchObject({ reserved: 60, available: 40 });
    // web: cap 10 − 60 < 0 → 0; '*': 40 − 80 < 0 → 0; marketplace: 40.
    expect(await channels(engine)).toEqual({ web: 0, [MP]: 40, '*': 0 });
    await refusedStock(engine, 'w2', 'web', 1);
    await refusedStock(engine, 'x', 'app', 1);
    expectOk(await reserve(engine, 'm', MP, 40));
    expectOk(await engine.commit('w'));
    expectOk(await engine.fulfil('w'));
    expect(expectOk(await engine.getReservation('w')).reservation.status).toBe('fulfilled');
  });

  it("every change event carries channels; setPolicy emits one with its result's channels and seq", async () => {
    const engine = await stocked();
    const events: ChangeEvent[] = [];
    engine.subscribe(['S'], (event) => events.push(event));
    const set = expectOk(await engine.setPolicy({ sku: 'S', fences: { [MP]: 30 }, caps: { web: 50 } }));
    expectOk(await reserve(engine, 'w', 'web', 40));
    expectOk(await engine.receive({ sku: 'S', location: 'WH', qty: 10 }));
    expectOk(await engine.release('w'));
    const view = expectOk(await engine.get('S'));
    expect(events.map((event) => event.cause)).toEqual(['setPolicy', 'reserve', 'receive', 'release']);
    expect(events[0]).toMatchObject({ sku: 'S', seq: set.seq, cause: 'setPolicy', channels: set.channels });
    expect(set.channels).toEqual({ [MP]: 100, web: 50, '*': 70 });
    // After web's 40: available 60 → web min(60 − 30, 50 − 40) = 10; '*' 30; marketplace 60.
    expect(events[1].channels).toEqual({ [MP]: 60, web: 10, '*': 30 });
    // +10 received: available 70 → web min(40, 10) = 10; '*' 40; marketplace 70.
    expect(events[2].channels).toEqual({ [MP]: 70, web: 10, '*': 40 });
    expect(events[3].channels).toEqual(view.channels);
    expect(view.channels).toEqual({ [MP]: 110, web: 50, '*': 80 });
    for (let i = 1; i < events.length; i++) expect(events[i].seq).toBeGreaterThan(events[i - 1].seq);
  });

  it('a change event without a policy carries channels { "*": available }', async () => {
    const engine = await stocked();
    const events: ChangeEvent[] = [];
    engine.subscribe(['S'], (event) => events.push(event));
    expectOk(await reserve(engine, 'w', 'web', 30));
    expect(events).toHaveLength(1);
    expect(events[0].channels).toEqual({ '*': 70 });
  });

  it('validation: INVALID_ARGUMENT naming the field, and nothing changes', async () => {
    const engine = await stocked();
    expectOk(await engine.setPolicy({ sku: 'S', fences: { [MP]: 5 } }));
    const before = await snapshot(engine, ['S']);
    const many = (count: number, from = 0) =>
      Object.fromEntries(Array.from({ length: count }, (_, i) => [`c${from + i}`, 1]));
    const cases: Array<[object, RegExp]> = [
      [{ sku: 'S', safetyStock: -1 }, /safetyStock/],
      [{ sku: 'S', safetyStock: 1.5 }, /safetyStock/],
      [{ sku: 'S', safetyStock: LIMITS.quantityMax + 1 }, /safetyStock/],
      [{ sku: 'S', safetyStock: '3' }, /safetyStock/],
      [{ sku: 'S', backorderLimit: -2 }, /backorderLimit/],
      [{ sku: 'S', backorderLimit: 0.5 }, /backorderLimit/],
      [{ sku: 'S', fences: { [MP]: -1 } }, /fences/],
      [{ sku: 'S', fences: { [MP]: 2.5 } }, /fences/],
      [{ sku: 'S', fences: { [MP]: '4' } }, /fences/],
      [{ sku: 'S', fences: [3] }, /fences/],
      [{ sku: 'S', fences: 3 }, /fences/],
      [{ sku: 'S', caps: { web: -3 } }, /caps/],
      [{ sku: 'S', caps: { web: LIMITS.quantityMax + 1 } }, /caps/],
      [{ sku: 'S', caps: { ['x'.repeat(LIMITS.channelLengthMax + 1)]: 1 } }, /caps/],
      [{ sku: 'S', fences: { '': 1 } }, /fences/],
      [{ sku: 'S', fences: many(40), caps: many(25, 40) }, /./],
      [{ sku: 'S', fences: many(65) }, /./],
      [{ sku: 'S', foo: 1 }, /foo/],
      [{ safetyStock: 1 }, /sku/],
      [{ sku: '', safetyStock: 1 }, /sku/],
      [{ sku: 'S'.repeat(LIMITS.skuLengthMax + 1), safetyStock: 1 }, /sku/],
    ];
    for (const [request, field] of cases) {
      const error = expectRefused(
        await engine.setPolicy(request as never),
        'INVALID_ARGUMENT',
        `setPolicy(${JSON.stringify(request).slice(0, 80)})`,
      );
      expect(error.message, JSON.stringify(request).slice(0, 80)).toMatch(field);
    }
    expectRefused(await engine.setPolicy(null as never), 'INVALID_ARGUMENT');
    expect(await snapshot(engine, ['S'])).toEqual(before);
    // A refused policy for an unknown SKU creates nothing.
    expectRefused(await engine.setPolicy({ sku: 'GHOST', safetyStock: -1 }), 'INVALID_ARGUMENT');
    expectRefused(await engine.get('GHOST'), 'NOT_FOUND');
  });

  it('limits: 64 channels and quantities of 1e9 are accepted', async () => {
    const engine = await stocked();
    const names = Array.from({ length: LIMITS.policyChannelsMax }, (_, i) => `ch-${i}`);
    const fences = Object.fromEntries(names.slice(0, 32).map((name) => [name, 1]));
    const caps = Object.fromEntries(names.slice(32).map((name) => [name, LIMITS.quantityMax]));
    const result = expectOk(
      await engine.setPolicy({ sku: 'S', fences, caps, safetyStock: 0, backorderLimit: LIMITS.quantityMax }),
    );
    expect(Object.keys(result.channels).sort()).toEqual([...names, '*'].sort());
    // 32 units fenced for 32 channels: a fenced channel may take 100 − 31, others 100 − 32.
    expect(result.channels['ch-0']).toBe(69);
    expect(result.channels['ch-40']).toBe(68);
    expect(result.channels['*']).toBe(68);
    const name = 'n'.repeat(LIMITS.channelLengthMax);
    expect(expectOk(await engine.setPolicy({ sku: 'S', caps: { [name]: 3 } })).channels).toEqual({
      [name]: 3,
      '*': 100,
    });
  });

  it('a policy for an unknown SKU creates it', async () => {
    const engine = await stocked();
    const result = expectOk(await engine.setPolicy({ sku: 'NEW', safetyStock: 2, fences: { [MP]: 1 } }));
    expect(result.policy).toEqual({ safetyStock: 2, fences: { [MP]: 1 }, caps: {}, backorderLimit: 0 });
    expect(result.channels).toEqual({ [MP]: 0, '*': 0 });
    const view = expectOk(await engine.get('NEW'));
    expect(view).toMatchObject({
      sku: 'NEW',
      onHand: 0,
      available: 0,
      reserved: 0,
      backordered: 0,
      policy: result.policy,
      channels: result.channels,
      seq: result.seq,
    });
    expect(view.locations).toEqual({});
    expectOk(await engine.receive({ sku: 'NEW', location: 'WH', qty: 10 }));
    expect(await channels(engine, 'NEW')).toEqual({ [MP]: 8, '*': 7 });
  });
});
