/**
 * Gateway methods: every method over both encodings answers exactly what the
 * embedded engine answers for the same call (a second engine, shards 0, same manual clock),
 * in the encoding of the request; ids of every allowed type are echoed.
 *
 * From issue 4 §9.
 */
import { describe, expect, it } from 'vitest';
import { manualClock } from '../engine/support/helpers.js';
import { callEmbedded, comparable, gatewayHarness, START_MS, STEPS, type Encoding } from './support/helpers.js';

describe.each(['json', 'msgpack'] as const)('gateway methods (%s)', (encoding: Encoding) => {
  const h = gatewayHarness();
  const binary = encoding === 'msgpack';

  it('every engine method answers exactly what the embedded engine answers, in the request encoding', async () => {
    const gatewayClock = manualClock(START_MS);
    const referenceClock = manualClock(START_MS);
    const engine = await h.engine({ clock: gatewayClock, locationOrder: ['A', 'B'] });
    const reference = await h.engine({ clock: referenceClock, locationOrder: ['A', 'B'] });
    const gateway = await h.gateway(engine);
    const client = await h.raw(gateway.url);

    const covered = new Set<string>();
    for (const [index, step] of STEPS.entries()) {
      if (step.advanceMs !== undefined) {
        gatewayClock.advance(step.advanceMs);
        referenceClock.advance(step.advanceMs);
      }
      const what = `step ${index} ${step.method}(${JSON.stringify(step.params)})`;
      const frame = await client.call(step.method, step.params, encoding);
      expect(frame.binary, `${what}: reply in the request's encoding`).toBe(binary);
      expect(frame.data.jsonrpc, `${what}: jsonrpc`).toBe('2.0');
      expect(frame.data.error, `${what}: no JSON-RPC error`).toBeUndefined();
      const expected = await callEmbedded(reference, step.method, step.params);
      expect(comparable(step.method, frame.data.result), what).toEqual(comparable(step.method, expected));
      covered.add(step.method);
    }
    expect([...covered].sort()).toEqual([
      'adjust',
      'batch',
      'commit',
      'expireDue',
      'freeze',
      'fulfil',
      'get',
      'getReservation',
      'receive',
      'receiveTransfer',
      'release',
      'reserve',
      'restock',
      'setPolicy',
      'stats',
      'sync',
      'syncMany',
      'transfer',
      'unfreeze',
    ]);
    // The gateway's engine and the reference went through the same states.
    expect(await engine.get('S')).toEqual(await reference.get('S'));
    expect(await engine.get('T')).toEqual(await reference.get('T'));
  });

  it('a normal refusal is a result, not a JSON-RPC error', async () => {
    const engine = await h.engine({ locationOrder: ['A'] });
    const gateway = await h.gateway(engine);
    const client = await h.raw(gateway.url);
    await client.result('receive', { sku: 'R', location: 'A', qty: 1 }, encoding);
    const refused = await client.result(
      'reserve',
      { id: 'big', channel: 'web', ttlMs: 60_000, lines: [{ sku: 'R', qty: 5 }] },
      encoding,
    );
    expect(refused).toEqual(
      await engine.reserve({ id: 'big', channel: 'web', ttlMs: 60_000, lines: [{ sku: 'R', qty: 5 }] }),
    );
    expect(refused.ok).toBe(false);
    expect(refused.error.code).toBe('INSUFFICIENT_STOCK');
    const missing = await client.result('commit', { id: 'nope' }, encoding);
    expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(((await engine.get('R')) as { reserved: number }).reserved).toBe(0);
  });

  it('subscribe and unsubscribe answer the number of SKUs subscribed on the connection', async () => {
    const engine = await h.engine();
    const gateway = await h.gateway(engine);
    const client = await h.raw(gateway.url);
    const other = await h.raw(gateway.url);
    const check = async (on: typeof client, method: string, skus: string[], count: number) => {
      const frame = await on.call(method, { skus }, encoding);
      expect(frame.binary, `${method}: reply encoding`).toBe(binary);
      expect(frame.data.result, `${method}(${skus.join(',')})`).toEqual({ ok: true, skus: count });
    };
    await check(client, 'subscribe', ['S', 'T'], 2);
    await check(client, 'subscribe', ['T', 'U'], 3);
    await check(other, 'subscribe', ['X'], 1);
    await check(client, 'unsubscribe', ['S', 'NEVER'], 2);
    await check(client, 'unsubscribe', ['T', 'U'], 0);
    await check(other, 'unsubscribe', ['X'], 0);
  });

  it('echoes string, number and null ids; params may be omitted where the method takes none', async () => {
    const engine = await h.engine();
    const gateway = await h.gateway(engine);
    const client = await h.raw(gateway.url);
    for (const id of ['abc-1', 0, 42, -7, 3.5, null]) {
      const frame = await client.call('expireDue', {}, encoding, id as never);
      expect(frame.data, `id ${JSON.stringify(id)}`).toEqual({ jsonrpc: '2.0', id, result: { ok: true } });
    }
    const stats = await client.call('stats', undefined, encoding);
    expect(stats.data.error).toBeUndefined();
    expect(stats.data.result.shards).toHaveLength(1);
    const expire = await client.call('expireDue', undefined, encoding);
    expect(expire.data.result).toEqual({ ok: true });
  });

  it('one connection may mix encodings: each reply follows its own request', async () => {
    const engine = await h.engine();
    const gateway = await h.gateway(engine);
    const client = await h.raw(gateway.url);
    const other: Encoding = encoding === 'json' ? 'msgpack' : 'json';
    const first = await client.call('receive', { sku: 'M', location: 'A', qty: 2 }, encoding);
    const second = await client.call('get', { sku: 'M' }, other);
    const third = await client.call('get', { sku: 'M' }, encoding);
    expect([first.binary, second.binary, third.binary]).toEqual([binary, !binary, binary]);
    expect(second.data.result).toEqual(third.data.result);
    expect(second.data.result).toEqual(await engine.get('M'));
  });
});
