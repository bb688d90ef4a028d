/**
 * Every INVALID_ARGUMENT case of the contract, for every operation: the refusal names the field
 * and nothing changes (engine.get / getReservation before and after are deep-equal).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS, createEngine } from '../../dist/engine/index.js';
import { SHARD_COUNTS, expectOk, expectRefused, manualClock, snapshot, type Engine } from './support/helpers.js';

const EAST = 'WH-EAST';
const MISSING = Symbol('missing');
type Value = unknown;

/** A copy of `base` with `key` set to `value`, or removed when `value` is MISSING. */
function withField(base: Record<string, unknown>, key: string, value: Value): Record<string, unknown> {
  const copy: Record<string, unknown> = structuredClone(base);
  if (value === MISSING) delete copy[key];
  else copy[key] = value;
  return copy;
}

const badQuantities: Array<[string, Value]> = [
  ['negative', -1],
  ['zero', 0],
  ['fractional', 1.5],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['unsafe integer', 2 ** 53],
  ['above quantityMax', LIMITS.quantityMax + 1],
  ['a string', '1'],
  ['null', null],
  ['missing', MISSING],
];

function badStrings(maxLength: number): Array<[string, Value]> {
  return [
    ['empty', ''],
    ['over-long', 'x'.repeat(maxLength + 1)],
    ['a number', 5],
    ['null', null],
    ['an object', {}],
    ['a lone high surrogate', 'SKU\ud800'],
    ['a lone low surrogate', '\udc00SKU'],
    ['reversed surrogates', '\udfff\ud800'],
    ['missing', MISSING],
  ];
}

const badIds = badStrings(LIMITS.idLengthMax).filter(([name]) => name !== 'missing');
badIds.push(['undefined', undefined]);

const badTtls: Array<[string, Value]> = [
  ['zero', 0],
  ['negative', -1],
  ['fractional', 1.5],
  ['NaN', Number.NaN],
  ['above ttlMsMax', LIMITS.ttlMsMax + 1],
  ['a string', '1000'],
  ['missing', MISSING],
];

const nonObjects: Array<[string, Value]> = [
  ['null', null],
  ['undefined', undefined],
  ['a string', 'SKU-1'],
  ['a number', 42],
  ['an array', []],
];

