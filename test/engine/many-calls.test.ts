/**
 * The batch-native calls (issue 14) on shards 0, 1 and 2, each against the single calls it stands for:
 * - reserveMany on engine A answers, entry by entry, exactly (deep-equal) what the same requests
 *   answer on an identical engine B through Promise.all of reserve (valid single-line, multi-line
 *   across shards, replays, same id with another body, sold out, frozen, malformed of many kinds),
 *   and leaves the SKUs and holds in the same state;
 * - commitMany, releaseMany and fulfilMany likewise against commit, release and fulfil(id) (known,
 *   unknown and malformed ids, holds already committed, released or fulfilled, cross-shard holds);
 * - a call that is not a list, or longer than LIMITS.manyOpsMax, is one INVALID_ARGUMENT and runs nothing;
 * - a closed engine answers every entry CLOSED;
 * - batch() with reserve, commit, release and getReservation entries equals the single calls, and
 *   keeps the order of operations on one hold (reserve h, then commit h, commits it);
 * - shards 2: 100,000 reserves in one call hold exactly the stock, never more;
 * - maxInFlightOpsPerShard 64: every entry answered, the OVERLOADED ones leave no trace.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, LIMITS } from '../../dist/engine/index.js';
import {
  assertInvariants,
  engineFactory,
  expectOk,
  expectRefused,
  snapshot,
  type Engine,
  type EngineOptions,
} from './support/helpers.js';
import {
  allSkus,
  FIXED_MS,
  idOf,
  idSpecArb,
  requestSpecsArb,
  requestsOf,
  runSkus,
  skusOnBothShards,
  TTL_MS,
  type IdSpec,
  type RunSkus,
} from './support/many-requests.js';

const fixedClock = { nowMs: () => FIXED_MS };
type ById = 'commit' | 'release' | 'fulfil';
const MANY_OF: Record<ById, 'commitMany' | 'releaseMany' | 'fulfilMany'> = {
  commit: 'commitMany',
  release: 'releaseMany',
  fulfil: 'fulfilMany',
};

function optionsOf(shards: number, extra: Partial<EngineOptions> = {}): EngineOptions {
  return { shards, clock: fixedClock, expirySweepIntervalMs: 0, ...extra } as EngineOptions;
}

/** The single call an id stands for (fulfil of the whole hold: no lines). */
function single(engine: Engine, op: ById, id: unknown) {
  return op === 'fulfil' ? engine.fulfil(id as string) : engine[op](id as string);
}

function stringIds(values: readonly unknown[]): string[] {
  const ids = new Set<string>();
  for (const value of values) {
    const id = (value as { id?: unknown } | null)?.id;
    if (typeof id === 'string') ids.add(id);
  }
  return [...ids];
}

