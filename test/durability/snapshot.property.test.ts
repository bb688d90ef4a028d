/**
 * Snapshots: a ledger restored from a snapshot — taken at any point of any operation
 * sequence, and passed through msgpack as a snapshot file would be — is indistinguishable from
 * the original: every later operation answers the same, emits the same events, and ends in the
 * same state.
 *
 * From issue 5.
 */
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import type { LineRequest, Policy } from '../../engine/api/types.js';
import { originalOutcome, type Hold } from '../../engine/ledger/hold.js';
import { Ledger, type LedgerOptions } from '../../engine/ledger/ledger.js';

const SKUS = ['A', 'B', 'C'];
const LOCATIONS = ['L1', 'L2', 'L3'];
const OPTIONS: LedgerOptions = {
  locationOrder: ['L1', 'L2'],
  maxLiveHolds: 1_000,
  retainedOutcomes: 12,
  retainedOutcomeBytes: 1_000_000,
  outcomeRetentionMs: 5_000,
  strategy: 'priority',
  locationCosts: {},
  syncHorizonMs: 4_000,
  syncMovementsPerPositionMax: 6,
  maxSkus: 1_000,
  maxPositions: 1_000,
};
/** Tight memory bounds (issue 12): retained outcomes evicted by bytes, SKUs and positions refused at their limits. */
const TIGHT: LedgerOptions = { ...OPTIONS, retainedOutcomeBytes: 1_500, maxSkus: 2, maxPositions: 4 };

type Op =
  | { kind: 'receive'; sku: string; location: string; qty: number }
  | { kind: 'adjust'; sku: string; location: string; delta: number }
  | { kind: 'reserve'; id: number; channel: string; ttlMs: number; lines: LineRequest[]; allowSplit: boolean }
  | { kind: 'commit' | 'release' | 'fulfil' | 'getReservation'; id: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'transfer'; id: number; sku: string; from: string; to: string; qty: number; inTransit: boolean }
  | { kind: 'receiveTransfer'; sku: string; id: number }
  | { kind: 'restock'; sku: string; location: string; qty: number; sellable: boolean }
  | { kind: 'sync'; sku: string; location: string; count: number; ageMs: number }
  | { kind: 'setPolicy'; sku: string; policy: Policy }
  | { kind: 'freeze' | 'unfreeze'; sku: string };

const sku = fc.constantFrom(...SKUS);
const location = fc.constantFrom(...LOCATIONS);
const holdId = fc.nat(30);
const line = fc
  .record(
    { sku, qty: fc.integer({ min: 1, max: 9 }), location: fc.option(location, { nil: undefined }) },
    { requiredKeys: ['sku', 'qty'] },
  )
  .map((l) => (l.location === undefined ? { sku: l.sku, qty: l.qty } : l));
const lines = fc.uniqueArray(line, { minLength: 1, maxLength: 3, selector: (l) => `${l.sku}|${l.location ?? ''}` });
const units = fc.dictionary(fc.constantFrom('web', 'app', 'mkt'), fc.integer({ min: 0, max: 6 }), { maxKeys: 2 });

/** One line beyond what a location usually has: backorders (C takes them) and splits. */
const bigReserve = fc.record({
  kind: fc.constant('reserve' as const),
  id: holdId,
  channel: fc.constantFrom('web', 'app', 'mkt'),
  ttlMs: fc.constantFrom(2_000, 9_000),
  lines: fc.tuple(sku, fc.integer({ min: 8, max: 25 })).map(([s, qty]) => [{ sku: s, qty }]),
  allowSplit: fc.boolean(),
});

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: bigReserve },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('receive' as const),
      sku,
      location,
      qty: fc.integer({ min: 1, max: 12 }),
    }),
  },
  fc.record({
    kind: fc.constant('adjust' as const),
    sku,
    location,
    delta: fc.integer({ min: -8, max: 5 }).filter((d) => d !== 0),
  }),
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('reserve' as const),
      id: holdId,
      channel: fc.constantFrom('web', 'app', 'mkt'),
      ttlMs: fc.constantFrom(500, 2_000, 9_000),
      lines,
      allowSplit: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('commit' as const), id: holdId }) },
  fc.record({ kind: fc.constant('release' as const), id: holdId }),
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('fulfil' as const), id: holdId }) },
  fc.record({ kind: fc.constant('getReservation' as const), id: holdId }),
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 3_000 }) }),
  },
  fc
    .record({
      kind: fc.constant('transfer' as const),
      id: fc.nat(8),
      sku,
      from: location,
      to: location,
      qty: fc.integer({ min: 1, max: 5 }),
      inTransit: fc.boolean(),
    })
    .filter((t) => t.from !== t.to),
  fc.record({ kind: fc.constant('receiveTransfer' as const), sku, id: fc.nat(8) }),
  fc.record({
    kind: fc.constant('restock' as const),
    sku,
    location,
    qty: fc.integer({ min: 1, max: 4 }),
    sellable: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('sync' as const),
    sku,
    location,
    count: fc.integer({ min: 0, max: 20 }),
    ageMs: fc.integer({ min: 0, max: 5_000 }),
  }),
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('setPolicy' as const),
      sku,
      policy: fc.record({
        safetyStock: fc.integer({ min: 0, max: 4 }),
        fences: units,
        caps: units,
        backorderLimit: fc.constantFrom(0, 5, 20, 20),
      }),
    }),
  },
  fc.record({ kind: fc.constantFrom('freeze' as const, 'unfreeze' as const), sku }),
);

