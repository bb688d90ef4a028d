/**
 * Compact holds (engine/ledger/hold-table.ts): the common hold — one line, one part, no
 * placement, nothing backordered — is kept as typed-array columns, not objects. It must answer
 * exactly as a Hold object would through every path: commit, release, expiry, retention and its
 * eviction, a fulfil (which turns it into an object), a policy set while it is live, snapshots.
 */
import { describe, expect, it } from 'vitest';
import { Hold, originalOutcome } from '../../engine/ledger/hold.js';
import { Ledger, type LedgerOptions } from '../../engine/ledger/ledger.js';

const OPTIONS: LedgerOptions = {
  locationOrder: ['WH', 'STORE'],
  maxLiveHolds: 1_000,
  retainedOutcomes: 3,
  retainedOutcomeBytes: 1 << 30,
  outcomeRetentionMs: 10_000,
  strategy: 'priority',
  locationCosts: {},
  syncHorizonMs: 86_400_000,
  syncMovementsPerPositionMax: 256,
  maxSkus: 1_000,
  maxPositions: 1_000,
};
const TTL_MS = 1_000;

function table(ledger: Ledger): { size: number } {
  return (ledger as unknown as { table: { size: number } }).table;
}

function stocked(): Ledger {
  const ledger = new Ledger(OPTIONS);
  ledger.advance(1_000);
  ledger.receive('A', 'WH', 10);
  ledger.receive('A', 'STORE', 10);
  ledger.events.length = 0;
  return ledger;
}

