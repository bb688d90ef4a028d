/**
 * Properties of sync, policies and backorders, shards 0 with a manual clock:
 *  - staleness: a count taken at asOf and applied after later movements equals the same count
 *    taken just before it was applied (count + Σ later movements, clamped at 0);
 *  - fences, caps and safety stock: every reserve is accepted exactly when its qty fits the
 *    channel's figure read just before, and `channels` always equals the spec's formula;
 *  - backorders: filled first-in first-out, never beyond what arrived (a reference model);
 *  - conservation: on hand + inbound + shipped equals everything that came in, syncs included.
 *
 * From issue 3 spec.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEngine, type ChangeEvent } from '../../dist/engine/index.js';
import {
  assertInvariants,
  expectOk,
  expectRefused,
  manualClock,
  type Engine,
  type ManualClock,
} from '../engine/support/helpers.js';

const TTL = 3_600_000;
const START = 1_000_000;

async function withEngine<T>(
  run: (engine: Engine, clock: ManualClock) => Promise<T>,
  locationOrder = ['A', 'B'],
): Promise<T> {
  const clock = manualClock(START);
  const engine = await createEngine({ shards: 0, clock, locationOrder, expirySweepIntervalMs: 0 });
  try {
    return await run(engine, clock);
  } finally {
    await engine.close();
  }
}

// ---------------------------------------------------------------- staleness

type Movement =
  | { kind: 'receive'; at: 0 | 1; qty: number; gap: number }
  | { kind: 'adjust'; at: 0 | 1; delta: number; gap: number }
  | { kind: 'fulfil'; at: 0 | 1; qty: number; gap: number }
  | { kind: 'restock'; at: 0 | 1; qty: number; sellable: boolean; gap: number }
  | { kind: 'transfer'; at: 0 | 1; qty: number; inTransit: boolean; gap: number }
  | { kind: 'receiveTransfer'; pick: number; gap: number }
  | { kind: 'hold'; at: 0 | 1; qty: number; gap: number };

const at = fc.constantFrom<0 | 1>(0, 1);
const gap = fc.integer({ min: 1, max: 50 });
const movement: fc.Arbitrary<Movement> = fc.oneof(
  fc.record({ kind: fc.constant('receive' as const), at, qty: fc.integer({ min: 1, max: 6 }), gap }),
  fc.record({
    kind: fc.constant('adjust' as const),
    at,
    delta: fc.integer({ min: -8, max: 6 }).filter((d) => d !== 0),
    gap,
  }),
  fc.record({ kind: fc.constant('fulfil' as const), at, qty: fc.integer({ min: 1, max: 8 }), gap }),
  fc.record({
    kind: fc.constant('restock' as const),
    at,
    qty: fc.integer({ min: 1, max: 4 }),
    sellable: fc.boolean(),
    gap,
  }),
  fc.record({
    kind: fc.constant('transfer' as const),
    at,
    qty: fc.integer({ min: 1, max: 8 }),
    inTransit: fc.boolean(),
    gap,
  }),
  fc.record({ kind: fc.constant('receiveTransfer' as const), pick: fc.nat(), gap }),
  fc.record({ kind: fc.constant('hold' as const), at, qty: fc.integer({ min: 1, max: 4 }), gap }),
);

const LOCS = ['A', 'B'] as const;

interface StaleModel {
  onHand: [number, number];
  /** Σ onHand movements per position since asOf (null before the count is taken). */
  since: [number, number] | null;
  transits: Array<{ id: string; to: 0 | 1; qty: number }>;
  n: number;
}