describe.each(SHARD_COUNTS)('validation (shards %i)', (shards) => {
  // One engine for the whole suite: refused requests change nothing, and every test compares the
  // state before and after its own call. (Tests that succeed use ids and SKUs no other test reads.)
  let engine: Engine;

  afterAll(async () => {
    await engine?.close();
  });

  beforeAll(async () => {
    engine = await createEngine({ shards, clock: manualClock(), locationOrder: [EAST] });
    expectOk(await engine.receive({ sku: 'SKU-1', location: EAST, qty: 10 }));
    expectOk(await engine.receive({ sku: 'SKU-2', location: EAST, qty: 10 }));
    expectOk(await engine.reserve({ id: 'held', channel: 'web', ttlMs: 60_000, lines: [{ sku: 'SKU-1', qty: 2 }] }));
    expectOk(
      await engine.reserve({ id: 'committed', channel: 'web', ttlMs: 60_000, lines: [{ sku: 'SKU-1', qty: 3 }] }),
    );
    expectOk(await engine.commit('committed'));
  });

  async function state(): Promise<unknown[]> {
    return [
      ...(await snapshot(engine, ['SKU-1', 'SKU-2', 'SKU-NEW'])),
      await engine.getReservation('held'),
      await engine.getReservation('committed'),
      await engine.getReservation('fresh'),
    ];
  }

  /** Runs a call that must be refused INVALID_ARGUMENT naming `field`, with nothing changed. */
  async function expectInvalid(call: () => Promise<unknown>, field: RegExp | null, what: string): Promise<void> {
    const before = await state();
    let result: unknown;
    try {
      result = await call();
    } catch (error) {
      expect.fail(`${what}: the operation threw instead of resolving a refusal: ${String(error)}`);
    }
    const error = expectRefused(result as { ok: boolean }, 'INVALID_ARGUMENT', what);
    if (field) expect(error.message, `${what}: the message names the field`).toMatch(field);
    expect(await state(), `${what}: nothing changed`).toEqual(before);
  }

  describe('receive', () => {
    const base = { sku: 'SKU-NEW', location: EAST, qty: 1 };
    it.each(badQuantities)('qty %s', async (_, value) => {
      await expectInvalid(() => engine.receive(withField(base, 'qty', value) as never), /qty/, `receive qty ${_}`);
    });
    it.each(badStrings(LIMITS.skuLengthMax))('sku %s', async (_, value) => {
      await expectInvalid(() => engine.receive(withField(base, 'sku', value) as never), /sku/, `receive sku ${_}`);
    });
    it.each(badStrings(LIMITS.locationLengthMax))('location %s', async (_, value) => {
      await expectInvalid(
        () => engine.receive(withField(base, 'location', value) as never),
        /location/,
        `receive location ${_}`,
      );
    });
    it('unknown field', async () => {
      await expectInvalid(() => engine.receive({ ...base, bogus: 1 } as never), /bogus/, 'receive unknown field');
    });
    it.each(nonObjects)('request is %s', async (_, value) => {
      await expectInvalid(() => engine.receive(value as never), null, `receive(${_})`);
    });
    it('accepts the boundaries: maximal lengths and qty = quantityMax', async () => {
      const sku = 's'.repeat(LIMITS.skuLengthMax);
      const location = 'l'.repeat(LIMITS.locationLengthMax);
      const result = expectOk(await engine.receive({ sku, location, qty: LIMITS.quantityMax }));
      expect(result.position.onHand).toBe(LIMITS.quantityMax);
    });
  });

  describe('adjust', () => {
    const base = { sku: 'SKU-1', location: EAST, delta: -1, reason: 'count' };
    const badDeltas = badQuantities.filter(([name]) => name !== 'negative');
    badDeltas.push(['below -quantityMax', -(LIMITS.quantityMax + 1)]);
    it.each(badDeltas)('delta %s', async (_, value) => {
      await expectInvalid(() => engine.adjust(withField(base, 'delta', value) as never), /delta/, `adjust delta ${_}`);
    });
    it.each(badStrings(LIMITS.skuLengthMax))('sku %s', async (_, value) => {
      await expectInvalid(() => engine.adjust(withField(base, 'sku', value) as never), /sku/, `adjust sku ${_}`);
    });
    it.each(badStrings(LIMITS.locationLengthMax))('location %s', async (_, value) => {
      await expectInvalid(
        () => engine.adjust(withField(base, 'location', value) as never),
        /location/,
        `adjust location ${_}`,
      );
    });
    it.each(badStrings(LIMITS.reasonLengthMax))('reason %s', async (_, value) => {
      await expectInvalid(
        () => engine.adjust(withField(base, 'reason', value) as never),
        /reason/,
        `adjust reason ${_}`,
      );
    });
    it('unknown field', async () => {
      await expectInvalid(() => engine.adjust({ ...base, bogus: 1 } as never), /bogus/, 'adjust unknown field');
    });
    it.each(nonObjects)('request is %s', async (_, value) => {
      await expectInvalid(() => engine.adjust(value as never), null, `adjust(${_})`);
    });
    it('accepts a reason of reasonLengthMax characters', async () => {
      expectOk(
        await engine.adjust({ ...base, sku: 'SKU-BOUNDARY', delta: 1, reason: 'r'.repeat(LIMITS.reasonLengthMax) }),
      );
    });
  });

  describe('reserve', () => {
    const base = { id: 'fresh', channel: 'web', ttlMs: 60_000, lines: [{ sku: 'SKU-2', qty: 1 }] };
    const withLine = (key: string, value: Value) => ({ ...base, lines: [withField(base.lines[0], key, value)] });

    it.each(badStrings(LIMITS.idLengthMax))('id %s', async (_, value) => {
      await expectInvalid(() => engine.reserve(withField(base, 'id', value) as never), /\bid\b/, `reserve id ${_}`);
    });
    it.each(badStrings(LIMITS.channelLengthMax))('channel %s', async (_, value) => {
      await expectInvalid(
        () => engine.reserve(withField(base, 'channel', value) as never),
        /channel/,
        `reserve channel ${_}`,
      );
    });
    it.each(badTtls)('ttlMs %s', async (_, value) => {
      await expectInvalid(
        () => engine.reserve(withField(base, 'ttlMs', value) as never),
        /ttlMs/,
        `reserve ttlMs ${_}`,
      );
    });
    it.each(badQuantities)('line qty %s', async (_, value) => {
      await expectInvalid(() => engine.reserve(withLine('qty', value) as never), /qty/, `reserve line qty ${_}`);
    });
    it.each(badStrings(LIMITS.skuLengthMax))('line sku %s', async (_, value) => {
      await expectInvalid(() => engine.reserve(withLine('sku', value) as never), /sku/, `reserve line sku ${_}`);
    });
    it.each(badStrings(LIMITS.locationLengthMax).filter(([name]) => name !== 'missing'))(
      'line location %s',
      async (_, value) => {
        await expectInvalid(
          () => engine.reserve(withLine('location', value) as never),
          /location/,
          `reserve line location ${_}`,
        );
      },
    );
    it('a bad second line refuses the hold without holding the first', async () => {
      const lines = [
        { sku: 'SKU-1', qty: 1 },
        { sku: 'SKU-2', qty: -1 },
      ];
      await expectInvalid(() => engine.reserve({ ...base, lines } as never), /qty/, 'reserve bad second line');
    });
    it.each([
      ['no lines', []],
      ['lines missing', MISSING],
      ['lines not an array', { sku: 'SKU-2', qty: 1 }],
      ['lines null', null],
      ['too many lines', Array.from({ length: LIMITS.linesPerHoldMax + 1 }, (_, i) => ({ sku: `S${i}`, qty: 1 }))],
      [
        'duplicate sku without location',
        [
          { sku: 'SKU-2', qty: 1 },
          { sku: 'SKU-2', qty: 2 },
        ],
      ],
      [
        'duplicate sku + location',
        [
          { sku: 'SKU-2', qty: 1, location: EAST },
          { sku: 'SKU-2', qty: 2, location: EAST },
        ],
      ],
      ['a line that is not an object', ['SKU-2']],
      ['a null line', [null]],
    ] as Array<[string, Value]>)('%s', async (name, value) => {
      await expectInvalid(() => engine.reserve(withField(base, 'lines', value) as never), /lines/, `reserve ${name}`);
    });
    it('unknown field on the request', async () => {
      await expectInvalid(() => engine.reserve({ ...base, bogus: 1 } as never), /bogus/, 'reserve unknown field');
    });
    it('unknown field on a line', async () => {
      await expectInvalid(() => engine.reserve(withLine('bogus', 1) as never), /bogus/, 'reserve unknown line field');
    });
    it.each(nonObjects)('request is %s', async (_, value) => {
      await expectInvalid(() => engine.reserve(value as never), null, `reserve(${_})`);
    });
    it('an INVALID_ARGUMENT refusal is not recorded: the id stays free', async () => {
      const body = { ...base, id: 'free-after-refusal' };
      const refused = await engine.reserve({ ...body, lines: [{ sku: 'SKU-2', qty: 0 }] });
      expectRefused(refused, 'INVALID_ARGUMENT');
      const held = expectOk(await engine.reserve(body));
      expect(held.reservation.id).toBe('free-after-refusal');
    });
    it(
      'accepts the boundaries: maximal id/channel, ttlMs ' + '1 and ttlMsMax, linesPerHoldMax lines, quantityMax',
      async () => {
        expectOk(
          await engine.reserve({
            id: 'i'.repeat(LIMITS.idLengthMax),
            channel: 'c'.repeat(LIMITS.channelLengthMax),
            ttlMs: LIMITS.ttlMsMax,
            lines: [{ sku: 'SKU-2', qty: 1 }],
          }),
        );
        expectOk(await engine.reserve({ ...base, id: 'ttl-1', ttlMs: LIMITS.ttlMsMin }));
        // 100 lines pass validation (the SKUs are unknown, so the stock check refuses them).
        const many = Array.from({ length: LIMITS.linesPerHoldMax }, (_, i) => ({ sku: `S${i}`, qty: 1 }));
        expectRefused(await engine.reserve({ ...base, id: 'many', lines: many }), 'INSUFFICIENT_STOCK');
        expectRefused(
          await engine.reserve({ ...base, id: 'huge', lines: [{ sku: 'SKU-2', qty: LIMITS.quantityMax }] }),
          'INSUFFICIENT_STOCK',
        );
        // The same SKU with and without a location is not a duplicate.
        expectOk(
          await engine.reserve({
            ...base,
            id: 'pair',
            lines: [
              { sku: 'SKU-2', qty: 1 },
              { sku: 'SKU-2', qty: 1, location: EAST },
            ],
          }),
        );
      },
    );
  });

  describe('commit, release, getReservation, fulfil(id)', () => {
    const ops = ['commit', 'release', 'getReservation', 'fulfil'] as const;
    const cases = ops.flatMap((op) => badIds.map(([name, value]) => [op, name, value] as const));
    it.each(cases)('%s with id %s', async (op, name, value) => {
      await expectInvalid(() => (engine[op] as (id: unknown) => Promise<unknown>)(value), /\bid\b/, `${op} id ${name}`);
    });
  });

  describe('fulfil lines', () => {
    const line = { sku: 'SKU-1', location: EAST, qty: 1 };
    const withLine = (key: string, value: Value) => [withField(line, key, value)];
    it.each(badQuantities.filter(([name]) => name !== 'missing'))('qty %s', async (_, value) => {
      await expectInvalid(() => engine.fulfil('committed', withLine('qty', value) as never), /qty/, `fulfil qty ${_}`);
    });
    it('qty missing', async () => {
      await expectInvalid(
        () => engine.fulfil('committed', withLine('qty', MISSING) as never),
        /qty/,
        'fulfil qty missing',
      );
    });
    it.each(badStrings(LIMITS.skuLengthMax))('sku %s', async (_, value) => {
      await expectInvalid(() => engine.fulfil('committed', withLine('sku', value) as never), /sku/, `fulfil sku ${_}`);
    });
    it.each(badStrings(LIMITS.locationLengthMax))('location %s', async (_, value) => {
      await expectInvalid(
        () => engine.fulfil('committed', withLine('location', value) as never),
        /location/,
        `fulfil location ${_}`,
      );
    });
    it('unknown field on a line', async () => {
      await expectInvalid(
        () => engine.fulfil('committed', withLine('bogus', 1) as never),
        /bogus/,
        'fulfil unknown field',
      );
    });
    it.each([
      ['not an array', { sku: 'SKU-1', location: EAST, qty: 1 }],
      ['a string', 'all'],
      [
        'too many lines',
        Array.from({ length: LIMITS.linesPerHoldMax + 1 }, (_, i) => ({ sku: 'SKU-1', location: `L${i}`, qty: 1 })),
      ],
      ['a null line', [null]],
    ] as Array<[string, Value]>)('lines %s', async (name, value) => {
      await expectInvalid(() => engine.fulfil('committed', value as never), /lines/, `fulfil lines ${name}`);
    });
    it('a line for a (sku, location) the reservation does not hold', async () => {
      await expectInvalid(
        () => engine.fulfil('committed', [{ sku: 'SKU-2', location: EAST, qty: 1 }]),
        null,
        'fulfil foreign line',
      );
    });
    it('a line beyond what remains to ship', async () => {
      await expectInvalid(
        () => engine.fulfil('committed', [{ sku: 'SKU-1', location: EAST, qty: 4 }]),
        /qty/,
        'fulfil over',
      );
    });
  });

  describe('get, freeze, unfreeze', () => {
    it.each(badStrings(LIMITS.skuLengthMax).filter(([name]) => name !== 'missing'))('get sku %s', async (_, value) => {
      await expectInvalid(() => engine.get(value as never), /sku/, `get sku ${_}`);
    });
    it.each(badStrings(LIMITS.skuLengthMax).filter(([name]) => name !== 'missing'))(
      'unfreeze sku %s',
      async (_, value) => {
        await expectInvalid(() => engine.unfreeze(value as never), /sku/, `unfreeze sku ${_}`);
      },
    );
    const base = { sku: 'SKU-1', reason: 'recall' };
    it.each(badStrings(LIMITS.skuLengthMax))('freeze sku %s', async (_, value) => {
      await expectInvalid(() => engine.freeze(withField(base, 'sku', value) as never), /sku/, `freeze sku ${_}`);
    });
    it.each(badStrings(LIMITS.reasonLengthMax))('freeze reason %s', async (_, value) => {
      await expectInvalid(
        () => engine.freeze(withField(base, 'reason', value) as never),
        /reason/,
        `freeze reason ${_}`,
      );
    });
    it('freeze unknown field', async () => {
      await expectInvalid(() => engine.freeze({ ...base, bogus: 1 } as never), /bogus/, 'freeze unknown field');
    });
    it.each(nonObjects)('freeze request is %s', async (_, value) => {
      await expectInvalid(() => engine.freeze(value as never), null, `freeze(${_})`);
    });
  });

  /**
   * Issue 12 §6: a lone surrogate cannot cross a thread or socket boundary (msgpack and JSON
   * writers make it U+FFFD), so every string field refuses one: these are the fields the
   * badStrings cases above do not reach.
   */
  describe('every other string field must be well-formed Unicode', () => {
    const lone = 'X\ud800';
    const wellFormed = /must be well-formed Unicode/;
    const calls: Array<[string, RegExp, () => Promise<unknown>]> = [
      [
        'reserve destination',
        /^destination/,
        () =>
          engine.reserve({
            id: 'fresh',
            channel: 'web',
            ttlMs: 60_000,
            lines: [{ sku: 'SKU-2', qty: 1 }],
            strategy: 'closest',
            destination: lone,
          } as never),
      ],
      [
        'fulfil line sku',
        /^lines\[0\]\.sku/,
        () => engine.fulfil('committed', [{ sku: lone, location: EAST, qty: 1 }]),
      ],
      [
        'fulfil line location',
        /^lines\[0\]\.location/,
        () => engine.fulfil('committed', [{ sku: 'SKU-1', location: lone, qty: 1 }]),
      ],
      [
        'restock reservationId',
        /^reservationId/,
        () => engine.restock({ sku: 'SKU-1', location: EAST, qty: 1, condition: 'sellable', reservationId: lone }),
      ],
      ['transfer id', /^id/, () => engine.transfer({ id: lone, sku: 'SKU-1', from: EAST, to: 'WH-WEST', qty: 1 })],
      [
        'transfer from',
        /^from/,
        () => engine.transfer({ id: 'tr-1', sku: 'SKU-1', from: lone, to: 'WH-WEST', qty: 1 }),
      ],
      ['transfer to', /^to/, () => engine.transfer({ id: 'tr-1', sku: 'SKU-1', from: EAST, to: lone, qty: 1 })],
      ['receiveTransfer id', /^id/, () => engine.receiveTransfer({ sku: 'SKU-1', id: lone })],
      ['sync sku', /^sku/, () => engine.sync({ sku: lone, location: EAST, onHand: 1, asOf: 1 })],
      [
        'syncMany location',
        /^location/,
        async () => {
          const answer = await engine.syncMany([{ sku: 'SKU-NEW', location: lone, onHand: 1, asOf: 1 }]);
          return answer.ok ? answer.results[0] : answer;
        },
      ],
      ['setPolicy fence channel', /^fences key/, () => engine.setPolicy({ sku: 'SKU-1', fences: { [lone]: 1 } })],
      ['setPolicy cap channel', /^caps key/, () => engine.setPolicy({ sku: 'SKU-1', caps: { [lone]: 1 } })],
      ['commit id', /^id/, () => engine.commit(lone)],
      ['getReservation id', /^id/, () => engine.getReservation(lone)],
      [
        'batch entry sku',
        /^sku/,
        async () => {
          const answer = await engine.batch([{ op: 'receive', args: [{ sku: lone, location: EAST, qty: 1 }] }]);
          return answer.ok ? answer.results[0] : answer;
        },
      ],
    ];
    it.each(calls)('%s', async (what, field, call) => {
      await expectInvalid(call, field, what);
      const answer = (await call()) as { ok: false; error: { message: string } };
      expect(answer.error.message, `${what}: says why`).toMatch(wellFormed);
    });
    it('subscribe refuses a SKU with a lone surrogate', () => {
      expect(() => engine.subscribe([lone], () => {})).toThrow(wellFormed);
    });
  });

  describe('subscribe', () => {
    const listener = () => {};
    const bad: Array<[string, Value, Value]> = [
      ['a SKU string that is not "*"', 'SKU-1', listener],
      ['no SKUs', [], listener],
      ['an empty SKU', [''], listener],
      ['an over-long SKU', ['x'.repeat(LIMITS.skuLengthMax + 1)], listener],
      ['a SKU that is not a string', [5], listener],
      [
        'more than skusPerSubscriptionMax SKUs',
        Array.from({ length: LIMITS.skusPerSubscriptionMax + 1 }, (_, i) => `S${i}`),
        listener,
      ],
      ['a listener that is not a function', ['SKU-1'], 'listener'],
      ['no listener', ['SKU-1'], undefined],
    ];
    it.each(bad)('throws INVALID_ARGUMENT for %s', (_, skus, fn) => {
      let thrown: unknown;
      try {
        (engine.subscribe as (a: unknown, b: unknown) => unknown)(skus, fn);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, 'subscribe threw').toBeInstanceOf(Error);
      expect((thrown as { code?: string }).code).toBe('INVALID_ARGUMENT');
    });
  });
});

