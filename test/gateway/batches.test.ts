/**
 * JSON-RPC batches (array frames): responses in request order, notifications
 * executed but never answered (a batch of only notifications gets no frame), errors mixed with
 * results, and the size bounds (empty → -32600, over 10,000 → one -32600, nothing executed).
 *
 * From issue 4 §9.
 */
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../dist/engine/index.js';
import {
  expectRpcError,
  gatewayHarness,
  isResponse,
  until,
  type Encoding,
  type Engine,
  type RawClient,
} from './support/helpers.js';

const req = (id: number | string, method: string, params?: unknown) =>
  params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };
const note = (method: string, params: unknown) => ({ jsonrpc: '2.0', method, params });

/** Waits until S shows the quantities the notifications produce (they are executed, not answered). */
async function executed(engine: Engine, onHand: number, reserved: number): Promise<void> {
  let last: unknown;
  await until(
    async () => {
      const view = (await engine.get('S')) as { onHand: number; reserved: number };
      last = [view.onHand, view.reserved];
      return view.onHand === onHand && view.reserved === reserved;
    },
    'the notifications to be executed',
    5_000,
  ).catch(() => {
    expect(last, '[onHand, reserved] of S after the notifications').toEqual([onHand, reserved]);
  });
}

/** Sends a batch and resolves with the next frame that is an array (the batch's answer). */
async function sendBatch(
  client: RawClient,
  batch: unknown[],
  encoding: Encoding,
): Promise<{ binary: boolean; data: any }> {
  const from = client.frames.length;
  client.send(batch, encoding);
  return client.waitFor((frame) => Array.isArray(frame.data) || isResponse(frame.data), 'the batch answer', {
    from,
    timeoutMs: 10_000,
  });
}