/** Applies one op; returns a plain, comparable answer. */
function apply(ledger: Ledger, o: Op, clock: { now: number }): unknown {
  switch (o.kind) {
    case 'receive':
      return ledger.receive(o.sku, o.location, o.qty);
    case 'adjust':
      return ledger.adjust(o.sku, o.location, o.delta, 'count');
    case 'reserve': {
      const outcome = ledger.reserve(`h${o.id}`, o.channel, o.ttlMs, o.lines, o.allowSplit ? { allowSplit: true } : {});
      return 'ok' in outcome ? outcome : originalOutcome(outcome as Hold);
    }
    case 'commit':
      return ledger.commit(`h${o.id}`);
    case 'release':
      return ledger.release(`h${o.id}`);
    case 'fulfil':
      return ledger.fulfil(`h${o.id}`, null);
    case 'getReservation':
      return ledger.getReservation(`h${o.id}`);
    case 'advance':
      clock.now += o.ms;
      ledger.advance(clock.now);
      return null;
    case 'transfer':
      return ledger.transfer(`t${o.id}`, o.sku, o.from, o.to, o.qty, o.inTransit);
    case 'receiveTransfer':
      return ledger.receiveTransfer(o.sku, `t${o.id}`);
    case 'restock':
      return ledger.restock(o.sku, o.location, o.qty, o.sellable, undefined, -1);
    case 'sync':
      return ledger.sync(o.sku, o.location, o.count, clock.now - o.ageMs);
    case 'setPolicy':
      return ledger.setPolicy(o.sku, structuredClone(o.policy));
    case 'freeze':
      return ledger.freeze(o.sku, 'recount');
    case 'unfreeze':
      return ledger.unfreeze(o.sku);
  }
}

/** Everything observable: every SKU, every id's reservation, the counters. */
function observe(ledger: Ledger): unknown {
  return {
    skus: SKUS.map((s) => ledger.get(s)),
    holds: Array.from({ length: 31 }, (_, i) => ledger.getReservation(`h${i}`)),
    counters: ledger.counters(),
  };
}

function drain(ledger: Ledger): unknown {
  const drained = { events: ledger.events.splice(0), forgotten: ledger.forgotten.splice(0) };
  return JSON.parse(JSON.stringify(drained));
}

describe.each([
  ['generous', OPTIONS],
  ['tight', TIGHT],
] as const)('ledger snapshots (%s bounds)', (bounds, OPTIONS) => {
  it('a restored ledger answers every later operation exactly as the original', () => {
    const codec = new Packr({ useRecords: true });
    let withBackorders = 0;
    let limitsReached = 0;
    let refusalsForgotten = 0;
    fc.assert(
      fc.property(
        fc.array(op, { minLength: 1, maxLength: 60 }),
        fc.array(op, { minLength: 1, maxLength: 40 }),
        (before, after) => {
          const clock = { now: 1_000_000 };
          const original = new Ledger(OPTIONS);
          original.watch('*', true);
          original.advance(clock.now);
          original.setPolicy('C', { safetyStock: 0, fences: {}, caps: {}, backorderLimit: 30 });
          for (const o of before) apply(original, o, clock);
          drain(original);
          const saved = original.snapshot();
          if (saved.backorders.length > 0) withBackorders++;
          const restored = Ledger.restore(OPTIONS, codec.unpack(codec.pack(saved)));
          restored.watch('*', true);
          expect(observe(restored)).toEqual(observe(original));
          const twinClock = { now: clock.now };
          for (const o of after) {
            const a = JSON.parse(JSON.stringify(apply(original, o, clock)));
            const b = JSON.parse(JSON.stringify(apply(restored, o, twinClock)));
            expect(b, JSON.stringify(o)).toEqual(a);
            if ((a as { error?: { code?: string } } | null)?.error?.code === 'LIMIT_REACHED') limitsReached++;
            const drained = drain(original) as { forgotten: string[] };
            refusalsForgotten += drained.forgotten.length;
            expect(drain(restored), `events after ${JSON.stringify(o)}`).toEqual(drained);
          }
          expect(observe(restored)).toEqual(observe(original));
          expect(restored.snapshot()).toEqual(original.snapshot());
        },
      ),
      { numRuns: 300 },
    );
    if (bounds === 'generous')
      expect(withBackorders, 'runs whose snapshot held waiting backorders').toBeGreaterThan(30);
    if (bounds === 'tight') {
      expect(limitsReached, 'operations refused at maxSkus or maxPositions').toBeGreaterThan(40);
      expect(refusalsForgotten, 'outcomes dropped by the bounds').toBeGreaterThan(40);
    }
  });
});