describe('compact holds', () => {
  it('a one-line hold is compact; the reserve answers a Hold, and a retry with the same body the same outcome', () => {
    const ledger = stocked();
    const hold = ledger.reserve('h1', 'web', TTL_MS, [{ sku: 'A', qty: 3 }]);
    expect(hold).toBeInstanceOf(Hold);
    expect(table(ledger).size).toBe(1);
    const first = originalOutcome(hold as Hold);
    expect(first).toMatchObject({ ok: true, reservation: { id: 'h1', status: 'held', channel: 'web' } });
    expect(originalOutcome(ledger.reserve('h1', 'web', TTL_MS, [{ sku: 'A', qty: 3 }]) as Hold)).toEqual(first);
    expect(ledger.reserve('h1', 'web', TTL_MS, [{ sku: 'A', qty: 4 }])).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT' },
    });
    expect(ledger.get('A')).toMatchObject({ reserved: 3, available: 17 });
  });

  it('a placement that names allowSplit: false is kept as asked (an object), so its retry is not a CONFLICT', () => {
    const ledger = stocked();
    const first = ledger.reserve('p', 'web', TTL_MS, [{ sku: 'A', qty: 1 }], { allowSplit: false });
    expect(table(ledger).size).toBe(0);
    expect(ledger.reserve('p', 'web', TTL_MS, [{ sku: 'A', qty: 1 }], { allowSplit: false })).toEqual(first);
  });

  it('holds with two lines, a placement or a backorder are Hold objects, not compact', () => {
    const ledger = stocked();
    ledger.receive('B', 'WH', 1);
    ledger.reserve('two', 'web', TTL_MS, [
      { sku: 'A', qty: 1 },
      { sku: 'B', qty: 1 },
    ]);
    ledger.reserve('split', 'web', TTL_MS, [{ sku: 'A', qty: 15 }], { allowSplit: true });
    expect(table(ledger).size).toBe(0);
    expect(ledger.counters().liveHolds).toBe(2);
  });

  it('commit, release and expiry move the same units as for an object, and the outcome is retained', () => {
    const ledger = stocked();
    ledger.reserve('c', 'web', TTL_MS, [{ sku: 'A', qty: 2 }]);
    ledger.reserve('r', 'web', TTL_MS, [{ sku: 'A', location: 'STORE', qty: 1 }]);
    ledger.reserve('e', 'web', TTL_MS, [{ sku: 'A', qty: 4 }]);
    expect(ledger.commit('c')).toMatchObject({ ok: true, reservation: { status: 'committed' } });
    expect(ledger.release('r')).toMatchObject({
      ok: true,
      reservation: { status: 'released', lines: [{ sku: 'A', location: 'STORE', qty: 1, fulfilled: 0 }] },
    });
    expect(ledger.get('A')).toMatchObject({ reserved: 4, committed: 2, available: 14 });
    expect(ledger.advance(1_000 + TTL_MS)).toBe(true);
    expect(ledger.getReservation('e')).toMatchObject({ ok: true, reservation: { status: 'expired' } });
    expect(ledger.getReservation('c')).toMatchObject({ ok: true, reservation: { status: 'committed' } });
    expect(ledger.commit('r')).toMatchObject({ ok: false, error: { code: 'INVALID_STATE' } });
    expect(ledger.get('A')).toMatchObject({ reserved: 0, committed: 2, available: 18 });
    expect(ledger.counters()).toMatchObject({ liveHolds: 1, retainedOutcomes: 2 });
  });

  it('an evicted compact outcome is forgotten and its slot reused', () => {
    const ledger = stocked();
    for (let i = 0; i < 5; i++) {
      ledger.reserve(`h${i}`, 'web', TTL_MS, [{ sku: 'A', qty: 1 }]);
      ledger.release(`h${i}`);
    }
    expect(ledger.forgotten).toEqual(['h0', 'h1']);
    expect(table(ledger).size).toBe(3);
    expect(ledger.getReservation('h0')).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    ledger.advance(1_000 + 10_000);
    expect(ledger.forgotten).toEqual(['h0', 'h1', 'h2', 'h3', 'h4']);
    expect(table(ledger).size).toBe(0);
    expect(ledger.reserve('h0', 'web', TTL_MS, [{ sku: 'A', qty: 1 }])).toBeInstanceOf(Hold);
  });

  it('with no room to retain outcomes, a release still answers the released hold (its slot is freed after)', () => {
    const ledger = new Ledger({ ...OPTIONS, retainedOutcomes: 0 });
    ledger.advance(1_000);
    ledger.receive('A', 'WH', 10);
    ledger.reserve('r', 'web', TTL_MS, [{ sku: 'A', qty: 2 }]);
    ledger.reserve('e', 'web', TTL_MS, [{ sku: 'A', qty: 1 }]);
    expect(ledger.release('r')).toEqual({
      ok: true,
      reservation: {
        id: 'r',
        channel: 'web',
        status: 'released',
        expiresAt: 1_000 + TTL_MS,
        backordered: 0,
        lines: [{ line: 0, sku: 'A', location: 'WH', qty: 2, fulfilled: 0, backordered: 0 }],
      },
    });
    ledger.advance(1_000 + TTL_MS);
    expect(ledger.forgotten).toEqual(['r', 'e']);
    expect(table(ledger).size).toBe(0);
    expect(ledger.get('A')).toMatchObject({ reserved: 0, available: 10 });
  });

  it('a fulfil turns a live compact hold into an object, keeping its deadline order', () => {
    const ledger = stocked();
    ledger.reserve('f', 'web', TTL_MS, [{ sku: 'A', qty: 3 }]);
    ledger.reserve('g', 'web', TTL_MS, [{ sku: 'A', qty: 1 }]);
    expect(ledger.commit('f').ok).toBe(true);
    expect(ledger.fulfil('f', [{ sku: 'A', location: 'WH', qty: 1 }])).toMatchObject({
      ok: true,
      reservation: { status: 'committed', lines: [{ fulfilled: 1 }] },
    });
    expect(table(ledger).size).toBe(1);
    expect(ledger.fulfil('f', null)).toMatchObject({ ok: true, reservation: { status: 'fulfilled' } });
    expect(ledger.get('A')).toMatchObject({ onHand: 17, reserved: 1, committed: 0 });
    ledger.advance(1_000 + TTL_MS);
    expect(ledger.getReservation('g')).toMatchObject({ ok: true, reservation: { status: 'expired' } });
  });

  it("a policy set while compact holds are live counts their channel's use", () => {
    const ledger = stocked();
    ledger.reserve('w1', 'web', TTL_MS, [{ sku: 'A', qty: 4 }]);
    ledger.reserve('w2', 'web', TTL_MS, [{ sku: 'A', qty: 2 }]);
    ledger.commit('w2');
    ledger.setPolicy('A', { safetyStock: 0, fences: {}, caps: { web: 7 }, backorderLimit: 0 });
    expect(ledger.reserve('w3', 'web', TTL_MS, [{ sku: 'A', qty: 2 }])).toMatchObject({
      ok: false,
      error: { code: 'INSUFFICIENT_STOCK' },
    });
    expect(ledger.reserve('w4', 'web', TTL_MS, [{ sku: 'A', qty: 1 }])).toBeInstanceOf(Hold);
  });

  it('a snapshot of compact holds restores to a ledger that answers the same', () => {
    const ledger = stocked();
    ledger.reserve('a', 'web', TTL_MS, [{ sku: 'A', qty: 1 }]);
    ledger.reserve('b', 'app', TTL_MS, [{ sku: 'A', location: 'STORE', qty: 2 }]);
    ledger.commit('b');
    ledger.reserve('c', 'web', TTL_MS, [{ sku: 'A', qty: 3 }]);
    ledger.release('c');
    const restored = Ledger.restore(OPTIONS, structuredClone(ledger.snapshot()));
    expect(table(restored).size, 'the live ones are compact again (the released one stays an object)').toBe(2);
    expect(restored.snapshot()).toEqual(ledger.snapshot());
    for (const id of ['a', 'b', 'c']) expect(restored.getReservation(id)).toEqual(ledger.getReservation(id));
    restored.advance(1_000 + TTL_MS);
    ledger.advance(1_000 + TTL_MS);
    expect(restored.getReservation('a')).toEqual(ledger.getReservation('a'));
    expect(restored.get('A')).toEqual(ledger.get('A'));
  });
});