describe.each(['json', 'msgpack'] as const)('gateway JSON-RPC batches (%s)', (encoding: Encoding) => {
  const h = gatewayHarness();
  const binary = encoding === 'msgpack';

  async function setup() {
    const engine = await h.engine({ locationOrder: ['A'] });
    await engine.receive({ sku: 'S', location: 'A', qty: 10 });
    const gateway = await h.gateway(engine);
    const client = await h.raw(gateway.url);
    return { engine, gateway, client };
  }

  it('answers a batch with an array of responses in request order, equal to the embedded answers', async () => {
    const { engine, client } = await setup();
    await engine.receive({ sku: 'T', location: 'A', qty: 3 });
    const reserve = { id: 'b1', channel: 'web', ttlMs: 60_000, lines: [{ sku: 'S', qty: 4 }] };
    const frame = await sendBatch(
      client,
      [
        req('first', 'get', { sku: 'T' }),
        req(2, 'reserve', reserve),
        req(3, 'get', { sku: 'NOPE' }),
        req(4, 'getReservation', { id: 'never' }),
        req(5, 'expireDue', {}),
      ],
      encoding,
    );
    expect(frame.binary).toBe(binary);
    expect(Array.isArray(frame.data), JSON.stringify(frame.data).slice(0, 300)).toBe(true);
    expect(frame.data.map((response: any) => response.id)).toEqual(['first', 2, 3, 4, 5]);
    for (const response of frame.data) {
      expect(response.jsonrpc).toBe('2.0');
      expect(response.error, JSON.stringify(response)).toBeUndefined();
    }
    const [t, held, missing, never, expired] = frame.data.map((response: any) => response.result);
    expect(t).toEqual(await engine.get('T'));
    expect(held).toEqual(await engine.reserve(reserve));
    expect(held.ok).toBe(true);
    expect(missing).toEqual(await engine.get('NOPE'));
    expect(never).toEqual(await engine.getReservation('never'));
    expect(expired).toEqual({ ok: true });
    expect(((await engine.get('S')) as { reserved: number }).reserved, 'the reserve ran once').toBe(4);
  });

  it('executes notifications inside a batch without answering them', async () => {
    const { engine, client } = await setup();
    const frame = await sendBatch(
      client,
      [
        req(1, 'get', { sku: 'NOPE' }),
        note('receive', { sku: 'S', location: 'A', qty: 5 }),
        note('reserve', { id: 'quiet', channel: 'web', ttlMs: 60_000, lines: [{ sku: 'S', qty: 2 }] }),
        req(2, 'getReservation', { id: 'never' }),
      ],
      encoding,
    );
    expect(frame.data.map((response: any) => response.id)).toEqual([1, 2]);
    expect(frame.data.map((response: any) => response.result?.error?.code)).toEqual(['NOT_FOUND', 'NOT_FOUND']);
    await executed(engine, 15, 2);
  });

  it('a batch of only notifications gets no frame at all, and every notification is executed', async () => {
    const { engine, client } = await setup();
    const start = client.frames.length;
    client.send(
      [
        note('receive', { sku: 'S', location: 'A', qty: 1 }),
        note('receive', { sku: 'S', location: 'A', qty: 2 }),
        note('reserve', { id: 'n1', channel: 'web', ttlMs: 60_000, lines: [{ sku: 'S', qty: 3 }] }),
      ],
      encoding,
    );
    // A single notification frame is not answered either.
    client.send(note('receive', { sku: 'S', location: 'A', qty: 4 }), encoding);
    // Two later round trips: anything the notifications produced would have arrived before them.
    await client.call('get', { sku: 'S' }, encoding, 'after-1');
    await client.call('get', { sku: 'S' }, encoding, 'after-2');
    expect(client.frames.slice(start).map((frame) => frame.data?.id)).toEqual(['after-1', 'after-2']);
    await executed(engine, 17, 3);
  });

  it('mixes results and errors in one batch, each in its place', async () => {
    const { engine, client } = await setup();
    const before = await engine.get('S');
    const frame = await sendBatch(
      client,
      [
        req(1, 'get', { sku: 'S' }),
        { jsonrpc: '1.0', id: 2, method: 'get', params: { sku: 'S' } },
        req(3, 'noSuchMethod', {}),
        req(4, 'get', ['S']),
        req(5, 'receive', { sku: 'S', location: 'A', qty: 'many' }),
        42,
        req(7, 'get', { sku: 'S' }),
      ],
      encoding,
    );
    expect(frame.binary).toBe(binary);
    const responses = frame.data as any[];
    expect(Array.isArray(responses), JSON.stringify(responses).slice(0, 300)).toBe(true);
    expect(responses).toHaveLength(7);
    expect(responses[0]).toEqual({ jsonrpc: '2.0', id: 1, result: before });
    expect(responses[1].error?.code, 'jsonrpc 1.0 → -32600').toBe(-32600);
    expect([2, null], 'an invalid request echoes its id or null').toContainEqual(responses[1].id);
    expect(responses[2]).toMatchObject({ jsonrpc: '2.0', id: 3, error: { code: -32601 } });
    expect(responses[3]).toMatchObject({ jsonrpc: '2.0', id: 4, error: { code: -32602 } });
    expect(responses[4]).toMatchObject({
      jsonrpc: '2.0',
      id: 5,
      error: { code: -32602, data: { code: 'INVALID_ARGUMENT' } },
    });
    expect(responses[5]).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600 } });
    expect(responses[6]).toEqual({ jsonrpc: '2.0', id: 7, result: before });
    expect(await engine.get('S')).toEqual(before);
  });

  it('an empty batch is one -32600 error (not an array), id null', async () => {
    const { engine, client } = await setup();
    const before = await engine.get('S');
    const frame = await client.sendValueAndNext([], encoding);
    expect(frame.binary).toBe(binary);
    expectRpcError(frame, -32600, 'empty batch', null);
    expect(await client.result('get', { sku: 'S' }, encoding)).toEqual(before);
  });

  it(`a batch of ${LIMITS.batchOpsMax} is answered in full; one more is a single -32600 and runs nothing`, async () => {
    const { engine, client } = await setup();
    const full = Array.from({ length: LIMITS.batchOpsMax }, (_, i) =>
      req(i, 'getReservation', { id: `none-${i % 7}` }),
    );
    const answered = await sendBatch(client, full, encoding);
    expect(Array.isArray(answered.data)).toBe(true);
    expect(answered.data).toHaveLength(LIMITS.batchOpsMax);
    expect(
      answered.data.every(
        (response: any, i: number) => response.id === i && response.result?.error?.code === 'NOT_FOUND',
      ),
    ).toBe(true);

    const before = await engine.get('S');
    const over = Array.from({ length: LIMITS.batchOpsMax + 1 }, (_, i) =>
      req(i, 'receive', { sku: 'S', location: 'A', qty: 1 }),
    );
    const refused = await sendBatch(client, over, encoding);
    expect(refused.binary).toBe(binary);
    expectRpcError(refused, -32600, `batch of ${LIMITS.batchOpsMax + 1}`, null);
    expect(await engine.get('S'), 'nothing in the oversized batch ran').toEqual(before);
    expect(await client.result('get', { sku: 'S' }, encoding)).toEqual(before);
  });
});
