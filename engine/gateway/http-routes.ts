import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Engine } from '../api/engine.js';
import type { GatewayMetrics } from './metrics.js';

/**
 * The shards' health as /healthz reports it: a shard is healthy unless its last micro-batch failed (its
 * worker died), it is stopped after a storage failure, or it gave up recovering; `cause` says which.
 */
export function healthOf(engine: Engine, closing: boolean): { status: 'ok' | 'degraded'; shards: unknown[] } {
  const shards = engine.stats().shards.map((shard) => ({
    shard: shard.shard,
    healthy: shard.healthy,
    cause: shard.cause,
    queueDepth: shard.queueDepth,
    batchesInFlight: shard.batchesInFlight,
  }));
  const healthy = !closing && shards.every((shard) => shard.healthy);
  return { status: healthy ? 'ok' : 'degraded', shards };
}

/** Plain HTTP on the gateway's port: GET /healthz and GET /metrics (no token: they carry no stock data). */
export function routeHttp(
  request: IncomingMessage,
  response: ServerResponse,
  engine: Engine,
  metrics: GatewayMetrics,
  closing: () => boolean,
): void {
  const path = (request.url ?? '/').split('?')[0];
  if (request.method !== 'GET' || (path !== '/healthz' && path !== '/metrics')) {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  if (path === '/healthz') {
    const health = healthOf(engine, closing());
    response
      .writeHead(health.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' })
      .end(JSON.stringify(health));
    return;
  }
  metrics.registry.metrics().then(
    (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
    (error: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${error.message}\n`),
  );
}