/** Runs one movement on the engine and the model; the model predicts whether it is accepted. */
async function move(engine: Engine, clock: ManualClock, model: StaleModel, m: Movement): Promise<void> {
  clock.advance(m.gap);
  const bump = (location: 0 | 1, delta: number) => {
    model.onHand[location] += delta;
    if (model.since !== null) model.since[location] += delta;
  };
  const id = `x${model.n++}`;
  switch (m.kind) {
    case 'receive':
      expectOk(await engine.receive({ sku: 'S', location: LOCS[m.at], qty: m.qty }));
      bump(m.at, m.qty);
      break;
    case 'adjust': {
      const result = await engine.adjust({ sku: 'S', location: LOCS[m.at], delta: m.delta, reason: 'count' });
      if (model.onHand[m.at] + m.delta < 0) {
        expectRefused(result, 'INSUFFICIENT_STOCK');
      } else {
        expectOk(result);
        bump(m.at, m.delta);
      }
      break;
    }
    case 'fulfil': {
      const result = await engine.reserve({
        id,
        channel: 'web',
        ttlMs: TTL,
        lines: [{ sku: 'S', qty: m.qty, location: LOCS[m.at] }],
      });
      if (model.onHand[m.at] < m.qty) {
        expectRefused(result, 'INSUFFICIENT_STOCK');
        break;
      }
      expectOk(result);
      expectOk(await engine.commit(id));
      expectOk(await engine.fulfil(id));
      bump(m.at, -m.qty);
      break;
    }
    case 'restock':
      expectOk(
        await engine.restock({
          sku: 'S',
          location: LOCS[m.at],
          qty: m.qty,
          condition: m.sellable ? 'sellable' : 'damaged',
        }),
      );
      if (m.sellable) bump(m.at, m.qty);
      break;
    case 'transfer': {
      const to = (1 - m.at) as 0 | 1;
      const result = await engine.transfer({
        id,
        sku: 'S',
        from: LOCS[m.at],
        to: LOCS[to],
        qty: m.qty,
        inTransit: m.inTransit,
      });
      if (model.onHand[m.at] < m.qty) {
        expectRefused(result, 'INSUFFICIENT_STOCK');
        break;
      }
      expectOk(result);
      bump(m.at, -m.qty);
      if (m.inTransit) model.transits.push({ id, to, qty: m.qty });
      else bump(to, m.qty);
      break;
    }
    case 'receiveTransfer': {
      if (model.transits.length === 0) break;
      const [transit] = model.transits.splice(m.pick % model.transits.length, 1);
      expectOk(await engine.receiveTransfer({ sku: 'S', id: transit.id }));
      bump(transit.to, transit.qty);
      break;
    }
    case 'hold': {
      // Holds are not movements: reserve and release change no onHand.
      const result = await engine.reserve({
        id,
        channel: 'web',
        ttlMs: TTL,
        lines: [{ sku: 'S', qty: m.qty, location: LOCS[m.at] }],
      });
      if (result.ok) expectOk(await engine.release(id));
      break;
    }
  }
}