/** Two engines with the same history: what one answers by many-calls, the other by single calls. */
function twinEngines(shards: number) {
  const twins = { a: undefined as unknown as Engine, b: undefined as unknown as Engine };
  let run = 0;
  beforeAll(async () => {
    [twins.a, twins.b] = await Promise.all([createEngine(optionsOf(shards)), createEngine(optionsOf(shards))]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([twins.a?.close(), twins.b?.close()]);
  });
  return {
    twins,
    /** A fresh name space for one property run. */
    prefix: () => `s${shards}-r${run++}-`,
  };
}

/** Stocks a run's SKUs the same way on both engines: little stock (so lines sell out), one SKU frozen. */
async function stockBoth(engines: readonly Engine[], skus: RunSkus, unitsEach: number): Promise<void> {
  for (const engine of engines) {
    for (const [i, sku] of skus.stocked.entries())
      expectOk(await engine.receive({ sku, location: 'WH', qty: unitsEach + i }), `receive ${sku}`);
    expectOk(await engine.receive({ sku: skus.frozen, location: 'WH', qty: 5 }), 'receive frozen');
    expectOk(await engine.freeze({ sku: skus.frozen, reason: 'audit' }), 'freeze');
  }
}

/** The SKUs and the holds read on both engines must be equal. */
async function expectSameState(a: Engine, b: Engine, skus: RunSkus, ids: readonly string[]): Promise<void> {
  const names = allSkus(skus);
  expect(await snapshot(a, names), 'SKU views').toStrictEqual(await snapshot(b, names));
  const holdsOf = (engine: Engine) => Promise.all(ids.map((id) => engine.getReservation(id)));
  expect(await holdsOf(a), 'holds').toStrictEqual(await holdsOf(b));
  await assertInvariants(a, names, ['WH']);
}

describe.each([0, 1, 2])('many-calls equal the single calls (shards %i)', (shards) => {
  const { twins, prefix } = twinEngines(shards);

  it('reserveMany answers exactly what reserve answers, entry by entry, and leaves the same state', async () => {
    await fc.assert(
      fc.asyncProperty(requestSpecsArb, async (specs) => {
        const { a, b } = twins;
        const run = prefix();
        const skus = runSkus(run);
        await stockBoth([a, b], skus, 2);
        const requests = requestsOf(specs, run, skus);
        const many = await a.reserveMany(requests as never);
        const singles = await Promise.all(requests.map((request) => b.reserve(request as never)));
        expect(Array.isArray(many), 'an array of results').toBe(true);
        expect(many).toStrictEqual(singles);
        await expectSameState(a, b, skus, stringIds(requests));
      }),
      { numRuns: 25 },
    );
  }, 180_000);

  it('commitMany, releaseMany and fulfilMany answer exactly what commit, release and fulfil answer', async () => {
    const stepArb = fc.record({
      op: fc.constantFrom<ById>('commit', 'release', 'fulfil'),
      ids: fc.array(idSpecArb, { maxLength: 14 }),
    });
    const startArb = fc.array(fc.constantFrom<ById | 'held'>('held', 'held', 'commit', 'release', 'fulfil'), {
      minLength: 8,
      maxLength: 8,
    });
    await fc.assert(
      fc.asyncProperty(startArb, fc.array(stepArb, { minLength: 1, maxLength: 3 }), async (starts, steps) => {
        const { a, b } = twins;
        const run = prefix();
        const skus = runSkus(run);
        await stockBoth([a, b], skus, 20);
        const holds = await holdsOnBoth([a, b], run, skus, starts);
        for (const { op, ids: specs } of steps) {
          const ids = specs.map((spec: IdSpec) => idOf(spec, run, holds));
          const many = await a[MANY_OF[op]](ids as string[]);
          const singles = await Promise.all(ids.map((id) => single(b, op, id)));
          expect(Array.isArray(many), `${op}Many: an array of results`).toBe(true);
          expect(many, `${op}Many ${JSON.stringify(ids).slice(0, 300)}`).toStrictEqual(singles);
        }
        await expectSameState(a, b, skus, [...holds, `${run}never-0`]);
      }),
      { numRuns: 25 },
    );
  }, 180_000);

  it('batch() with reserve, commit, release and getReservation entries equals the single calls', async () => {
    const byIdArb = fc.record({
      op: fc.constantFrom('commit', 'release', 'getReservation'),
      hold: fc.integer({ min: 0, max: 7 }),
    });
    const entryArb = fc.oneof(
      { weight: 2, arbitrary: requestSpecsArb.map((specs) => ({ reserves: specs.slice(0, 3) })) },
      { weight: 3, arbitrary: byIdArb },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(entryArb, { maxLength: 30 }), async (entries) => {
        const { a, b } = twins;
        const run = prefix();
        const skus = runSkus(run);
        await stockBoth([a, b], skus, 3);
        const ops: Array<{ op: string; args: unknown[] }> = [];
        for (const entry of entries) {
          if ('reserves' in entry) {
            for (const request of requestsOf(entry.reserves, run, skus)) ops.push({ op: 'reserve', args: [request] });
          } else {
            ops.push({ op: entry.op, args: [`${run}h${entry.hold}`] });
          }
        }
        const batched = expectOk(await a.batch(ops as never), 'batch').results;
        const singles = await Promise.all(
          ops.map(({ op, args }) => (b as unknown as Record<string, (x: unknown) => Promise<unknown>>)[op](args[0])),
        );
        expect(batched).toStrictEqual(singles);
        const holds = Array.from({ length: 8 }, (_, n) => `${run}h${n}`);
        await expectSameState(a, b, skus, holds);
      }),
      { numRuns: 20 },
    );
  }, 180_000);

  it('batch() keeps the order on one hold: reserve h then commit h in one batch commits it', async () => {
    const { a } = twins;
    const run = prefix();
    const skus = runSkus(run);
    await stockBoth([a], skus, 10);
    const [x, y] = skus.stocked;
    const ops = [
      { op: 'reserve', args: [{ id: `${run}one`, channel: 'web', ttlMs: TTL_MS, lines: [{ sku: x, qty: 2 }] }] },
      { op: 'commit', args: [`${run}one`] },
      { op: 'reserve', args: [{ id: `${run}two`, channel: 'web', ttlMs: TTL_MS, lines: [{ sku: y, qty: 1 }] }] },
      { op: 'release', args: [`${run}two`] },
      { op: 'getReservation', args: [`${run}two`] },
    ];
    const results = expectOk(await a.batch(ops as never), 'batch').results as Array<{
      reservation: { status: string };
    }>;
    expect(results.map((result) => result.reservation.status)).toEqual([
      'held',
      'committed',
      'held',
      'released',
      'released',
    ]);
    expect(expectOk(await a.get(x)).committed).toBe(2);
    expect(expectOk(await a.get(y)).reserved).toBe(0);
  });
});

