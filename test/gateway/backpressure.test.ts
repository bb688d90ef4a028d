/**
 * Backpressure and limits over the gateway: a client flooding requests is paused at
 * maxPendingPerConnection (and everything it sent is still answered, once); a client that does
 * not read its replies is disconnected past maxBufferedBytesPerConnection while others carry
 * on; a frame over maxPayloadBytes closes with 1009; an engine OVERLOADED answer is -32001
 * with data.retryAfterMs. /metrics counts each kind of event.
 *
 * From issue 4 §9.
 */
import { describe, expect, it } from 'vitest';
import { sleep } from '../engine/support/helpers.js';
import {
  expectRpcError,
  fetchMetrics,
  gatewayHarness,
  metricSum,
  until,
  withDeadline,
  type Encoding,
} from './support/helpers.js';

const BACKPRESSURE = 'holdfast_backpressure_events_total';

describe('gateway backpressure', () => {
  const h = gatewayHarness();

  it(
    'a client flooding requests is paused at maxPendingPerConnection; ' +
      'every request is still answered exactly once',
    async () => {
      const inner = await h.engine({ locationOrder: ['A'] });
      await inner.receive({ sku: 'S', location: 'A', qty: 10 });
      const gate = h.gate(inner);
      gate.hold(['get']);
      const gateway = await h.gateway(gate.engine, { maxPendingPerConnection: 64 });
      const flooder = await h.raw(gateway.url);
      const bystander = await h.raw(gateway.url);

      const N = 20_000;
      for (let i = 0; i < N; i++) flooder.send({ jsonrpc: '2.0', id: i, method: 'get', params: { sku: 'S' } });
      await until(async () => gate.calls('get') >= 64, 'the first 64 requests to reach the engine', 10_000);
      await until(
        async () => metricSum(await fetchMetrics(gateway), BACKPRESSURE, { kind: 'paused' }) >= 1,
        'a paused backpressure event',
        10_000,
      );
      // Give the server every chance to read more if it were not paused.
      await sleep(300);
      const accepted = gate.calls('get');
      expect(
        accepted,
        'no more requests reach the engine than maxPendingPerConnection (frames read before the pause wait)',
      ).toBe(64);
      expect(gate.held(), 'nothing was answered while the engine withheld answers').toBe(accepted);
      expect(flooder.frames).toHaveLength(0);
      // Another connection is served meanwhile (receive is not withheld).
      expect((await bystander.result('receive', { sku: 'S', location: 'A', qty: 1 })).ok).toBe(true);

      gate.release();
      await flooder.waitFor(() => flooder.frames.length >= N, `all ${N} answers`, { timeoutMs: 15_000 });
      const ids = new Set(flooder.frames.map((frame) => frame.data.id));
      expect(ids.size, 'one answer per request').toBe(N);
      expect(flooder.frames.length).toBe(N);
      expect(flooder.frames.every((frame) => frame.data.result?.ok === true && frame.data.result.sku === 'S')).toBe(
        true,
      );
      expect(gate.calls('get'), 'each request reached the engine exactly once').toBe(N);
      expect(gate.heldMax(), 'withheld answers stayed bounded').toBeLessThan(N / 4);
    },
  );

  it(
    'a client that does not read its replies is disconnected ' +
      'past maxBufferedBytesPerConnection; another keeps working',
    async () => {
      const engine = await h.engine();
      // 60 locations make each get answer about 10 KB.
      for (let i = 0; i < 60; i++)
        await engine.receive({ sku: 'S', location: `LOCATION-${String(i).padStart(3, '0')}`, qty: 1 + i });
      const gateway = await h.gateway(engine, { maxBufferedBytesPerConnection: 256 * 1024 });
      const slow = await h.raw(gateway.url);
      const other = await h.raw(gateway.url);
      expect(gateway.connections()).toBe(2);

      slow.pauseReading();
      for (let i = 0; i < 3_000; i++) slow.send({ jsonrpc: '2.0', id: i, method: 'get', params: { sku: 'S' } });
      await until(() => gateway.connections() === 1, 'the slow consumer to be disconnected', 15_000);
      expect(await other.result('get', { sku: 'S' }, 'msgpack')).toEqual(await engine.get('S'));
      expect(other.isOpen).toBe(true);

      slow.resumeReading();
      const closed = await withDeadline(slow.closed, 10_000, "the slow consumer's close event");
      expect(closed.code, 'terminated: no close frame').toBe(1006);
      const metrics = await fetchMetrics(gateway);
      expect(metricSum(metrics, BACKPRESSURE, { kind: 'slow_consumer' })).toBeGreaterThanOrEqual(1);
      expect(metricSum(metrics, 'holdfast_connections')).toBe(1);
      expect((await other.result('receive', { sku: 'S', location: 'LOCATION-000', qty: 1 })).ok).toBe(true);
    },
  );

  it.each(['text', 'binary'] as const)(
    'a %s frame larger than maxPayloadBytes closes the connection with 1009; others carry on',
    async (kind) => {
      const engine = await h.engine();
      const gateway = await h.gateway(engine, { maxPayloadBytes: 1024 });
      const client = await h.raw(gateway.url);
      const other = await h.raw(gateway.url);
      const encoding: Encoding = kind === 'text' ? 'json' : 'msgpack';
      // Under the limit: answered (the SKU is too long for the engine), the connection stays.
      const under = await client.call('get', { sku: 'x'.repeat(800) }, encoding);
      expectRpcError(under, -32602, 'an 800-character SKU');
      expect(client.isOpen).toBe(true);

      client.send({ jsonrpc: '2.0', id: 'big', method: 'get', params: { sku: 'y'.repeat(2_000) } }, encoding);
      const closed = await withDeadline(client.closed, 5_000, 'the close after an oversized frame');
      expect(closed.code).toBe(1009);
      expect(
        client.frames.filter((frame) => frame.data?.id === 'big'),
        'the oversized request is not answered',
      ).toEqual([]);
      expect((await other.result('get', { sku: 'NOPE' }, encoding)).error.code).toBe('NOT_FOUND');
      await until(() => gateway.connections() === 1, 'the gateway to count one connection');
    },
  );

  it.each(['json', 'msgpack'] as const)(
    'an engine OVERLOADED answer is -32001 with data.retryAfterMs (%s)',
    async (encoding: Encoding) => {
      const engine = await h.engine({ shards: 1, maxInFlightOpsPerShard: 1, locationOrder: ['A'] });
      await engine.receive({ sku: 'S', location: 'A', qty: 10_000 });
      const gateway = await h.gateway(engine);
      const client = await h.raw(gateway.url);
      const COUNT = 200;
      const from = client.frames.length;
      client.send(
        Array.from({ length: COUNT }, (_, i) => ({
          jsonrpc: '2.0',
          id: i,
          method: 'reserve',
          params: { id: `r-${i}`, channel: 'web', ttlMs: 600_000, lines: [{ sku: 'S', qty: 1 }] },
        })),
        encoding,
      );
      const frame = await client.waitFor((f) => Array.isArray(f.data), 'the batch answer', { from, timeoutMs: 10_000 });
      expect(frame.binary).toBe(encoding === 'msgpack');
      const responses = frame.data as any[];
      expect(responses.map((response) => response.id)).toEqual(Array.from({ length: COUNT }, (_, i) => i));
      let held = 0;
      let overloaded = 0;
      for (const response of responses) {
        if (response.result?.ok === true) {
          held++;
          continue;
        }
        expect(response.error?.code, `response ${JSON.stringify(response)}`).toBe(-32001);
        expect(typeof response.error.message).toBe('string');
        expect(typeof response.error.data?.retryAfterMs, `data.retryAfterMs in ${JSON.stringify(response)}`).toBe(
          'number',
        );
        expect(response.error.data.retryAfterMs).toBeGreaterThan(0);
        expect(Number.isFinite(response.error.data.retryAfterMs)).toBe(true);
        expect('result' in response).toBe(false);
        overloaded++;
      }
      expect(held, 'some reserves were admitted').toBeGreaterThan(0);
      expect(overloaded, 'some reserves were OVERLOADED').toBeGreaterThan(0);
      expect(held + overloaded).toBe(COUNT);
      expect(
        ((await engine.get('S')) as { reserved: number }).reserved,
        'exactly the admitted reserves hold units',
      ).toBe(held);
      expect(metricSum(await fetchMetrics(gateway), BACKPRESSURE, { kind: 'overloaded' })).toBeGreaterThanOrEqual(1);
    },
  );
});
