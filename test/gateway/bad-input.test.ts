/**
 * Bad input: every malformed frame is answered with the right JSON-RPC
 * code, changes nothing (checked with get afterwards), and the server and its other
 * connections carry on.
 *
 * From issue 4 §6 and §9.
 */
import { pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../dist/engine/index.js';
import { snapshot } from '../engine/support/helpers.js';
import { expectRpcError, gatewayHarness, type Encoding, type Engine } from './support/helpers.js';

const SKUS = ['S', 'NEW'];
const rpc = (id: unknown, method: string, params?: unknown) =>
  params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };

describe('gateway bad input', () => {
  const h = gatewayHarness();

  async function setup() {
    const engine = await h.engine({ locationOrder: ['A'] });
    await engine.receive({ sku: 'S', location: 'A', qty: 10 });
    await engine.reserve({ id: 'h1', channel: 'web', ttlMs: 60_000, lines: [{ sku: 'S', qty: 2 }] });
    const gateway = await h.gateway(engine);
    const client = await h.raw(gateway.url);
    const bystander = await h.raw(gateway.url);
    const before = await snapshot(engine, SKUS);
    /** Nothing changed, the offending connection and another one both still answer. */
    const carriesOn = async () => {
      expect(await snapshot(engine, SKUS), 'the engine is unchanged').toEqual(before);
      expect(engine.stats().shards[0].ledger.liveHolds, 'no hold was made').toBe(1);
      expect(client.isOpen, 'the offending connection stays open').toBe(true);
      expect(await client.result('get', { sku: 'S' })).toEqual(before[0]);
      expect(await bystander.result('get', { sku: 'S' }, 'msgpack')).toEqual(before[0]);
      expect(gateway.connections()).toBe(2);
    };
    return { engine, gateway, client, bystander, before, carriesOn };
  }

  it('malformed JSON → -32700 with id null, in a text frame', async () => {
    const { client, carriesOn } = await setup();
    for (const text of [
      '{"jsonrpc":"2.0","id":1,"method":"receive","params":{"sku":"S"',
      'not json',
      '{"jsonrpc":"2.0",}',
      '',
    ]) {
      const frame = await client.sendAndNext(text);
      expect(frame.binary, `reply to ${JSON.stringify(text)} is text`).toBe(false);
      expectRpcError(frame, -32700, `text ${JSON.stringify(text)}`, null);
    }
    await carriesOn();
  });

  it('malformed msgpack → -32700 with id null, in a binary frame', async () => {
    const { client, carriesOn } = await setup();
    const whole = pack(rpc(1, 'receive', { sku: 'S', location: 'A', qty: 1 }));
    for (const bytes of [
      whole.subarray(0, whole.length - 4),
      Buffer.from([0x92, 0x01]),
      Buffer.from([0xdb, 0xff, 0xff, 0xff, 0xff]),
    ]) {
      const frame = await client.sendAndNext(bytes);
      expect(frame.binary, `reply to ${bytes.toString('hex')} is binary`).toBe(true);
      expectRpcError(frame, -32700, `msgpack ${bytes.toString('hex')}`, null);
    }
    await carriesOn();
  });

  it('a frame that is not a request object → -32600 with id null', async () => {
    const { client, carriesOn } = await setup();
    for (const text of ['42', '"receive"', 'null', 'true']) {
      expectRpcError(await client.sendAndNext(text), -32600, `text ${text}`, null);
    }
    for (const value of [42, 'receive', null, true]) {
      const frame = await client.sendAndNext(pack(value));
      expect(frame.binary).toBe(true);
      expectRpcError(frame, -32600, `msgpack ${JSON.stringify(value)}`, null);
    }
    await carriesOn();
  });

  it.each(['json', 'msgpack'] as const)(
    'jsonrpc missing or not "2.0", method missing or not a string → -32600 (%s)',
    async (encoding: Encoding) => {
      const { client, carriesOn } = await setup();
      const params = { sku: 'S', location: 'A', qty: 1 };
      const cases: Array<[string, Record<string, unknown>]> = [
        ['jsonrpc missing', { id: 1, method: 'receive', params }],
        ['jsonrpc "1.0"', { jsonrpc: '1.0', id: 2, method: 'receive', params }],
        ['jsonrpc 2 (a number)', { jsonrpc: 2, id: 3, method: 'receive', params }],
        ['jsonrpc "2"', { jsonrpc: '2', id: 4, method: 'receive', params }],
        ['method missing', { jsonrpc: '2.0', id: 5, params }],
        ['method a number', { jsonrpc: '2.0', id: 6, method: 7, params }],
      ];
      for (const [what, request] of cases) {
        const frame = await client.sendValueAndNext(request, encoding);
        expect(frame.binary, `${what}: reply encoding`).toBe(encoding === 'msgpack');
        const error = expectRpcError(frame, -32600, what);
        expect([request.id, null], `${what}: id echoed or null`).toContainEqual((frame.data as { id: unknown }).id);
        expect(error.code).toBe(-32600);
      }
      await carriesOn();
    },
  );

  it.each(['json', 'msgpack'] as const)(
    'an id of a bad type (object, array, boolean) → -32600 with id null (%s)',
    async (encoding: Encoding) => {
      const { client, carriesOn } = await setup();
      for (const id of [{ n: 1 }, [1], true, false]) {
        const frame = await client.sendValueAndNext(rpc(id, 'receive', { sku: 'S', location: 'A', qty: 1 }), encoding);
        expectRpcError(frame, -32600, `id ${JSON.stringify(id)}`, null);
      }
      await carriesOn();
    },
  );

  it.each(['json', 'msgpack'] as const)(
    'unknown methods → -32601, including names the engine or Object.prototype has (%s)',
    async (encoding: Encoding) => {
      const { engine, client, carriesOn } = await setup();
      const names = [
        'explode',
        'Get',
        'close',
        'toString',
        'constructor',
        '__proto__',
        'hasOwnProperty',
        'valueOf',
        '__defineGetter__',
        'availability',
      ];
      for (const [index, method] of names.entries()) {
        const frame = await client.sendValueAndNext(rpc(100 + index, method, {}), encoding);
        expectRpcError(frame, -32601, `method ${method}`, 100 + index);
      }
      expect((await engine.get('S')).ok, 'the engine was not closed').toBe(true);
      await carriesOn();
    },
  );

  it.each(['json', 'msgpack'] as const)(
    'params an array, a string, a number or null → -32602 (%s)',
    async (encoding: Encoding) => {
      const { client, carriesOn } = await setup();
      const cases: Array<[string, unknown]> = [
        ['array', [{ sku: 'S', location: 'A', qty: 1 }]],
        ['array of args', ['S', 'A', 1]],
        ['string', 'S'],
        ['number', 5],
        ['null', null],
      ];
      for (const [index, [what, params]] of cases.entries()) {
        const frame = await client.sendValueAndNext({ jsonrpc: '2.0', id: index, method: 'receive', params }, encoding);
        expectRpcError(frame, -32602, `params ${what}`, index);
      }
      const get = await client.sendValueAndNext(rpc('g', 'get', ['S']), encoding);
      expectRpcError(get, -32602, 'get with params [sku]', 'g');
      await carriesOn();
    },
  );

  it.each(['json', 'msgpack'] as const)(
    'params that are not an object → -32602 even for a method that takes no params (%s)',
    async (encoding: Encoding) => {
      const { client, carriesOn } = await setup();
      // expireDue and stats would succeed with {} or no params: only the gateway's check can refuse these.
      for (const method of ['expireDue', 'stats']) {
        for (const [what, params] of [
          ['an array', []],
          ['an array of values', [1]],
          ['a string', 'x'],
          ['a number', 0],
          ['false', false],
        ] as const) {
          const frame = await client.sendValueAndNext(
            { jsonrpc: '2.0', id: `${method}-${what}`, method, params },
            encoding,
          );
          expectRpcError(frame, -32602, `${method} with params ${what}`, `${method}-${what}`);
        }
      }
      await carriesOn();
    },
  );

  it.each(['json', 'msgpack'] as const)(
    'params: null is present and not an object → -32602 (%s)',
    async (encoding: Encoding) => {
      const { client, carriesOn } = await setup();
      for (const method of ['expireDue', 'stats', 'get']) {
        const frame = await client.sendValueAndNext({ jsonrpc: '2.0', id: method, method, params: null }, encoding);
        expectRpcError(frame, -32602, `${method} with params null`, method);
      }
      await carriesOn();
    },
  );

  it('__proto__, constructor and prototype keys anywhere in params → -32602 (raw JSON text)', async () => {
    const { client, carriesOn } = await setup();
    const texts = [
      // top level
      '{"jsonrpc":"2.0","id":1,"method":"receive","params":{"__proto__":{"qty":5},"sku":"S","location":"A","qty":1}}',
      '{"jsonrpc":"2.0","id":2,"method":"receive","params":{"sku":"S","location":"A","qty":1,"constructor":{"prototype":{}}}}',
      '{"jsonrpc":"2.0","id":3,"method":"get","params":{"sku":"S","prototype":1}}',
      // nested in a reserve line
      '{"jsonrpc":"2.0","id":4,"method":"reserve","params":{"id":"p4","channel":"web","ttlMs":60000,"lines":[{"sku":"S","qty":1,"__proto__":{"location":"A"}}]}}',
      // nested where the engine would only refuse one entry and answer ok: the gateway must refuse the whole call
      '{"jsonrpc":"2.0","id":5,"method":"batch","params":{"ops":[{"op":"receive","args":[{"sku":"S","location":"A","qty":1}]},{"op":"receive","args":[{"sku":"S","location":"A","qty":1,"__proto__":{}}]}]}}',
      '{"jsonrpc":"2.0","id":6,"method":"batch","params":{"ops":[{"op":"receive","args":[{"sku":"S","location":"A","qty":1}]},{"op":"get","args":["S"],"__proto__":null}]}}',
      '{"jsonrpc":"2.0","id":7,"method":"syncMany","params":{"requests":[{"sku":"S","location":"A","onHand":50,"asOf":1},{"sku":"S","location":"A","onHand":60,"asOf":2,"prototype":1}]}}',
      '{"jsonrpc":"2.0","id":8,"method":"batch","params":{"ops":[{"op":"receive","args":[{"sku":"NEW","location":"A","qty":1}]},{"op":"setPolicy","args":[{"sku":"NEW","fences":{"a":1},"caps":{"b":{"constructor":1}}}]}]}}',
      // deeply nested, in an array in an array
      '{"jsonrpc":"2.0","id":9,"method":"batch","params":{"ops":[{"op":"receive","args":[{"sku":"NEW","location":"A","qty":1}]},{"op":"fulfil","args":["h1",[{"sku":"S","location":"A","qty":1,"x":[{"__proto__":1}]}]]}]}}',
    ];
    for (const text of texts) {
      const id = (JSON.parse(text) as { id: number }).id;
      const frame = await client.sendAndNext(text);
      expect(frame.binary).toBe(false);
      expectRpcError(frame, -32602, `raw JSON ${text}`, id);
    }
    await carriesOn();
  });

  it('constructor and prototype keys anywhere in msgpack params → -32602', async () => {
    const { client, carriesOn } = await setup();
    const receiveS = { sku: 'S', location: 'A', qty: 1 };
    const cases: Array<[string, unknown]> = [
      ['receive', { ...receiveS, constructor: 1 }],
      ['get', { sku: 'S', prototype: 'x' }],
      ['reserve', { id: 'p', channel: 'web', ttlMs: 60_000, lines: [{ sku: 'S', qty: 1, prototype: {} }] }],
      [
        'batch',
        {
          ops: [
            { op: 'receive', args: [receiveS] },
            { op: 'receive', args: [{ ...receiveS, constructor: {} }] },
          ],
        },
      ],
      [
        'batch',
        {
          ops: [
            { op: 'receive', args: [receiveS] },
            { op: 'get', args: ['S'], prototype: 0 },
          ],
        },
      ],
      [
        'syncMany',
        {
          requests: [
            { sku: 'S', location: 'A', onHand: 50, asOf: 1 },
            { sku: 'S', location: 'A', onHand: 1, asOf: 2, constructor: 'x' },
          ],
        },
      ],
    ];
    for (const [index, [method, params]] of cases.entries()) {
      const frame = await client.sendAndNext(pack(rpc(index, method, params)));
      expect(frame.binary).toBe(true);
      expectRpcError(frame, -32602, `msgpack ${method} ${JSON.stringify(params)}`, index);
    }
    await carriesOn();
  });

  it.each(['json', 'msgpack'] as const)(
    "wrong types → -32602 with data = the engine's INVALID_ARGUMENT error (%s)",
    async (encoding: Encoding) => {
      const { client, carriesOn } = await setup();
      const reference = await h.engine({ locationOrder: ['A'] });
      const cases: Array<[string, any, (engine: Engine) => Promise<any>]> = [
        [
          'receive',
          { sku: 'S', location: 'A', qty: '3' },
          (e) => e.receive({ sku: 'S', location: 'A', qty: '3' } as never),
        ],
        [
          'receive',
          { sku: 'S', location: 'A', qty: 1, extra: true },
          (e) => e.receive({ sku: 'S', location: 'A', qty: 1, extra: true } as never),
        ],
        [
          'adjust',
          { sku: 'S', location: 'A', delta: 0, reason: 'x' },
          (e) => e.adjust({ sku: 'S', location: 'A', delta: 0, reason: 'x' }),
        ],
        [
          'reserve',
          { id: 'w', channel: 'web', ttlMs: -1, lines: [{ sku: 'S', qty: 1 }] },
          (e) => e.reserve({ id: 'w', channel: 'web', ttlMs: -1, lines: [{ sku: 'S', qty: 1 }] }),
        ],
        ['commit', { id: 7 }, (e) => e.commit(7 as never)],
        ['release', {}, (e) => e.release(undefined as never)],
        ['getReservation', { id: '' }, (e) => e.getReservation('')],
        ['fulfil', { id: 'h1', lines: 'all' }, (e) => e.fulfil('h1', 'all' as never)],
        ['get', { sku: 42 }, (e) => e.get(42 as never)],
        ['get', {}, (e) => e.get(undefined as never)],
        [
          'unfreeze',
          { sku: 'x'.repeat(LIMITS.skuLengthMax + 1) },
          (e) => e.unfreeze('x'.repeat(LIMITS.skuLengthMax + 1)),
        ],
        ['freeze', { sku: 'S' }, (e) => e.freeze({ sku: 'S' } as never)],
        [
          'restock',
          { sku: 'S', location: 'A', qty: 1, condition: 'broken' },
          (e) => e.restock({ sku: 'S', location: 'A', qty: 1, condition: 'broken' } as never),
        ],
        [
          'transfer',
          { id: 't', sku: 'S', from: 'A', to: 'A', qty: 1 },
          (e) => e.transfer({ id: 't', sku: 'S', from: 'A', to: 'A', qty: 1 }),
        ],
        ['receiveTransfer', { sku: 'S' }, (e) => e.receiveTransfer({ sku: 'S' } as never)],
        [
          'sync',
          { sku: 'S', location: 'A', onHand: -1, asOf: 1 },
          (e) => e.sync({ sku: 'S', location: 'A', onHand: -1, asOf: 1 }),
        ],
        [
          'setPolicy',
          { sku: 'S', safetyStock: 'lots' },
          (e) => e.setPolicy({ sku: 'S', safetyStock: 'lots' } as never),
        ],
        ['syncMany', { requests: 'all' }, (e) => e.syncMany('all' as never)],
        ['batch', { ops: { op: 'get' } }, (e) => e.batch({ op: 'get' } as never)],
      ];
      for (const [index, [method, params, embedded]] of cases.entries()) {
        const expected = await embedded(reference);
        expect(expected.ok, `the embedded ${method} refuses ${JSON.stringify(params)}`).toBe(false);
        expect(expected.error.code).toBe('INVALID_ARGUMENT');
        const frame = await client.sendValueAndNext(rpc(index, method, params), encoding);
        const error = expectRpcError(frame, -32602, `${method} ${JSON.stringify(params)}`, index);
        expect(error.data, `${method} ${JSON.stringify(params)}: data is the engine's error`).toEqual(expected.error);
      }
      await carriesOn();
    },
  );

  it.each(['json', 'msgpack'] as const)(
    'oversized arrays → -32602: reserve with 101 lines, syncMany and batch over 10,000 (%s)',
    async (encoding: Encoding) => {
      const { client, carriesOn } = await setup();
      const lines = Array.from({ length: LIMITS.linesPerHoldMax + 1 }, (_, i) => ({
        sku: i === 0 ? 'S' : `L${i}`,
        qty: 1,
      }));
      const reserve = await client.sendValueAndNext(
        rpc(1, 'reserve', { id: 'many', channel: 'web', ttlMs: 60_000, lines }),
        encoding,
      );
      expect(expectRpcError(reserve, -32602, 'reserve with 101 lines', 1).data).toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/^lines:/),
      });

      const requests = Array.from({ length: LIMITS.syncManyMax + 1 }, (_, i) => ({
        sku: 'S',
        location: 'A',
        onHand: i,
        asOf: 1,
      }));
      const syncMany = await client.sendValueAndNext(rpc(2, 'syncMany', { requests }), encoding, 10_000);
      expect(expectRpcError(syncMany, -32602, 'syncMany over 10,000', 2).data).toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/^requests:/),
      });

      const ops = Array.from({ length: LIMITS.batchOpsMax + 1 }, () => ({
        op: 'receive',
        args: [{ sku: 'S', location: 'A', qty: 1 }],
      }));
      const batch = await client.sendValueAndNext(rpc(3, 'batch', { ops }), encoding, 10_000);
      expect(expectRpcError(batch, -32602, 'batch method over 10,000 ops', 3).data).toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/^ops:/),
      });
      await carriesOn();
    },
  );

  it.each(['json', 'msgpack'] as const)(
    'subscribe with skus not an array of SKUs → -32602 (%s)',
    async (encoding: Encoding) => {
      const { client, carriesOn } = await setup();
      for (const [index, params] of [{ skus: 'S' }, { skus: [42] }, {}].entries()) {
        const frame = await client.sendValueAndNext(rpc(index, 'subscribe', params), encoding);
        expectRpcError(frame, -32602, `subscribe ${JSON.stringify(params)}`, index);
      }
      await carriesOn();
    },
  );

  it('a flood of bad frames from one connection does not disturb another', async () => {
    const { client, bystander, carriesOn } = await setup();
    const bad = [
      '{',
      '[]',
      '{"jsonrpc":"2.0","id":1,"method":"nope"}',
      '{"jsonrpc":"2.0","id":2,"method":"get","params":[]}',
    ];
    const from = client.frames.length;
    for (let i = 0; i < 400; i++) client.sendText(bad[i % bad.length]);
    const answer = await bystander.call('get', { sku: 'S' });
    expect(answer.data.result.ok).toBe(true);
    await client.waitFor(() => client.frames.length - from >= 400, '400 answers to 400 bad frames', {
      from,
      timeoutMs: 10_000,
    });
    const codes = client.frames.slice(from).map((frame) => frame.data?.error?.code);
    expect(new Set(codes)).toEqual(new Set([-32700, -32600, -32601, -32602]));
    expect(codes).toHaveLength(400);
    await carriesOn();
  });
});
