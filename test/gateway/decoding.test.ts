/**
 * The gateway decodes a stranger's bytes as data only, and one frame
 * cannot expand into more work than the documented bounds.
 *
 * - A 402-byte msgpack frame of structured-clone back-references (a doubling graph, 2^28 paths)
 *   used to stall the gateway for seconds (/healthz waited too); it is refused -32700 at once.
 * - Every msgpack extension type, in every header form, and msgpackr's records, bundled strings
 *   and typed values are refused -32700; the connection stays usable.
 * - A frame of 10,000 batch requests (20,000 receives) used to run them all; it is refused whole
 *   with one -32600 naming LIMITS.frameOpsMax and changes nothing. Exactly at the limit it runs.
 * - The values bounds (per request, per frame) refuse exactly past the limit.
 * - SKUs that differ only in lone surrogates were merged in a worker shard (5 became 4): every
 *   string is refused unless well-formed, embedded and through the gateway (JSON "\ud800").
 * - The typed client reads the server's bytes as data only too, writes no extension, and splits
 *   its frames by engine operations, so its own batches are never refused for the frame bound.
 *
 * From issue 12, findings 2 and 6a.
 */
import { Packr, pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { connect } from '../../dist/engine/client/index.js';
import { decodeFrame, encodeMessage } from '../../dist/engine/client/codec.js';
import { planFrames } from '../../dist/engine/client/frame-plan.js';
import { forbiddenKeyIn } from '../../dist/engine/gateway/safe-keys.js';
import { LIMITS, createEngine } from '../../dist/engine/index.js';
import { operationsOf } from '../../dist/engine/wire/frame-operations.js';
import { countValues } from '../../dist/engine/wire/value-count.js';
import { doublingGraph, extensionBytes, withRawValue } from './support/fuzz/generators/msgpack-bytes.js';
import {
  expectRpcError,
  gatewayHarness,
  httpUrl,
  TOKEN,
  withDeadline,
  type Engine,
  type RawClient,
} from './support/helpers.js';

const LIVENESS_MS = 2_000;
const harness = gatewayHarness();

/** The answer to one raw binary frame. */
async function answerTo(client: RawClient, bytes: Buffer, timeoutMs = LIVENESS_MS) {
  return client.sendAndNext(bytes, timeoutMs);
}

async function onHandOf(engine: Engine, sku: string): Promise<number> {
  const view = await engine.get(sku);
  return view.ok ? view.onHand : -1;
}

describe('data-only decoding', () => {
  it('refuses the 402-byte doubling frame with -32700 at once, and /healthz answers meanwhile', async () => {
    const engine = await harness.engine();
    const gateway = await harness.gateway(engine);
    const client = await harness.raw(gateway.url);
    const cloner = new Packr({ structuredClone: true, useRecords: false });
    const bytes = cloner.pack({ jsonrpc: '2.0', id: 1, method: 'get', params: { sku: 'S', x: doublingGraph(28) } });
    expect(bytes.length, 'the frame from the issue').toBeLessThanOrEqual(405);
    const from = client.frames.length;
    client.sendBinary(bytes);
    const health = fetch(httpUrl(gateway, '/healthz'));
    const [answer, healthz] = await Promise.all([
      client.waitFor(() => true, 'the answer to the doubling frame', { from, timeoutMs: LIVENESS_MS }),
      withDeadline(health, LIVENESS_MS, '/healthz while the doubling frame is decoded'),
    ]);
    expect(healthz.status).toBe(200);
    expectRpcError(answer, -32700, 'a structured-clone frame', null);
    // The connection is still served.
    expect((await client.call('get', { sku: 'S' })).data.result?.error?.code).toBe('NOT_FOUND');
  });

  it('refuses every extension type in every header form with -32700, wherever it sits', async () => {
    const engine = await harness.engine();
    const gateway = await harness.gateway(engine);
    const client = await harness.raw(gateway.url);
    const accepted: string[] = [];
    for (let type = 0; type < 256; type++) {
      for (let form = 0; form < 8; form++) {
        const where = (['sku', 'params', 'id', 'element'] as const)[(type + form) % 4];
        const answer = await answerTo(client, withRawValue(where, extensionBytes(type, form, 3, 0)));
        if (answer.data?.error?.code !== -32700)
          accepted.push(`type ${type} form ${form} at ${where}: ${JSON.stringify(answer.data).slice(0, 120)}`);
      }
    }
    expect(accepted, 'extension frames that were not refused -32700').toEqual([]);
    expect((await client.call('get', { sku: 'S' })).data.result?.error?.code).toBe('NOT_FOUND');
  });

  it("refuses msgpackr's back-references, records, bundled strings and typed values with -32700", async () => {
    const engine = await harness.engine({ shards: 2 });
    const gateway = await harness.gateway(engine);
    const client = await harness.raw(gateway.url);
    const line = { sku: 'S', qty: 1 };
    const cycle: Record<string, unknown> = { sku: 'S' };
    cycle.self = cycle;
    const receive = { jsonrpc: '2.0', id: 2, method: 'receive', params: { sku: 'S', location: 'A', qty: 5 } };
    const frames: Array<[string, Buffer]> = [
      [
        'a shared line',
        new Packr({ structuredClone: true }).pack({
          jsonrpc: '2.0',
          id: 1,
          method: 'reserve',
          params: { id: 'h', channel: 'web', ttlMs: 60_000, lines: [line, line] },
        }),
      ],
      ['a cycle', new Packr({ structuredClone: true }).pack({ jsonrpc: '2.0', id: 1, method: 'get', params: cycle })],
      ['a record definition', new Packr({ useRecords: true }).pack(receive)],
      ['bundled strings', new Packr({ useRecords: false, bundleStrings: true }).pack(receive)],
      ['a Date', pack({ ...receive, params: { ...receive.params, at: new Date(0) } })],
      [
        'a Set',
        new Packr({ moreTypes: true }).pack({ ...receive, params: { ...receive.params, tags: new Set(['a']) } }),
      ],
      ['undefined (extension 0)', pack({ ...receive, params: { ...receive.params, extra: undefined } })],
      ['a __proto__ key', Buffer.concat([Buffer.from([0x81, 0xa9]), Buffer.from('__proto__'), Buffer.from([0x01])])],
    ];
    for (const [what, bytes] of frames) expectRpcError(await answerTo(client, bytes), -32700, what, null);
    expect(await onHandOf(engine, 'S'), 'none of them ran').toBe(-1);
    // The same receive as plain msgpack runs.
    expect((await answerTo(client, pack(receive))).data.result.ok).toBe(true);
    expect(await onHandOf(engine, 'S')).toBe(5);
  });
});

describe('frame bounds', () => {
  const receiveOps = (count: number, qty = 1) =>
    Array.from({ length: count }, () => ({ op: 'receive', args: [{ sku: 'S', location: 'A', qty }] }));
  const batchRequests = (requests: number, opsEach: number) =>
    Array.from({ length: requests }, (_, id) => ({
      jsonrpc: '2.0',
      id,
      method: 'batch',
      params: { ops: receiveOps(opsEach) },
    }));

  it(
    'a frame of 10,000 batch requests is refused whole with ' + 'one -32600 naming frameOpsMax, and changes nothing',
    async () => {
      const engine = await harness.engine({ shards: 2 });
      const gateway = await harness.gateway(engine, { maxPayloadBytes: 16 * 1024 * 1024 });
      const client = await harness.raw(gateway.url);
      expect(LIMITS.frameOpsMax).toBe(10_000);
      const before = { stats: engine.stats().shards.map((shard) => shard.ledger), onHand: await onHandOf(engine, 'S') };
      for (const encoding of ['json', 'msgpack'] as const) {
        const answer = await withDeadline(
          client.sendValueAndNext(batchRequests(10_000, 2), encoding, 10_000),
          15_000,
          'the answer',
        );
        const error = expectRpcError(answer, -32600, `${encoding}: 20,000 operations in one frame`, null);
        expect(error.message).toMatch(/frameOpsMax/);
        expect(error.data).toEqual({ bound: 'frameOpsMax', limit: LIMITS.frameOpsMax });
      }
      expect(
        { stats: engine.stats().shards.map((shard) => shard.ledger), onHand: await onHandOf(engine, 'S') },
        'nothing changed',
      ).toEqual(before);
    },
  );

  it('exactly frameOpsMax operations run; one more is refused whole', async () => {
    const engine = await harness.engine({ shards: 2 });
    const gateway = await harness.gateway(engine, { maxPayloadBytes: 16 * 1024 * 1024 });
    const client = await harness.raw(gateway.url);
    const frames: Array<[string, unknown[], number]> = [
      ['5,000 batches of 2', batchRequests(5_000, 2), 10_000],
      ['one batch of 10,000', batchRequests(1, 10_000), 10_000],
      [
        '10,000 receives',
        Array.from({ length: 10_000 }, (_, id) => ({
          jsonrpc: '2.0',
          id,
          method: 'receive',
          params: { sku: 'S', location: 'A', qty: 1 },
        })),
        10_000,
      ],
      [
        'a syncMany of 9,999 and a get',
        [
          { jsonrpc: '2.0', id: 'g', method: 'get', params: { sku: 'S' } },
          {
            jsonrpc: '2.0',
            id: 's',
            method: 'syncMany',
            params: {
              requests: Array.from({ length: 9_999 }, (_, i) => ({ sku: `C-${i}`, location: 'A', onHand: 1, asOf: 1 })),
            },
          },
        ],
        0,
      ],
    ];
    let onHand = Math.max(0, await onHandOf(engine, 'S'));
    for (const [what, frame, added] of frames) {
      const answer = await withDeadline(client.sendValueAndNext(frame, 'msgpack', 20_000), 25_000, what);
      expect(Array.isArray(answer.data), `${what}: answered request by request`).toBe(true);
      expect(answer.data).toHaveLength(frame.length);
      onHand += added;
      expect(await onHandOf(engine, 'S'), `${what}: ran`).toBe(onHand);
      const over = [
        ...frame,
        { jsonrpc: '2.0', id: 'one-more', method: 'receive', params: { sku: 'S', location: 'A', qty: 1 } },
      ];
      const error = expectRpcError(
        await withDeadline(client.sendValueAndNext(over, 'msgpack', 20_000), 25_000, `${what} + 1`),
        -32600,
        `${what} + 1`,
        null,
      );
      expect(error.data.bound).toBe('frameOpsMax');
      expect(await onHandOf(engine, 'S'), `${what} + 1: nothing ran`).toBe(onHand);
    }
  });

  it("a batch over batchOpsMax still gets the engine's own refusal (it runs nothing, so it counts one)", async () => {
    const engine = await harness.engine();
    const gateway = await harness.gateway(engine, { maxPayloadBytes: 16 * 1024 * 1024 });
    const client = await harness.raw(gateway.url);
    const answer = await client.call('batch', { ops: receiveOps(LIMITS.batchOpsMax + 1) }, 'msgpack');
    expect(expectRpcError(answer, -32602, 'an oversized batch').data.code).toBe('INVALID_ARGUMENT');
  });

  it('values per request and per frame: exactly the limit passes, one more is refused whole', async () => {
    const engine = await harness.engine();
    const gateway = await harness.gateway(engine, { maxPayloadBytes: 16 * 1024 * 1024 });
    const client = await harness.raw(gateway.url);
    // get { sku, x: [0 × items] } carries 13 values besides x's items (4 envelope keys, 3 envelope values, 2 maps, 2
    // params keys, the sku, x itself).
    const get = (id: number, values: number) => ({
      jsonrpc: '2.0',
      id,
      method: 'get',
      params: { sku: 'S', x: new Array(values - 13).fill(0) },
    });
    const perRequest = LIMITS.valuesPerRequestMax;
    const atRequestLimit = await client.sendValueAndNext(get(1, perRequest), 'msgpack', 10_000);
    expect(
      expectRpcError(atRequestLimit, -32602, 'at valuesPerRequestMax: dispatched (x is an unknown field)', 1).message,
    ).toMatch(/params\.x/);
    const overRequest = expectRpcError(
      await client.sendValueAndNext(get(2, perRequest + 1), 'msgpack', 10_000),
      -32600,
      'valuesPerRequestMax + 1',
      null,
    );
    expect(overRequest.data).toEqual({ bound: 'valuesPerRequestMax', limit: perRequest });
    // Two requests of half a frame each: a frame's array header is not a request's value.
    const half = LIMITS.valuesPerFrameMax / 2;
    expect(half).toBeLessThanOrEqual(perRequest);
    const atFrameLimit = await client.sendValueAndNext([get(3, half), get(4, half)], 'msgpack', 10_000);
    expect(atFrameLimit.data.map((response: any) => response.error.code)).toEqual([-32602, -32602]);
    const stats = { jsonrpc: '2.0', id: 7, method: 'stats' };
    const overFrame = expectRpcError(
      await client.sendValueAndNext([get(5, half), get(6, half), stats], 'msgpack', 10_000),
      -32600,
      'valuesPerFrameMax + 7',
      null,
    );
    expect(overFrame.data).toEqual({ bound: 'valuesPerFrameMax', limit: LIMITS.valuesPerFrameMax });
    expect(overFrame.message).toMatch(/valuesPerFrameMax/);
  });
});

describe('well-formed strings', () => {
  const SURROGATE_SKUS = ['A\ud800', 'A\ud801', 'A\udc00', 'A\udfff', 'A\ud83d'];

  it('5 SKUs that differ only in lone surrogates are refused in a 2-shard engine, and none is created', async () => {
    const engine = await createEngine({ shards: 2 });
    try {
      for (const sku of SURROGATE_SKUS) {
        const answer = await engine.receive({ sku, location: 'L', qty: 1 });
        expect(answer.ok, `receive ${JSON.stringify(sku)}`).toBe(false);
        if (!answer.ok) {
          expect(answer.error.code).toBe('INVALID_ARGUMENT');
          expect(answer.error.message).toMatch(/^sku: must be well-formed Unicode/);
        }
      }
      expect(
        engine.stats().shards.reduce((sum, shard) => sum + shard.ledger.skus, 0),
        'SKUs created',
      ).toBe(0);
      // Well-formed neighbours stay distinct.
      for (const sku of ['A\ud83d\ude00', 'A\ud83d\ude01', 'A\ufffd'])
        expect((await engine.receive({ sku, location: 'L', qty: 1 })).ok).toBe(true);
      expect(engine.stats().shards.reduce((sum, shard) => sum + shard.ledger.skus, 0)).toBe(3);
    } finally {
      await engine.close();
    }
  });

  it('through the gateway, JSON "\\ud800" escapes are refused -32602 naming the field', async () => {
    const engine = await harness.engine({ shards: 2 });
    const gateway = await harness.gateway(engine);
    const client = await harness.raw(gateway.url);
    for (const [index, sku] of SURROGATE_SKUS.entries()) {
      const escaped = JSON.stringify(sku).replace(
        /[\ud800-\udfff]/g,
        (unit) => `\\u${unit.charCodeAt(0).toString(16)}`,
      );
      const text = `{"jsonrpc":"2.0","id":${index},"method":"receive","params":{"sku":${escaped},"location":"L","qty":1}}`;
      expect(text).toMatch(/\\ud[89a-f]/);
      const error = expectRpcError(await client.sendAndNext(text), -32602, `receive ${escaped}`, index);
      expect(error.data).toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect(error.message).toMatch(/^sku: must be well-formed Unicode/);
    }
    const text =
      '{"jsonrpc":"2.0","id":"r","method":"reserve","params":{"id":"h\\udc00","channel":"web","ttlMs":1000,"lines":[{"sku":"S","qty":1}]}}';
    expect(expectRpcError(await client.sendAndNext(text), -32602, 'a hold id', 'r').message).toMatch(
      /^id: must be well-formed/,
    );
    expect(engine.stats().shards.reduce((sum, shard) => sum + shard.ledger.skus, 0)).toBe(0);
  });
});

describe('the typed client', () => {
  it("decodes the server's bytes as data only and writes no extension", () => {
    expect(() => decodeFrame(new Packr({ structuredClone: true }).pack({ a: doublingGraph(4) }), true)).toThrow();
    expect(() => decodeFrame(pack({ at: new Date(0) }), true)).toThrow();
    expect(() => decodeFrame(withRawValue('sku', extensionBytes(0x70, 2, 0, 0)), true)).toThrow();
    expect(decodeFrame(pack({ a: [1, 'x', null, 2 ** 40] }), true)).toEqual({ a: [1, 'x', null, 2 ** 40] });
    // undefined is left out (as in JSON); a Date or a Map becomes a map, never an extension.
    const encoded = encodeMessage(
      { a: undefined, b: 1, at: new Date(0), m: new Map([[1, 2]]), big: 2 ** 40 },
      'msgpack',
    ) as Buffer;
    expect(decodeFrame(encoded, true)).toEqual({ b: 1, at: {}, m: {}, big: 2 ** 40 });
  });

  it('splits its frames by engine operations: two batches of 6,000 in one tick are both answered', async () => {
    const engine = await harness.engine({ shards: 2 });
    const gateway = await harness.gateway(engine, { maxPayloadBytes: 16 * 1024 * 1024 });
    const client = await connect({
      url: gateway.url,
      token: TOKEN,
      encoding: 'msgpack',
      maxFrameBytes: 16 * 1024 * 1024,
      requestTimeoutMs: 20_000,
    });
    try {
      const ops = Array.from({ length: 6_000 }, () => ({
        op: 'receive' as const,
        args: [{ sku: 'S', location: 'A', qty: 1 }],
      }));
      const answers = await Promise.all([client.batch(ops as never), client.batch(ops as never)]);
      expect(answers.map((answer) => answer.ok)).toEqual([true, true]);
      expect(await onHandOf(engine, 'S')).toBe(12_000);
    } finally {
      await client.close();
    }
  });
});

describe('the bounded walks', () => {
  it('countValues counts arrays, maps, keys and scalars, and stops just past its budget', () => {
    expect(countValues({ a: [1, 'x'], b: null }, 100)).toBe(7);
    expect(countValues(5, 0)).toBe(1);
    expect(countValues(new Array(1_000_000).fill(0), 10)).toBe(11);
    let deep: unknown = 0;
    for (let level = 0; level < 500_000; level++) deep = [deep];
    expect(countValues(deep, 1_000_000), 'no recursion: 500,000 levels').toBe(500_001);
    expect(countValues(deep, 1_000)).toBe(1_001);
  });

  it('forbiddenKeyIn stops at its value budget, and finds keys within it', () => {
    expect(forbiddenKeyIn({ a: new Array(100).fill(0) }, 50)).toBe('more than 50 values');
    expect(forbiddenKeyIn({ a: new Array(100).fill(0) }, 102)).toBeNull();
    expect(forbiddenKeyIn(JSON.parse('{"a":[{"__proto__":1}]}'))).toBe('__proto__');
  });

  it('operationsOf weighs batch and syncMany by their entries, within their own limit', () => {
    expect(operationsOf({ method: 'batch', params: { ops: [1, 2, 3] } })).toBe(3);
    expect(operationsOf({ method: 'syncMany', params: { requests: new Array(LIMITS.syncManyMax) } })).toBe(
      LIMITS.syncManyMax,
    );
    expect(operationsOf({ method: 'batch', params: { ops: new Array(LIMITS.batchOpsMax + 1) } })).toBe(1);
    expect(operationsOf({ method: 'get', params: { ops: [1, 2] } })).toBe(1);
    expect(operationsOf('nonsense')).toBe(1);
  });

  it('planFrames closes a frame before it would pass maxOperations', () => {
    const limits = { maxMessages: 100, maxOperations: 10, maxBytes: 1_000, frameOverhead: 3, messageOverhead: 1 };
    expect(planFrames([5, 5, 5, 5], limits, [6, 4, 1, 10])).toEqual([
      [0, 2],
      [2, 3],
      [3, 4],
    ]);
    expect(planFrames([5, 5], limits)).toEqual([[0, 2]]);
  });
});