describe('staleness (shards 0, property)', () => {
  it('a count applied late equals the same count taken just before it was applied', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(movement, { maxLength: 8 }),
        fc.tuple(fc.nat(30), fc.nat(30)),
        fc.array(movement, { maxLength: 20 }),
        async (before, counts, after) =>
          withEngine(async (engine, clock) => {
            const model: StaleModel = { onHand: [10, 10], since: null, transits: [], n: 0 };
            for (const location of LOCS) expectOk(await engine.receive({ sku: 'S', location, qty: 10 }));
            for (const m of before) await move(engine, clock, model, m);
            const asOf = clock.advance(1);
            model.since = [0, 0];
            for (const m of after) await move(engine, clock, model, m);
            clock.advance(1);
            const view = expectOk(await engine.get('S'));
            for (const location of [0, 1] as const) {
              expect(view.locations[LOCS[location]].onHand, `model agrees at ${LOCS[location]}`).toBe(
                model.onHand[location],
              );
              const expected = Math.max(0, counts[location] + model.since[location]);
              const late = expectOk(
                await engine.sync({ sku: 'S', location: LOCS[location], onHand: counts[location], asOf }),
              );
              expect(late.rebasedBy, `rebasedBy at ${LOCS[location]}`).toBe(model.since[location]);
              expect(late.position.onHand, `onHand at ${LOCS[location]}`).toBe(expected);
              expect(late.delta).toBe(expected - model.onHand[location]);
              // The same count taken now (count + Σ, clamped) changes nothing more.
              const fresh = expectOk(
                await engine.sync({ sku: 'S', location: LOCS[location], onHand: expected, asOf: clock.nowMs() }),
              );
              expect([fresh.rebasedBy, fresh.delta, fresh.position.onHand]).toEqual([0, 0, expected]);
              expect(fresh.position.inbound).toBe(late.position.inbound);
            }
            await assertInvariants(engine, ['S'], ['A', 'B']);
          }),
      ),
      { numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------- fences, caps, safety stock

const CHANNELS = ['web', 'marketplace', 'store', 'app'] as const;

interface PolicyInput {
  safetyStock: number;
  fences: Record<string, number>;
  caps: Record<string, number>;
}

const policyInput: fc.Arbitrary<PolicyInput> = fc.record({
  safetyStock: fc.integer({ min: 0, max: 10 }),
  fences: fc.record(
    { marketplace: fc.integer({ min: 1, max: 20 }), store: fc.integer({ min: 1, max: 15 }) },
    { requiredKeys: [] },
  ),
  caps: fc.record(
    { web: fc.integer({ min: 1, max: 30 }), marketplace: fc.integer({ min: 1, max: 25 }) },
    { requiredKeys: [] },
  ),
});

type FenceOp =
  | { kind: 'reserve'; channel: (typeof CHANNELS)[number]; qty: number }
  | { kind: 'release' | 'ship' | 'commit'; pick: number }
  | { kind: 'receive'; qty: number }
  | { kind: 'policy'; policy: PolicyInput };

const fenceOp: fc.Arbitrary<FenceOp> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('reserve' as const),
      channel: fc.constantFrom(...CHANNELS),
      qty: fc.integer({ min: 1, max: 15 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constantFrom('release' as const, 'ship' as const, 'commit' as const),
      pick: fc.nat(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('receive' as const), qty: fc.integer({ min: 1, max: 10 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('policy' as const), policy: policyInput }) },
);

/** The spec's channel figures, computed from the model. */
function expectedChannels(
  policy: PolicyInput | null,
  available: number,
  allocated: Map<string, number>,
): Record<string, number> {
  if (policy === null) return { '*': available };
  const alloc = (c: string) => allocated.get(c) ?? 0;
  const remaining = (c: string) => Math.max(0, (policy.fences[c] ?? 0) - alloc(c));
  const fenced = Object.keys(policy.fences);
  const stock = (c: string | null) =>
    Math.max(
      0,
      available - policy.safetyStock - fenced.filter((f) => f !== c).reduce((sum, f) => sum + remaining(f), 0),
    );
  const out: Record<string, number> = { '*': stock(null) };
  for (const c of new Set([...fenced, ...Object.keys(policy.caps)])) {
    const cap = policy.caps[c] === undefined ? Number.POSITIVE_INFINITY : policy.caps[c] - alloc(c);
    out[c] = Math.max(0, Math.min(stock(c), cap));
  }
  return out;
}

const isEmpty = (p: PolicyInput) =>
  p.safetyStock === 0 && Object.keys(p.fences).length === 0 && Object.keys(p.caps).length === 0;

describe('fences, caps and safety stock (shards 0, property)', () => {
  it(
    "a reserve is accepted exactly when it fits the channel's " +
      'figure; fenced and safety units are never taken by others',
    async () => {
      let accepted = 0;
      let refused = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 10, max: 60 }),
          policyInput,
          fc.array(fenceOp, { minLength: 5, maxLength: 30 }),
          async (units, initial, ops) =>
            withEngine(async (engine) => {
              let onHand = units;
              let policy: PolicyInput | null = isEmpty(initial) ? null : initial;
              const holds: Array<{ id: string; channel: string; qty: number; status: 'held' | 'committed' }> = [];
              const allocated = () => {
                const map = new Map<string, number>();
                for (const h of holds) map.set(h.channel, (map.get(h.channel) ?? 0) + h.qty);
                return map;
              };
              const available = () => onHand - holds.reduce((sum, h) => sum + h.qty, 0);
              expectOk(await engine.receive({ sku: 'S', location: 'A', qty: units }));
              const set = expectOk(await engine.setPolicy({ sku: 'S', ...initial }));
              expect(set.channels).toEqual(expectedChannels(policy, available(), allocated()));
              let n = 0;
              for (const op of ops) {
                if (op.kind === 'reserve') {
                  const before = expectOk(await engine.get('S')).channels;
                  const figure = before[op.channel] ?? before['*'];
                  const result = await engine.reserve({
                    id: `h${n}`,
                    channel: op.channel,
                    ttlMs: TTL,
                    lines: [{ sku: 'S', qty: op.qty }],
                  });
                  if (op.qty <= figure) {
                    expectOk(result, `${op.channel} ${op.qty} ≤ ${figure}`);
                    holds.push({ id: `h${n}`, channel: op.channel, qty: op.qty, status: 'held' });
                    accepted++;
                    if (policy !== null) {
                      // What the others are owed is still there: safety stock and every other
                      // channel's remaining fence.
                      const alloc = allocated();
                      const owed =
                        policy.safetyStock +
                        Object.keys(policy.fences)
                          .filter((c) => c !== op.channel)
                          .reduce((sum, c) => sum + Math.max(0, policy!.fences[c] - (alloc.get(c) ?? 0)), 0);
                      expect(
                        expectOk(await engine.get('S')).available,
                        'safety stock and other fences untouched',
                      ).toBeGreaterThanOrEqual(owed);
                      if (policy.caps[op.channel] !== undefined)
                        expect(alloc.get(op.channel)).toBeLessThanOrEqual(policy.caps[op.channel]);
                    }
                  } else {
                    expectRefused(result, 'INSUFFICIENT_STOCK', `${op.channel} ${op.qty} > ${figure}`);
                    refused++;
                  }
                  n++;
                } else if (op.kind === 'receive') {
                  expectOk(await engine.receive({ sku: 'S', location: 'A', qty: op.qty }));
                  onHand += op.qty;
                } else if (op.kind === 'policy') {
                  const result = expectOk(await engine.setPolicy({ sku: 'S', ...op.policy }));
                  policy = isEmpty(op.policy) ? null : op.policy;
                  expect(result.policy).toEqual(policy === null ? null : { ...op.policy, backorderLimit: 0 });
                } else if (holds.length > 0) {
                  const index = op.pick % holds.length;
                  const hold = holds[index];
                  if (op.kind === 'release') {
                    expectOk(await engine.release(hold.id));
                    holds.splice(index, 1);
                  } else if (op.kind === 'commit') {
                    expectOk(await engine.commit(hold.id));
                    hold.status = 'committed';
                  } else if (hold.status === 'committed') {
                    expectOk(await engine.fulfil(hold.id));
                    holds.splice(index, 1);
                    onHand -= hold.qty;
                  }
                }
                const view = expectOk(await engine.get('S'));
                expect(view.available).toBe(available());
                expect(
                  view.channels,
                  JSON.stringify({ policy, available: available(), allocated: [...allocated()] }),
                ).toEqual(expectedChannels(policy, available(), allocated()));
              }
            }),
        ),
        { numRuns: 200 },
      );
      expect(accepted, 'generators exercise acceptance').toBeGreaterThan(0);
      expect(refused, 'generators exercise refusals').toBeGreaterThan(0);
    },
  );
});