/**
 * Eight holds on each engine, made by single calls: six single-line (one per stocked SKU and two
 * more), two across shards; then each brought to its start state (held, committed, released, fulfilled).
 */
async function holdsOnBoth(
  engines: readonly Engine[],
  run: string,
  skus: RunSkus,
  starts: ReadonlyArray<ById | 'held'>,
): Promise<string[]> {
  const [s0, s1, s2, s3] = skus.stocked;
  const lines = [[s0], [s1], [s2], [s3], [s0], [s1], [s0, s1], [s2, s3, s0]];
  const ids = lines.map((_, n) => `${run}hold${n}`);
  for (const engine of engines) {
    for (const [n, skusOfHold] of lines.entries()) {
      const request = {
        id: ids[n],
        channel: n % 2 === 0 ? 'web' : 'pos',
        ttlMs: TTL_MS,
        lines: skusOfHold.map((sku, i) => ({ sku, qty: 1 + i })),
      };
      expectOk(await engine.reserve(request), `reserve ${ids[n]}`);
      const start = starts[n];
      // A hold is fulfilled once committed.
      const path: ById[] = start === 'held' ? [] : start === 'fulfil' ? ['commit', 'fulfil'] : [start];
      for (const op of path) expectOk(await single(engine, op, ids[n]), `${op} ${ids[n]}`);
    }
  }
  return ids;
}

describe.each([0, 1, 2])('many-calls refused whole (shards %i)', (shards) => {
  const make = engineFactory();

  it(`not a list, or more than ${LIMITS.manyOpsMax} entries: one INVALID_ARGUMENT, and nothing ran`, async () => {
    const engine = await make(optionsOf(shards));
    const [sku] = skusOnBothShards('whole-', 1);
    expectOk(await engine.receive({ sku, location: 'WH', qty: 2 * LIMITS.manyOpsMax }));
    expectOk(await engine.reserve({ id: 'held-one', channel: 'web', ttlMs: TTL_MS, lines: [{ sku, qty: 1 }] }));
    const before = await snapshot(engine, [sku]);
    const notLists: unknown[] = ['nope', null, undefined, 7, {}, { length: 1, 0: 'held-one' }];
    const tooMany = Array.from({ length: LIMITS.manyOpsMax + 1 }, (_, n) => ({
      id: `over-${n}`,
      channel: 'web',
      ttlMs: TTL_MS,
      lines: [{ sku, qty: 1 }],
    }));
    for (const requests of [...notLists, tooMany]) {
      const what = `reserveMany(${Array.isArray(requests) ? `${requests.length} requests` : JSON.stringify(requests)})`;
      const answer = await engine.reserveMany(requests as never);
      expect(Array.isArray(answer), `${what}: one refusal, not a list`).toBe(false);
      expect(expectRefused(answer as never, 'INVALID_ARGUMENT', what).message, what).toMatch(/^requests:/);
    }
    const idsTooMany = Array.from({ length: LIMITS.manyOpsMax + 1 }, () => 'held-one');
    for (const method of ['commitMany', 'releaseMany', 'fulfilMany'] as const) {
      for (const ids of [...notLists, idsTooMany]) {
        const what = `${method}(${Array.isArray(ids) ? `${ids.length} ids` : JSON.stringify(ids)})`;
        const answer = await engine[method](ids as never);
        expect(Array.isArray(answer), `${what}: one refusal, not a list`).toBe(false);
        expect(expectRefused(answer as never, 'INVALID_ARGUMENT', what).message, what).toMatch(/^ids:/);
      }
    }
    expect(await snapshot(engine, [sku]), 'nothing changed').toStrictEqual(before);
    expect(expectOk(await engine.getReservation('held-one')).reservation.status).toBe('held');
    expectRefused(await engine.getReservation('over-0'), 'NOT_FOUND');
    expect(await engine.reserveMany([]), 'an empty list is an empty answer').toStrictEqual([]);
    expect(await engine.commitMany([])).toStrictEqual([]);
  }, 60_000);

  it('a closed engine answers every entry CLOSED', async () => {
    const engine = await make(optionsOf(shards));
    const [x, y] = skusOnBothShards('closed-', 2);
    for (const sku of [x, y]) expectOk(await engine.receive({ sku, location: 'WH', qty: 5 }));
    expectOk(await engine.reserve({ id: 'h', channel: 'web', ttlMs: TTL_MS, lines: [{ sku: x, qty: 1 }] }));
    await engine.close();
    const requests = [
      { id: 'n1', channel: 'web', ttlMs: TTL_MS, lines: [{ sku: x, qty: 1 }] },
      {
        id: 'n2',
        channel: 'web',
        ttlMs: TTL_MS,
        lines: [
          { sku: x, qty: 1 },
          { sku: y, qty: 1 },
        ],
      },
      null,
      { id: 'n3', channel: 'web', ttlMs: 0, lines: [] },
    ];
    const answers = [
      await engine.reserveMany(requests as never),
      await engine.commitMany(['h', 'unknown', 42 as never]),
      await engine.releaseMany(['h', '']),
      await engine.fulfilMany(['h']),
    ];
    for (const [call, answer] of answers.entries()) {
      expect(Array.isArray(answer), `call ${call}: a list`).toBe(true);
      for (const [entry, result] of (answer as Array<{ ok: boolean }>).entries())
        expectRefused(result as never, 'CLOSED', `call ${call} entry ${entry}`);
    }
    expect((answers[0] as unknown[]).length).toBe(requests.length);
  });
});

