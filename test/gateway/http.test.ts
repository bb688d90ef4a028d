/**
 * HTTP on the gateway's port: /healthz lists the shards; /metrics is Prometheus text
 * with the operation counters, the reserve latency histogram, shard queue depths, connections
 * and backpressure events, from a registry per gateway.
 *
 * From issue 4 §9.
 */
import { describe, expect, it } from 'vitest';
import { fetchMetrics, gatewayHarness, httpUrl, metricSamples, metricSum, until } from './support/helpers.js';

describe('gateway HTTP endpoints', () => {
  const h = gatewayHarness();

  it(
    '/healthz: 200 { status: ok, shards: [{ shard, healthy, ' + 'queueDepth, batchesInFlight }] } for every shard',
    async () => {
      const engine = await h.engine({ shards: 2 });
      const gateway = await h.gateway(engine);
      const response = await fetch(httpUrl(gateway, '/healthz'));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type') ?? '').toMatch(/json/);
      const body = (await response.json()) as { status: string; shards: Array<Record<string, unknown>> };
      expect(body.status).toBe('ok');
      expect(body.shards.map((shard) => shard.shard)).toEqual([0, 1]);
      for (const shard of body.shards) {
        expect(shard, JSON.stringify(shard)).toMatchObject({ healthy: true, queueDepth: 0 });
        expect(typeof shard.batchesInFlight).toBe('number');
      }
    },
  );

  it('/healthz on an in-thread engine lists its one shard', async () => {
    const engine = await h.engine();
    const gateway = await h.gateway(engine);
    const body = (await (await fetch(httpUrl(gateway, '/healthz'))).json()) as {
      status: string;
      shards: Array<{ shard: number; healthy: boolean }>;
    };
    expect(body.status).toBe('ok');
    expect(body.shards).toHaveLength(1);
    expect(body.shards[0]).toMatchObject({ shard: 0, healthy: true });
  });

  it('/healthz: 503 degraded when a shard reports its last batch failed', async () => {
    const inner = await h.engine();
    const failing = {
      ...h.gate(inner).engine,
      stats: () => {
        const stats = inner.stats();
        return { ...stats, shards: stats.shards.map((shard) => ({ ...shard, healthy: false })) };
      },
    };
    const gateway = await h.gateway(failing);
    const response = await fetch(httpUrl(gateway, '/healthz'));
    expect(response.status).toBe(503);
    const body = (await response.json()) as { status: string; shards: Array<{ shard: number; healthy: boolean }> };
    expect(body.status).toBe('degraded');
    expect(body.shards).toEqual([expect.objectContaining({ shard: 0, healthy: false })]);
  });

  it('/metrics: Prometheus text with every holdfast metric, counting what happened', async () => {
    const engine = await h.engine({ shards: 2, locationOrder: ['A'] });
    const gateway = await h.gateway(engine);
    const client = await h.raw(gateway.url);
    const other = await h.raw(gateway.url);
    await client.result('receive', { sku: 'S', location: 'A', qty: 10 });
    for (let i = 0; i < 3; i++) {
      await client.result(
        'reserve',
        { id: `m${i}`, channel: 'web', ttlMs: 60_000, lines: [{ sku: 'S', qty: 1 }] },
        'msgpack',
      );
    }
    await client.result('reserve', { id: 'too-many', channel: 'web', ttlMs: 60_000, lines: [{ sku: 'S', qty: 100 }] });
    await other.result('get', { sku: 'S' });

    const response = await fetch(httpUrl(gateway, '/metrics'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type') ?? '').toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^# TYPE holdfast_operations_total counter$/m);
    expect(text).toMatch(/^# TYPE holdfast_reserve_latency_seconds histogram$/m);
    expect(text).toMatch(/^# TYPE holdfast_shard_queue_depth gauge$/m);
    expect(text).toMatch(/^# TYPE holdfast_connections gauge$/m);
    expect(text).toMatch(/^# TYPE holdfast_backpressure_events_total counter$/m);

    expect(metricSum(text, 'holdfast_operations_total', { method: 'reserve' }), 'reserves counted').toBe(4);
    expect(metricSum(text, 'holdfast_operations_total', { method: 'receive' })).toBe(1);
    expect(metricSum(text, 'holdfast_operations_total', { method: 'get' })).toBe(1);
    const outcomes = new Set(
      metricSamples(text, 'holdfast_operations_total')
        .filter((s) => s.labels.method === 'reserve')
        .map((s) => s.labels.outcome),
    );
    expect(outcomes.size, 'a held and a refused reserve have different outcomes').toBeGreaterThanOrEqual(2);
    // Three held reserves at least (whether the refused one is timed too is not specified).
    const timed = metricSum(text, 'holdfast_reserve_latency_seconds_count');
    expect(timed).toBeGreaterThanOrEqual(3);
    expect(timed).toBeLessThanOrEqual(4);
    expect(metricSamples(text, 'holdfast_reserve_latency_seconds_bucket').length).toBeGreaterThan(1);
    expect(metricSum(text, 'holdfast_reserve_latency_seconds_bucket', { le: '+Inf' })).toBe(timed);
    expect(
      metricSamples(text, 'holdfast_shard_queue_depth')
        .map((s) => s.labels.shard)
        .sort(),
    ).toEqual(['0', '1']);
    expect(metricSum(text, 'holdfast_connections')).toBe(2);

    other.ws.close();
    await until(() => gateway.connections() === 1, 'the gateway to count the closed connection');
    expect(metricSum(await fetchMetrics(gateway), 'holdfast_connections')).toBe(1);
  });

  it('a registry per gateway: two gateways in one process count separately', async () => {
    const engine = await h.engine({ locationOrder: ['A'] });
    const first = await h.gateway(engine);
    const second = await h.gateway(engine);
    const client = await h.raw(first.url);
    await client.result('receive', { sku: 'S', location: 'A', qty: 1 });
    await client.result('reserve', { id: 'x', channel: 'web', ttlMs: 60_000, lines: [{ sku: 'S', qty: 1 }] });
    const one = await fetchMetrics(first);
    const two = await fetchMetrics(second);
    expect(metricSum(one, 'holdfast_operations_total', { method: 'reserve' })).toBe(1);
    expect(metricSum(two, 'holdfast_operations_total', { method: 'reserve' })).toBe(0);
    expect(metricSum(one, 'holdfast_connections')).toBe(1);
    expect(metricSum(two, 'holdfast_connections')).toBe(0);
  });
});
