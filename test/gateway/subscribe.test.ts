/**
 * Live availability over the gateway: after subscribe, availability notifications
 * arrive for the subscribed SKUs only, in the subscribe request's encoding, with seq increasing,
 * carrying the engine's change; they stop after unsubscribe; under a flood a subscriber that
 * does not read is conflated (far fewer notifications than changes, the last one final).
 *
 * From issue 4 §9.
 */
import { describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../dist/engine/index.js';
import { gatewayHarness, NOTIFICATION_FIELDS, pick, viewOf, type Encoding, type RawClient } from './support/helpers.js';

function waitForSeq(client: RawClient, sku: string, seq: number, timeoutMs = 5_000) {
  return client.waitFor(
    (frame) => frame.data?.method === 'availability' && frame.data.params?.sku === sku && frame.data.params.seq === seq,
    `the availability notification of ${sku} at seq ${seq}`,
    { timeoutMs },
  );
}

function expectIncreasing(seqs: number[], what: string): void {
  for (let i = 1; i < seqs.length; i++) {
    if (!(seqs[i] > seqs[i - 1]))
      expect.fail(`${what}: seq went from ${seqs[i - 1]} to ${seqs[i]} at notification ${i}`);
  }
}

describe('gateway subscriptions', () => {
  const h = gatewayHarness();

  it.each(['json', 'msgpack'] as const)(
    "notifies subscribed SKUs only, seq increasing, each the engine's change (%s)",
    async (encoding: Encoding) => {
      const engine = await h.engine({ locationOrder: ['A', 'B'] });
      const gateway = await h.gateway(engine);
      const client = await h.raw(gateway.url);
      const events = new Map<number, ChangeEvent>();
      engine.subscribe(['S'], (event) => events.set(event.seq, event));

      const start = client.frames.length;
      expect(await client.result('subscribe', { skus: ['S'] }, encoding)).toEqual({ ok: true, skus: 1 });
      await engine.receive({ sku: 'S', location: 'A', qty: 10 });
      await engine.receive({ sku: 'U', location: 'A', qty: 10 });
      await engine.reserve({
        id: 'h1',
        channel: 'web',
        ttlMs: 60_000,
        lines: [
          { sku: 'S', qty: 3 },
          { sku: 'U', qty: 1 },
        ],
      });
      await engine.commit('h1');
      await engine.setPolicy({ sku: 'S', safetyStock: 1, fences: { store: 2 } });
      await engine.freeze({ sku: 'S', reason: 'audit' });
      await engine.unfreeze('S');
      await engine.transfer({ id: 't', sku: 'S', from: 'A', to: 'B', qty: 2, inTransit: true });
      await engine.fulfil('h1');
      await engine.adjust({ sku: 'U', location: 'A', delta: -1, reason: 'count' });
      const final = await viewOf(engine, 'S');
      await waitForSeq(client, 'S', final.seq);

      const notifications = client.notifications(start);
      expect(notifications.length).toBeGreaterThan(0);
      for (const { binary } of notifications)
        expect(binary, "notifications use the subscribe request's encoding").toBe(encoding === 'msgpack');
      for (const frame of client.frames.slice(start).filter((f) => f.data?.method === 'availability')) {
        expect(frame.data.jsonrpc).toBe('2.0');
        expect('id' in frame.data, 'a notification has no id').toBe(false);
      }
      expect(new Set(notifications.map((n) => n.params.sku))).toEqual(new Set(['S']));
      expectIncreasing(
        notifications.map((n) => n.params.seq),
        'S',
      );
      for (const { params } of notifications) {
        const event = events.get(params.seq);
        expect(event, `an engine change with seq ${params.seq}`).toBeDefined();
        expect(params, `notification seq ${params.seq}`).toEqual(pick(event as never, NOTIFICATION_FIELDS));
      }
      const last = notifications[notifications.length - 1].params;
      expect(
        pick(
          last,
          NOTIFICATION_FIELDS.filter((key) => key !== 'cause'),
        ),
      ).toEqual(
        pick(
          final,
          NOTIFICATION_FIELDS.filter((key) => key !== 'cause'),
        ),
      );
    },
  );

  it('each subscription keeps the encoding of its own subscribe request', async () => {
    const engine = await h.engine({ locationOrder: ['A'] });
    const gateway = await h.gateway(engine);
    const client = await h.raw(gateway.url);
    expect(await client.result('subscribe', { skus: ['J'] }, 'json')).toEqual({ ok: true, skus: 1 });
    expect(await client.result('subscribe', { skus: ['M'] }, 'msgpack')).toEqual({ ok: true, skus: 2 });
    await engine.receive({ sku: 'J', location: 'A', qty: 1 });
    await engine.receive({ sku: 'M', location: 'A', qty: 1 });
    await waitForSeq(client, 'J', 1);
    await waitForSeq(client, 'M', 1);
    const bySku = Object.fromEntries(client.notifications().map((n) => [n.params.sku, n.binary ? 'msgpack' : 'json']));
    expect(bySku, 'J was subscribed by a JSON request, M by a msgpack one').toEqual({ J: 'json', M: 'msgpack' });
  });

  it('changes made through the gateway notify subscribers on other connections', async () => {
    const engine = await h.engine({ locationOrder: ['A'] });
    const gateway = await h.gateway(engine);
    const subscriber = await h.raw(gateway.url);
    const writer = await h.raw(gateway.url);
    expect(await subscriber.result('subscribe', { skus: ['S'] }, 'msgpack')).toEqual({ ok: true, skus: 1 });
    const moved = await writer.result('receive', { sku: 'S', location: 'A', qty: 7 });
    const note = await waitForSeq(subscriber, 'S', moved.seq);
    expect(note.binary).toBe(true);
    expect(note.data.params).toMatchObject({ sku: 'S', seq: moved.seq, cause: 'receive', available: 7, onHand: 7 });
    expect(writer.notifications(), 'the writer did not subscribe').toEqual([]);
  });

  it('each connection gets its own SKUs; unsubscribe stops them', async () => {
    const engine = await h.engine({ locationOrder: ['A'] });
    const gateway = await h.gateway(engine);
    const a = await h.raw(gateway.url);
    const b = await h.raw(gateway.url);
    expect(await a.result('subscribe', { skus: ['S', 'T'] })).toEqual({ ok: true, skus: 2 });
    expect(await b.result('subscribe', { skus: ['T'] }, 'msgpack')).toEqual({ ok: true, skus: 1 });
    for (let i = 0; i < 5; i++) {
      await engine.receive({ sku: 'S', location: 'A', qty: 1 });
      await engine.receive({ sku: 'T', location: 'A', qty: 1 });
    }
    let s = await viewOf(engine, 'S');
    let t = await viewOf(engine, 'T');
    await waitForSeq(a, 'S', s.seq);
    await waitForSeq(a, 'T', t.seq);
    await waitForSeq(b, 'T', t.seq);
    expect(new Set(b.notifications().map((n) => n.params.sku))).toEqual(new Set(['T']));
    expect(b.notifications().every((n) => n.binary)).toBe(true);
    expect(a.notifications().every((n) => !n.binary)).toBe(true);

    expect(await a.result('unsubscribe', { skus: ['S'] })).toEqual({ ok: true, skus: 1 });
    const seqAtUnsubscribe = (await viewOf(engine, 'S')).seq;
    for (let i = 0; i < 5; i++) {
      await engine.receive({ sku: 'S', location: 'A', qty: 1 });
      await engine.receive({ sku: 'T', location: 'A', qty: 1 });
    }
    s = await viewOf(engine, 'S');
    t = await viewOf(engine, 'T');
    expect(s.seq).toBeGreaterThan(seqAtUnsubscribe);
    // T is still subscribed on a: once its last change arrived, an S change would have too.
    await waitForSeq(a, 'T', t.seq);
    await a.result('get', { sku: 'S' });
    const late = a.notifications().filter((n) => n.params.sku === 'S' && n.params.seq > seqAtUnsubscribe);
    expect(late, 'no S notification for changes after unsubscribe').toEqual([]);
    expectIncreasing(
      a
        .notifications()
        .filter((n) => n.params.sku === 'T')
        .map((n) => n.params.seq),
      'T on a',
    );
    expectIncreasing(
      b.notifications().map((n) => n.params.seq),
      'T on b',
    );

    expect(await a.result('unsubscribe', { skus: ['T'] })).toEqual({ ok: true, skus: 0 });
    const tAtUnsubscribe = (await viewOf(engine, 'T')).seq;
    await engine.receive({ sku: 'T', location: 'A', qty: 1 });
    const tFinal = (await viewOf(engine, 'T')).seq;
    await waitForSeq(b, 'T', tFinal);
    await a.result('get', { sku: 'T' });
    expect(a.notifications().filter((n) => n.params.seq > tAtUnsubscribe && n.params.sku === 'T')).toEqual([]);
  });

  it('bounds the SKUs of one connection (maxSubscribedSkusPerConnection); the bound is per connection', async () => {
    const engine = await h.engine({ locationOrder: ['A'] });
    const gateway = await h.gateway(engine, { maxSubscribedSkusPerConnection: 3 });
    const a = await h.raw(gateway.url);
    const b = await h.raw(gateway.url);
    expect(await a.result('subscribe', { skus: ['S', 'T'] })).toEqual({ ok: true, skus: 2 });
    expect(await a.result('subscribe', { skus: ['S', 'T', 'U'] }), 'SKUs it has do not count again').toEqual({
      ok: true,
      skus: 3,
    });
    const over = await a.result('subscribe', { skus: ['V'] });
    expect(over.ok).toBe(false);
    expect(over.error.code).toBe('LIMIT_REACHED');
    expect(over.error.message).toMatch(/^skus: .*at most 3 SKUs/);
    expect(await a.result('unsubscribe', { skus: ['V'] }), 'the refused subscribe added nothing').toEqual({
      ok: true,
      skus: 3,
    });
    expect(await b.result('subscribe', { skus: ['V', 'W', 'X'] }), 'another connection has its own room').toEqual({
      ok: true,
      skus: 3,
    });
    expect(await a.result('unsubscribe', { skus: ['U'] })).toEqual({ ok: true, skus: 2 });
    expect(await a.result('subscribe', { skus: ['V'] }), 'room freed by unsubscribe').toEqual({ ok: true, skus: 3 });
    await engine.receive({ sku: 'V', location: 'A', qty: 1 });
    await waitForSeq(a, 'V', 1);
    await waitForSeq(b, 'V', 1);
  });

  it('refuses a bad SKU list naming the field and index', async () => {
    const engine = await h.engine({ locationOrder: ['A'] });
    const gateway = await h.gateway(engine);
    const client = await h.raw(gateway.url);
    for (const [skus, field] of [
      [[], /^skus: must be an array of 1 to/],
      [['S', ''], /^skus\[1\]: must not be empty/],
      [['S', 'T', 5], /^skus\[2\]: must be a string/],
    ] as const) {
      const frame = await client.call('subscribe', { skus });
      expect(frame.data.error?.code, JSON.stringify(skus)).toBe(-32602);
      expect(frame.data.error.message, JSON.stringify(skus)).toMatch(field);
    }
  });

  it(
    'conflates under a flood: a subscriber that does not read gets ' +
      'far fewer notifications than changes, the last one final',
    async () => {
      const engine = await h.engine({ locationOrder: ['A'] });
      // 32 fenced channels with long names make each notification about 1.5 KB.
      const fences: Record<string, number> = {};
      for (let i = 0; i < 32; i++) fences[`marketplace-sales-channel-${String(i).padStart(6, '0')}`] = 1;
      await engine.receive({ sku: 'S', location: 'A', qty: 100 });
      await engine.setPolicy({ sku: 'S', fences });
      const gateway = await h.gateway(engine);
      const slow = await h.raw(gateway.url);
      const bystander = await h.raw(gateway.url);
      const start = slow.frames.length;
      expect(await slow.result('subscribe', { skus: ['S'] })).toEqual({ ok: true, skus: 1 });
      const seqBefore = (await viewOf(engine, 'S')).seq;

      slow.pauseReading();
      const ROUNDS = 40;
      const PER_ROUND = 500;
      for (let round = 0; round < ROUNDS; round++) {
        for (let i = 0; i < PER_ROUND; i++) {
          void engine.receive({ sku: 'S', location: 'A', qty: 1 });
          if (i % 10 === 0) void engine.receive({ sku: 'U', location: 'A', qty: 1 });
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      const final = await viewOf(engine, 'S');
      const changes = final.seq - seqBefore;
      expect(changes).toBe(ROUNDS * PER_ROUND);
      expect((await bystander.result('get', { sku: 'S' })).seq, 'another connection is served meanwhile').toBe(
        final.seq,
      );

      slow.resumeReading();
      await waitForSeq(slow, 'S', final.seq, 15_000);
      expect(await slow.result('get', { sku: 'S' })).toEqual(final);

      const notifications = slow.notifications(start);
      console.info(
        `gateway-subscribe: a paused subscriber got ${notifications.length} notifications for ${changes} changes`,
      );
      expect(slow.isOpen, 'the subscriber is conflated, not disconnected').toBe(true);
      expect(new Set(notifications.map((n) => n.params.sku))).toEqual(new Set(['S']));
      expect(notifications.length, `${notifications.length} notifications for ${changes} changes`).toBeLessThan(
        changes / 4,
      );
      expectIncreasing(
        notifications.map((n) => n.params.seq),
        'S under the flood',
      );
      const last = notifications[notifications.length - 1].params;
      expect(last).toEqual({
        ...pick(
          final,
          NOTIFICATION_FIELDS.filter((key) => key !== 'cause'),
        ),
        cause: 'receive',
      });
    },
  );
});