// ---------------------------------------------------------------- backorders

type BackorderOp =
  | { kind: 'reserve'; qty: number; channel: string }
  | { kind: 'receive' | 'restock' | 'adjust'; qty: number }
  | { kind: 'release' | 'commit' | 'ship'; pick: number };

const backorderOp: fc.Arbitrary<BackorderOp> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('reserve' as const),
      qty: fc.integer({ min: 1, max: 8 }),
      channel: fc.constantFrom('web', 'store'),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constantFrom('receive' as const, 'restock' as const, 'adjust' as const),
      qty: fc.integer({ min: 1, max: 10 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom('release' as const, 'commit' as const, 'ship' as const),
      pick: fc.nat(),
    }),
  },
);

interface BoHold {
  id: string;
  qty: number;
  alloc: number;
  bo: number;
  fulfilled: number;
  status: 'held' | 'committed' | 'fulfilled' | 'released';
}

describe('backorders (shards 0, property)', () => {
  it('fills first-in first-out, never beyond what is available, exactly as a reference model', async () => {
    let fillsSeen = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 3, max: 30 }),
        fc.nat(6),
        fc.array(backorderOp, { minLength: 1, maxLength: 30 }),
        async (limit, initial, ops) =>
          withEngine(
            async (engine) => {
              const events: ChangeEvent[] = [];
              engine.subscribe(['S'], (event) => events.push(event));
              expectOk(await engine.setPolicy({ sku: 'S', backorderLimit: limit }));
              let onHand = 0;
              const holds: BoHold[] = [];
              const live = () => holds.filter((h) => h.status === 'held' || h.status === 'committed');
              const available = () => Math.max(0, onHand - live().reduce((sum, h) => sum + h.alloc, 0));
              const totalBo = () => live().reduce((sum, h) => sum + h.bo, 0);
              const fill = (): Array<[string, number]> => {
                const done: Array<[string, number]> = [];
                for (const h of live()) {
                  const take = Math.min(h.bo, available());
                  if (take > 0) {
                    h.bo -= take;
                    h.alloc += take;
                    done.push([h.id, take]);
                  }
                }
                return done;
              };
              if (initial > 0) {
                expectOk(await engine.receive({ sku: 'S', location: 'A', qty: initial }));
                onHand += initial;
              }
              let n = 0;
              for (const op of ops) {
                events.length = 0;
                let expectedFills: Array<[string, number]> = [];
                if (op.kind === 'reserve') {
                  const id = `h${n++}`;
                  const take = Math.min(op.qty, available());
                  const rest = op.qty - take;
                  const result = await engine.reserve({
                    id,
                    channel: op.channel,
                    ttlMs: TTL,
                    lines: [{ sku: 'S', qty: op.qty }],
                  });
                  if (rest > 0 && totalBo() + rest > limit) {
                    expectRefused(result, 'INSUFFICIENT_STOCK');
                  } else {
                    const reservation = expectOk(result).reservation;
                    expect(reservation.backordered).toBe(rest);
                    expect(reservation.lines).toEqual([
                      { line: 0, sku: 'S', location: 'A', qty: op.qty, fulfilled: 0, backordered: rest },
                    ]);
                    holds.push({ id, qty: op.qty, alloc: take, bo: rest, fulfilled: 0, status: 'held' });
                    expectedFills = fill();
                  }
                } else if (!('pick' in op)) {
                  if (op.kind === 'receive') expectOk(await engine.receive({ sku: 'S', location: 'A', qty: op.qty }));
                  else if (op.kind === 'restock')
                    expectOk(await engine.restock({ sku: 'S', location: 'A', qty: op.qty, condition: 'sellable' }));
                  else expectOk(await engine.adjust({ sku: 'S', location: 'A', delta: op.qty, reason: 'found' }));
                  onHand += op.qty;
                  expectedFills = fill();
                } else {
                  const candidates = live();
                  if (candidates.length === 0) continue;
                  const hold = candidates[op.pick % candidates.length];
                  if (op.kind === 'release') {
                    expectOk(await engine.release(hold.id));
                    hold.status = 'released';
                    hold.bo = 0;
                    hold.alloc = 0;
                    expectedFills = fill();
                  } else if (op.kind === 'commit') {
                    expectOk(await engine.commit(hold.id));
                    hold.status = 'committed';
                    expectedFills = fill();
                  } else {
                    if (hold.status !== 'committed' || hold.alloc === 0) continue;
                    const shipped = expectOk(await engine.fulfil(hold.id)).reservation;
                    onHand -= hold.alloc;
                    hold.fulfilled += hold.alloc;
                    hold.alloc = 0;
                    if (hold.bo === 0) hold.status = 'fulfilled';
                    expect(shipped.status).toBe(hold.status);
                    expect(shipped.lines[0]).toMatchObject({ fulfilled: hold.fulfilled, backordered: hold.bo });
                    expectedFills = fill();
                  }
                }
                const actualFills = events
                  .filter((e) => e.cause === 'backorderFilled')
                  .map((e) => [e.reservationId, e.filled]);
                expect(actualFills, `fills after ${JSON.stringify(op)}`).toEqual(expectedFills);
                fillsSeen += actualFills.length;
                const view = expectOk(await engine.get('S'));
                expect(view.backordered).toBe(totalBo());
                expect(view.reserved + view.committed).toBe(live().reduce((sum, h) => sum + h.alloc, 0));
                expect(view.onHand).toBe(onHand);
                expect(view.available).toBe(available());
                // Never both: units free and a backorder waiting (the fill would have taken them).
                expect(view.available === 0 || view.backordered === 0).toBe(true);
                for (const h of live()) {
                  const r = expectOk(await engine.getReservation(h.id)).reservation;
                  expect([r.status, r.backordered], h.id).toEqual([h.status, h.bo]);
                }
              }
              await assertInvariants(engine, ['S'], ['A']);
            },
            ['A'],
          ),
      ),
      { numRuns: 200 },
    );
    expect(fillsSeen, 'generators exercise fills').toBeGreaterThan(0);
  });

  it(
    'backorders taken first and units arriving later: total ' + 'filled = min(backordered, arrived), earliest first',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 8 }),
          fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 8 }),
          async (wanted, arrivals) =>
            withEngine(
              async (engine) => {
                const events: ChangeEvent[] = [];
                engine.subscribe(['S'], (event) => events.push(event));
                expectOk(await engine.setPolicy({ sku: 'S', backorderLimit: 1_000 }));
                for (let i = 0; i < wanted.length; i++) {
                  expect(
                    expectOk(
                      await engine.reserve({
                        id: `h${i}`,
                        channel: 'web',
                        ttlMs: TTL,
                        lines: [{ sku: 'S', qty: wanted[i] }],
                      }),
                    ).reservation.backordered,
                  ).toBe(wanted[i]);
                }
                for (const qty of arrivals) expectOk(await engine.receive({ sku: 'S', location: 'A', qty }));
                const fills = events.filter((e) => e.cause === 'backorderFilled');
                const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
                const filled = total(fills.map((e) => e.filled ?? 0));
                expect(filled).toBe(Math.min(total(wanted), total(arrivals)));
                // Per hold: the earliest holds are complete, at most one is partial, the rest have nothing.
                let left = total(arrivals);
                for (let i = 0; i < wanted.length; i++) {
                  const got = Math.min(wanted[i], left);
                  left -= got;
                  const received = total(fills.filter((e) => e.reservationId === `h${i}`).map((e) => e.filled ?? 0));
                  expect(received, `h${i}`).toBe(got);
                  expect(expectOk(await engine.getReservation(`h${i}`)).reservation.backordered).toBe(wanted[i] - got);
                }
                // Fill events name holds in creation order.
                const order = fills.map((e) => Number((e.reservationId ?? 'h-1').slice(1)));
                expect(order).toEqual([...order].sort((a, b) => a - b));
                expect(expectOk(await engine.get('S')).available).toBe(Math.max(0, total(arrivals) - total(wanted)));
              },
              ['A'],
            ),
        ),
        { numRuns: 200 },
      );
    },
  );
});