describe('createEngine options', () => {
  async function creationError(options: unknown): Promise<unknown> {
    try {
      const engine = await createEngine(options as never);
      await engine.close();
      return undefined;
    } catch (error) {
      return error;
    }
  }

  const bad: Array<[string, Value, RegExp | null]> = [
    ['shards negative', { shards: -1 }, /shards/],
    ['shards fractional', { shards: 1.5 }, /shards/],
    ['shards a string', { shards: '2' }, /shards/],
    ['clock without nowMs', { shards: 0, clock: {} }, /clock/],
    ['clock.nowMs not a function', { shards: 0, clock: { nowMs: 5 } }, /clock|nowMs/],
    ['locationOrder not an array', { shards: 0, locationOrder: 'WH-EAST' }, /locationOrder/],
    ['locationOrder with an empty name', { shards: 0, locationOrder: [''] }, /locationOrder/],
    ['locationOrder with a non-string', { shards: 0, locationOrder: [5] }, /locationOrder/],
    ['maxInFlightOpsPerShard zero', { shards: 0, maxInFlightOpsPerShard: 0 }, /maxInFlightOpsPerShard/],
    ['maxInFlightOpsPerShard fractional', { shards: 0, maxInFlightOpsPerShard: 1.5 }, /maxInFlightOpsPerShard/],
    ['onOverload unknown', { shards: 0, onOverload: 'drop' }, /onOverload/],
    ['maxWaitingOpsPerShard negative', { shards: 0, maxWaitingOpsPerShard: -1 }, /maxWaitingOpsPerShard/],
    ['maxBatchOps zero', { shards: 0, maxBatchOps: 0 }, /maxBatchOps/],
    ['maxLiveHoldsPerShard negative', { shards: 0, maxLiveHoldsPerShard: -1 }, /maxLiveHoldsPerShard/],
    ['retainedOutcomesPerShard negative', { shards: 0, retainedOutcomesPerShard: -1 }, /retainedOutcomesPerShard/],
    ['outcomeRetentionMs negative', { shards: 0, outcomeRetentionMs: -1 }, /outcomeRetentionMs/],
    [
      'retainedOutcomeBytesPerShard negative',
      { shards: 0, retainedOutcomeBytesPerShard: -1 },
      /retainedOutcomeBytesPerShard/,
    ],
    [
      'retainedOutcomeBytesPerShard past 1 TiB',
      { shards: 0, retainedOutcomeBytesPerShard: 2 ** 41 },
      /retainedOutcomeBytesPerShard/,
    ],
    [
      'retainedOutcomeBytesPerShard a string',
      { shards: 0, retainedOutcomeBytesPerShard: '256MiB' },
      /retainedOutcomeBytesPerShard/,
    ],
    ['maxSkusPerShard zero', { shards: 0, maxSkusPerShard: 0 }, /maxSkusPerShard/],
    ['maxSkusPerShard fractional', { shards: 0, maxSkusPerShard: 1.5 }, /maxSkusPerShard/],
    ['maxPositionsPerShard zero', { shards: 0, maxPositionsPerShard: 0 }, /maxPositionsPerShard/],
    ['maxPositionsPerShard too large', { shards: 0, maxPositionsPerShard: 1e12 }, /maxPositionsPerShard/],
    ['expirySweepIntervalMs negative', { shards: 0, expirySweepIntervalMs: -1 }, /expirySweepIntervalMs/],
    ['an unknown option', { shards: 0, bogus: true }, /bogus/],
    ['options not an object', 'shards=2', null],
  ];
  it.each(bad)('%s throws INVALID_ARGUMENT', async (_, options, field) => {
    const error = await creationError(options);
    expect(error, 'createEngine failed').toBeInstanceOf(Error);
    expect((error as { code?: string }).code).toBe('INVALID_ARGUMENT');
    if (field) expect((error as Error).message).toMatch(field);
  });

  it('valid options create a working engine', async () => {
    const error = await creationError({
      shards: 0,
      clock: manualClock(),
      locationOrder: ['A', 'B'],
      onOverload: 'wait',
    });
    expect(error).toBeUndefined();
  });
});
