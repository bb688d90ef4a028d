/**
 * Transfers between locations: atomic within the SKU, in transit or at
 * once, idempotent by id; units are conserved.
 *
 * From issue 3, section 5.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../dist/engine/index.js';
import { engineFactory, expectOk, expectRefused } from '../engine/support/helpers.js';

describe.each([0, 2])('transfer (shards %i)', (shards) => {
  const make = engineFactory();

  async function stocked() {
    const engine = await make({ shards, locationOrder: ['A', 'B'] });
    expectOk(await engine.receive({ sku: 'S', location: 'A', qty: 10 }));
    return engine;
  }

  it('moves available units at once, atomically, with one event touching both positions', async () => {
    const engine = await stocked();
    const events: Array<{ cause: string; positions: Array<{ location: string; onHand: number }> }> = [];
    engine.subscribe(['S'], (event) => events.push(event));
    const moved = expectOk(await engine.transfer({ id: 't1', sku: 'S', from: 'A', to: 'B', qty: 4 }));
    expect(moved.transfer).toEqual({ id: 't1', sku: 'S', from: 'A', to: 'B', qty: 4, status: 'received' });
    const view = expectOk(await engine.get('S'));
    expect(view.locations.A).toMatchObject({ onHand: 6, available: 6 });
    expect(view.locations.B).toMatchObject({ onHand: 4, available: 4, inbound: 0 });
    expect(view.onHand).toBe(10);
    expect(events.map((event) => event.cause)).toEqual(['transfer']);
    expect(events[0].positions.map((position) => [position.location, position.onHand])).toEqual([
      ['A', 6],
      ['B', 4],
    ]);
  });

  it('in transit: units leave at once and become available at the destination only when received', async () => {
    const engine = await stocked();
    const sent = expectOk(await engine.transfer({ id: 't2', sku: 'S', from: 'A', to: 'B', qty: 3, inTransit: true }));
    expect(sent.transfer.status).toBe('inTransit');
    let view = expectOk(await engine.get('S'));
    expect(view.locations.A).toMatchObject({ onHand: 7, available: 7 });
    expect(view.locations.B).toMatchObject({ onHand: 0, available: 0, inbound: 3 });
    expect(view).toMatchObject({ onHand: 7, inbound: 3, available: 7 });
    expectRefused(
      await engine.reserve({ id: 'h', channel: 'web', ttlMs: 60_000, lines: [{ sku: 'S', qty: 1, location: 'B' }] }),
      'INSUFFICIENT_STOCK',
    );
    const received = expectOk(await engine.receiveTransfer({ sku: 'S', id: 't2' }));
    expect(received.transfer.status).toBe('received');
    view = expectOk(await engine.get('S'));
    expect(view.locations.B).toMatchObject({ onHand: 3, available: 3, inbound: 0 });
    expect(expectOk(await engine.receiveTransfer({ sku: 'S', id: 't2' })).transfer.status).toBe('received');
    expect(expectOk(await engine.get('S')).locations.B.onHand).toBe(3);
  });

  it('never moves units that are promised, and a refused transfer changes nothing', async () => {
    const engine = await stocked();
    expectOk(await engine.reserve({ id: 'h', channel: 'web', ttlMs: 60_000, lines: [{ sku: 'S', qty: 8 }] }));
    const before = await engine.get('S');
    expect(
      expectRefused(await engine.transfer({ id: 't3', sku: 'S', from: 'A', to: 'B', qty: 3 }), 'INSUFFICIENT_STOCK')
        .message,
    ).toMatch(/^qty:/);
    expectRefused(await engine.transfer({ id: 't4', sku: 'GHOST', from: 'A', to: 'B', qty: 1 }), 'INSUFFICIENT_STOCK');
    expect(await engine.get('S')).toEqual(before);
  });

  it('the id makes a retry safe: same body → the first answer, another body → CONFLICT', async () => {
    const engine = await stocked();
    const first = expectOk(await engine.transfer({ id: 't5', sku: 'S', from: 'A', to: 'B', qty: 2, inTransit: true }));
    expect(await engine.transfer({ id: 't5', sku: 'S', from: 'A', to: 'B', qty: 2, inTransit: true })).toEqual(first);
    expectRefused(
      await engine.transfer({ id: 't5', sku: 'S', from: 'A', to: 'B', qty: 3, inTransit: true }),
      'CONFLICT',
    );
    expect(expectOk(await engine.get('S')).locations.A.onHand).toBe(8);
    expectRefused(await engine.receiveTransfer({ sku: 'S', id: 'nope' }), 'NOT_FOUND');
  });

  it('validates: from and to differ, qty, inTransit type, unknown fields', async () => {
    const engine = await stocked();
    const bad = async (request: object, field: RegExp) =>
      expect(expectRefused(await engine.transfer(request as never), 'INVALID_ARGUMENT').message).toMatch(field);
    await bad({ id: 't', sku: 'S', from: 'A', to: 'A', qty: 1 }, /^to:/);
    await bad({ id: 't', sku: 'S', from: 'A', to: 'B', qty: 0 }, /^qty:/);
    await bad({ id: 't', sku: 'S', from: 'A', to: 'B', qty: 1, inTransit: 'yes' }, /^inTransit:/);
    await bad({ id: 't', sku: 'S', from: 'A', to: 'B', qty: 1, via: 'C' }, /^via:/);
    await bad({ sku: 'S', from: 'A', to: 'B', qty: 1 }, /^id:/);
    expect(expectRefused(await engine.receiveTransfer({ sku: 'S' } as never), 'INVALID_ARGUMENT').message).toMatch(
      /^id:/,
    );
    expect(expectOk(await engine.get('S')).locations.A.onHand).toBe(10);
  });
});

describe('transfer conservation (shards 0, property)', () => {
  const step = fc.oneof(
    fc.record({
      kind: fc.constant('transfer' as const),
      from: fc.nat(2),
      to: fc.nat(2),
      qty: fc.integer({ min: 1, max: 8 }),
      inTransit: fc.boolean(),
    }),
    fc.record({ kind: fc.constant('receive' as const), pick: fc.nat() }),
    fc.record({ kind: fc.constant('reserve' as const), location: fc.nat(2), qty: fc.integer({ min: 1, max: 5 }) }),
  );

  it('onHand + inbound stays what was received, and no position goes negative or oversold', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
        const engine = await createEngine({ shards: 0, expirySweepIntervalMs: 0 });
        const locations = ['L0', 'L1', 'L2'];
        try {
          for (const location of locations) expectOk(await engine.receive({ sku: 'S', location, qty: 10 }));
          const inTransit: string[] = [];
          let n = 0;
          for (const s of steps) {
            if (s.kind === 'transfer' && s.from !== s.to) {
              const id = `t${n++}`;
              const result = await engine.transfer({
                id,
                sku: 'S',
                from: locations[s.from],
                to: locations[s.to],
                qty: s.qty,
                inTransit: s.inTransit,
              });
              if (result.ok && s.inTransit) inTransit.push(id);
            } else if (s.kind === 'receive' && inTransit.length > 0) {
              const [id] = inTransit.splice(s.pick % inTransit.length, 1);
              expectOk(await engine.receiveTransfer({ sku: 'S', id }));
            } else if (s.kind === 'reserve') {
              await engine.reserve({
                id: `h${n++}`,
                channel: 'web',
                ttlMs: 60_000,
                lines: [{ sku: 'S', qty: s.qty, location: locations[s.location] }],
              });
            }
            const view = expectOk(await engine.get('S'));
            expect(view.onHand + view.inbound).toBe(30);
            for (const position of Object.values(view.locations)) {
              expect(position.onHand).toBeGreaterThanOrEqual(0);
              expect(position.shortfall, 'a transfer never moves promised units').toBe(0);
            }
          }
        } finally {
          await engine.close();
        }
      }),
      { numRuns: 150 },
    );
  });
});