describe.each([1, 2])('reserveMany under the in-flight limit (shards %i, maxInFlightOpsPerShard 64)', (shards) => {
  const make = engineFactory();

  it('every entry is answered; some are OVERLOADED, and those leave no trace', async () => {
    const engine = await make(optionsOf(shards, { maxInFlightOpsPerShard: 64 }));
    const skus = skusOnBothShards('flight-', 10);
    for (const sku of skus) expectOk(await engine.receive({ sku, location: 'WH', qty: 1_000 }));
    const requests = Array.from({ length: 1_000 }, (_, n) => ({
      id: `f-${n}`,
      channel: 'web',
      ttlMs: TTL_MS,
      lines: [{ sku: skus[n % skus.length], qty: 1 }],
    }));
    const answer = await engine.reserveMany(requests);
    expect(Array.isArray(answer)).toBe(true);
    const results = answer as Array<{ ok: boolean; error?: { code: string } }>;
    expect(results).toHaveLength(requests.length);
    for (const [n, result] of results.entries()) {
      expect(result, `entry ${n} answered`).toBeDefined();
      expect(result.ok || result.error?.code === 'OVERLOADED', `entry ${n}: ${JSON.stringify(result)}`).toBe(true);
    }
    const held = results.filter((result) => result.ok).length;
    expect(held, 'some were held').toBeGreaterThan(0);
    expect(held, 'some were OVERLOADED').toBeLessThan(requests.length);
    let reserved = 0;
    for (const sku of skus) reserved += expectOk(await engine.get(sku)).reserved;
    expect(reserved, 'the stock held is what was answered ok').toBe(held);
    for (const [n, result] of results.entries()) {
      const found = await engine.getReservation(requests[n].id);
      if (result.ok) expect(expectOk(found).reservation.status).toBe('held');
      else expectRefused(found, 'NOT_FOUND', `OVERLOADED ${requests[n].id} left no hold`);
    }
  }, 60_000);

  it('single- and cross-shard entries alike: OVERLOADED leaves no trace, and onOverload wait holds them all', async () => {
    const skus = skusOnBothShards('mixed-', 2);
    const requests = Array.from({ length: 1_000 }, (_, n) => ({
      id: `x-${n}`,
      channel: 'web',
      ttlMs: TTL_MS,
      lines: n % 2 === 0 ? [{ sku: skus[n % 4 === 0 ? 0 : 1], qty: 1 }] : skus.map((sku) => ({ sku, qty: 1 })),
    }));
    for (const onOverload of ['reject', 'wait'] as const) {
      const engine = await make(optionsOf(shards, { maxInFlightOpsPerShard: 64, onOverload }));
      for (const sku of skus) expectOk(await engine.receive({ sku, location: 'WH', qty: 10_000 }));
      const results = (await engine.reserveMany(requests)) as Array<{ ok: boolean; error?: { code: string } }>;
      expect(results, onOverload).toHaveLength(requests.length);
      const expected = [0, 0];
      for (const [n, result] of results.entries()) {
        expect(result.ok || result.error?.code === 'OVERLOADED', `${onOverload} ${n}: ${JSON.stringify(result)}`).toBe(
          true,
        );
        if (onOverload === 'wait') expect(result.ok, `wait ${n} held`).toBe(true);
        if (!result.ok) continue;
        for (const line of requests[n].lines) expected[skus.indexOf(line.sku)] += 1;
      }
      const reserved = await Promise.all(skus.map(async (sku) => expectOk(await engine.get(sku)).reserved));
      expect(reserved, `${onOverload}: the units held are those of the entries answered ok`).toEqual(expected);
    }
  }, 60_000);
});