// ---------------------------------------------------------------- conservation

type ConsOp =
  | { kind: 'receive'; at: 0 | 1; qty: number }
  | { kind: 'adjust'; at: 0 | 1; delta: number }
  | { kind: 'sync'; at: 0 | 1; count: number; lag: number }
  | { kind: 'restock'; at: 0 | 1; qty: number; sellable: boolean }
  | { kind: 'transfer'; at: 0 | 1; qty: number; inTransit: boolean }
  | { kind: 'receiveTransfer'; pick: number }
  | { kind: 'reserve'; at: 0 | 1 | 2; qty: number }
  | { kind: 'commit' | 'ship' | 'release'; pick: number };

const consOp: fc.Arbitrary<ConsOp> = fc.oneof(
  fc.record({ kind: fc.constant('receive' as const), at, qty: fc.integer({ min: 1, max: 8 }) }),
  fc.record({
    kind: fc.constant('adjust' as const),
    at,
    delta: fc.integer({ min: -6, max: 6 }).filter((d) => d !== 0),
  }),
  fc.record({ kind: fc.constant('sync' as const), at, count: fc.nat(25), lag: fc.nat(300) }),
  fc.record({ kind: fc.constant('restock' as const), at, qty: fc.integer({ min: 1, max: 4 }), sellable: fc.boolean() }),
  fc.record({
    kind: fc.constant('transfer' as const),
    at,
    qty: fc.integer({ min: 1, max: 8 }),
    inTransit: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('receiveTransfer' as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant('reserve' as const),
    at: fc.constantFrom<0 | 1 | 2>(0, 1, 2),
    qty: fc.integer({ min: 1, max: 8 }),
  }),
  fc.record({ kind: fc.constantFrom('commit' as const, 'ship' as const, 'release' as const), pick: fc.nat() }),
);

describe('conservation (shards 0, property)', () => {
  it(
    'Σ onHand + inbound + shipped from stock = received + adjusted ' +
      '+ sync deltas + restocked sellable; quarantined apart',
    async () => {
      let syncs = 0;
      await fc.assert(
        fc.asyncProperty(fc.boolean(), fc.array(consOp, { minLength: 1, maxLength: 35 }), async (backorders, ops) =>
          withEngine(async (engine, clock) => {
            if (backorders) expectOk(await engine.setPolicy({ sku: 'S', backorderLimit: 15 }));
            const totals = { received: 0, adjusted: 0, syncDeltas: 0, restocked: 0, quarantined: 0, shipped: 0 };
            /**
             * Every onHand change other than a sync, per position, with its time: what a late count
             * is rebased over.
             */
            const movements: Array<{ at: number; location: string; delta: number; time: number }> = [];
            const lastAsOf: [number, number] = [-1, -1];
            const fulfilledOf = new Map<string, number>();
            const transits: string[] = [];
            const liveIds: string[] = [];
            const onHandOf = async () => {
              const view = await engine.get('S');
              return view.ok ? LOCS.map((l) => view.locations[l]?.onHand ?? 0) : [0, 0];
            };
            let n = 0;
            for (const op of ops) {
              const now = clock.advance(10);
              const before = await onHandOf();
              const id = `o${n++}`;
              switch (op.kind) {
                case 'receive':
                  expectOk(await engine.receive({ sku: 'S', location: LOCS[op.at], qty: op.qty }));
                  totals.received += op.qty;
                  break;
                case 'adjust':
                  if ((await engine.adjust({ sku: 'S', location: LOCS[op.at], delta: op.delta, reason: 'count' })).ok)
                    totals.adjusted += op.delta;
                  break;
                case 'sync': {
                  const asOf = Math.max(lastAsOf[op.at], now - op.lag, 0);
                  const result = expectOk(
                    await engine.sync({ sku: 'S', location: LOCS[op.at], onHand: op.count, asOf }),
                  );
                  lastAsOf[op.at] = Math.max(lastAsOf[op.at], asOf);
                  const rebasedBy = movements
                    .filter((m) => m.at === op.at && m.time > asOf)
                    .reduce((sum, m) => sum + m.delta, 0);
                  expect(result.rebasedBy, 'rebasedBy = Σ movements after asOf').toBe(rebasedBy);
                  expect(result.position.onHand).toBe(Math.max(0, op.count + rebasedBy));
                  expect(result.delta).toBe(result.position.onHand - before[op.at]);
                  totals.syncDeltas += result.delta;
                  syncs++;
                  break;
                }
                case 'restock':
                  expectOk(
                    await engine.restock({
                      sku: 'S',
                      location: LOCS[op.at],
                      qty: op.qty,
                      condition: op.sellable ? 'sellable' : 'damaged',
                    }),
                  );
                  if (op.sellable) totals.restocked += op.qty;
                  else totals.quarantined += op.qty;
                  break;
                case 'transfer': {
                  const result = await engine.transfer({
                    id,
                    sku: 'S',
                    from: LOCS[op.at],
                    to: LOCS[1 - op.at],
                    qty: op.qty,
                    inTransit: op.inTransit,
                  });
                  if (result.ok && op.inTransit) transits.push(id);
                  break;
                }
                case 'receiveTransfer':
                  if (transits.length > 0)
                    expectOk(
                      await engine.receiveTransfer({ sku: 'S', id: transits.splice(op.pick % transits.length, 1)[0] }),
                    );
                  break;
                case 'reserve': {
                  const line =
                    op.at === 2 ? { sku: 'S', qty: op.qty } : { sku: 'S', qty: op.qty, location: LOCS[op.at] };
                  if ((await engine.reserve({ id, channel: 'web', ttlMs: TTL, lines: [line] })).ok) liveIds.push(id);
                  break;
                }
                default: {
                  if (liveIds.length === 0) break;
                  const index = op.pick % liveIds.length;
                  const hold = liveIds[index];
                  if (op.kind === 'commit') expectOk(await engine.commit(hold));
                  else if (op.kind === 'release') {
                    expectOk(await engine.release(hold));
                    liveIds.splice(index, 1);
                  } else {
                    const result = await engine.fulfil(hold);
                    if (result.ok) {
                      const shipped = result.reservation.lines.reduce((sum, l) => sum + l.fulfilled, 0);
                      totals.shipped += shipped - (fulfilledOf.get(hold) ?? 0);
                      fulfilledOf.set(hold, shipped);
                      if (result.reservation.status === 'fulfilled') liveIds.splice(index, 1);
                    }
                  }
                }
              }
              const after = await onHandOf();
              if (op.kind !== 'sync') {
                for (const i of [0, 1] as const)
                  if (after[i] !== before[i])
                    movements.push({ at: i, location: LOCS[i], delta: after[i] - before[i], time: now });
              }
              const view = await engine.get('S');
              if (!view.ok) continue;
              const withoutStock = engine.stats().shards.reduce((sum, s) => sum + s.ledger.shippedWithoutStock, 0);
              expect(view.onHand + view.inbound + totals.shipped - withoutStock, JSON.stringify(totals)).toBe(
                totals.received + totals.adjusted + totals.syncDeltas + totals.restocked,
              );
              expect(view.quarantined).toBe(totals.quarantined);
              await assertInvariants(engine, ['S'], ['A', 'B']);
            }
          }),
        ),
        { numRuns: 200 },
      );
      expect(syncs).toBeGreaterThan(0);
    },
  );
});