describe('100,000 reserves in one call (shards 2)', () => {
  const make = engineFactory();

  it('are answered one each, hold exactly the stock, and the next call is refused sold out', async () => {
    const engine = await make(optionsOf(2));
    const skus = Array.from({ length: 1_000 }, (_, n) => `big-${n}`);
    const received = expectOk(
      await engine.batch(skus.map((sku) => ({ op: 'receive' as const, args: [{ sku, location: 'WH', qty: 100 }] }))),
    );
    expect(received.results.every((result) => result.ok)).toBe(true);
    const requests = Array.from({ length: LIMITS.manyOpsMax }, (_, n) => ({
      id: `big-h${n}`,
      channel: 'web',
      ttlMs: TTL_MS,
      lines: [{ sku: skus[n % skus.length], qty: 1 }],
    }));
    const answer = await engine.reserveMany(requests);
    expect(Array.isArray(answer)).toBe(true);
    const results = answer as Array<{ ok: boolean; reservation?: { id: string } }>;
    expect(results).toHaveLength(LIMITS.manyOpsMax);
    const refused = results.filter((result) => !result.ok);
    expect(refused.slice(0, 3), 'every one held').toEqual([]);
    expect(
      results.every((result, n) => result.reservation?.id === requests[n].id),
      'in order',
    ).toBe(true);
    const more = await engine.reserveMany(
      skus.map((sku, n) => ({ id: `big-more-${n}`, channel: 'web', ttlMs: TTL_MS, lines: [{ sku, qty: 1 }] })),
    );
    expect(Array.isArray(more)).toBe(true);
    for (const [n, result] of (more as Array<{ ok: boolean }>).entries())
      expectRefused(result as never, 'INSUFFICIENT_STOCK', `one more on ${skus[n]}`);
    for (const sku of skus) {
      const view = expectOk(await engine.get(sku));
      expect({ sku, reserved: view.reserved, available: view.available, shortfall: view.shortfall }).toEqual({
        sku,
        reserved: 100,
        available: 0,
        shortfall: 0,
      });
    }
  }, 120_000);
});

describe.each([0, 1, 2])('many-calls count in stats what the single calls count (shards %i)', (shards) => {
  const make = engineFactory();

  it('an entry refused as malformed is counted like the single call: not as an operation run', async () => {
    const [a, b] = await Promise.all([make(optionsOf(shards)), make(optionsOf(shards))]);
    const [sku] = skusOnBothShards('stats-', 1);
    const requests = [null, { id: 'ok-1', channel: 'web', ttlMs: TTL_MS, lines: [{ sku, qty: 1 }] }, { id: '' }];
    const ids = [42, 'ok-1', 'never', ''];
    for (const engine of [a, b]) expectOk(await engine.receive({ sku, location: 'WH', qty: 5 }));
    await a.reserveMany(requests as never);
    await Promise.all(requests.map((request) => b.reserve(request as never)));
    await a.commitMany(ids as never);
    await Promise.all(ids.map((id) => b.commit(id as never)));
    const ops = (engine: Engine) => engine.stats().shards.map((shard) => shard.ops);
    expect(ops(a), 'ops counted by the many-calls (A) and by the single calls (B)').toStrictEqual(ops(b));
  });
});
