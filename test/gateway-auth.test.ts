/**
 * Gateway auth (issue 4 §9): the token is checked on the HTTP upgrade, before a WebSocket exists.
 * Missing or wrong → 401; `Authorization: Bearer <token>` or the browser subprotocol pair
 * ['holdfast', 'bearer.<token>'] → connected (subprotocol 'holdfast'); /healthz and /metrics need
 * no token; too many connections → closed at once; a peer that stops answering pings is terminated.
 */
import { describe, expect, it } from 'vitest';
import {
  fetchMetrics, gatewayHarness, httpUrl, metricSum, TOKEN, until, withDeadline, type Attempt,
} from './gateway-helpers.js';

function statusOf(result: Attempt): number | string {
  return result.kind === 'status' ? result.status : result.kind === 'open' ? 'connected' : `error ${result.error.message}`;
}

describe('gateway auth', () => {
  const h = gatewayHarness();

  async function start(options = {}) {
    const engine = await h.engine();
    const gateway = await h.gateway(engine, options);
    return { engine, gateway };
  }

  it('starts on 127.0.0.1 with the port it reports and the token it was given', async () => {
    const { gateway } = await start();
    expect(gateway.url).toBe(`ws://127.0.0.1:${gateway.port}`);
    expect(gateway.port).toBeGreaterThan(0);
    expect(gateway.token, 'the Gateway carries its token (spec: { url, port, token, ... })').toBe(TOKEN);
    expect(gateway.connections()).toBe(0);
  });

  it('missing token → HTTP 401, no connection', async () => {
    const { gateway } = await start();
    expect(statusOf(await h.attempt(gateway.url, { token: null }))).toBe(401);
    expect(statusOf(await h.attempt(gateway.url, { token: null, protocols: ['holdfast'] }))).toBe(401);
    expect(gateway.connections()).toBe(0);
  });

  it('wrong token → HTTP 401', async () => {
    const { gateway } = await start();
    const wrong = [`${TOKEN}x`, TOKEN.slice(0, -1), TOKEN.toUpperCase(), '', 'x'.repeat(10_000)];
    for (const token of wrong) expect(statusOf(await h.attempt(gateway.url, { token })), `token ${token.slice(0, 40)}`).toBe(401);
    for (const authorization of [`Basic ${TOKEN}`, TOKEN, `Bearer  ${TOKEN}x`, `Token ${TOKEN}`]) {
      expect(statusOf(await h.attempt(gateway.url, { token: null, headers: { authorization } })), authorization).toBe(401);
    }
    expect(gateway.connections()).toBe(0);
  });

  it('the right token in the Authorization header → connected and served', async () => {
    const { engine, gateway } = await start();
    const client = await h.raw(gateway.url);
    expect(gateway.connections()).toBe(1);
    expect(await client.result('get', { sku: 'NOPE' })).toEqual(await engine.get('NOPE'));
  });

  it('the browser subprotocol pair [holdfast, bearer.<token>] → connected with subprotocol holdfast', async () => {
    const { engine, gateway } = await start();
    const client = await h.raw(gateway.url, { token: null, protocols: ['holdfast', `bearer.${TOKEN}`] });
    expect(client.ws.protocol).toBe('holdfast');
    expect(await client.result('get', { sku: 'NOPE' }, 'msgpack')).toEqual(await engine.get('NOPE'));
    expect(gateway.connections()).toBe(1);
  });

  it('a wrong token in the subprotocol → HTTP 401', async () => {
    const { gateway } = await start();
    for (const protocols of [['holdfast', 'bearer.wrong'], ['holdfast', `bearer.${TOKEN}x`], ['holdfast', 'bearer.'], ['holdfast', TOKEN]]) {
      expect(statusOf(await h.attempt(gateway.url, { token: null, protocols })), protocols.join(',')).toBe(401);
    }
    expect(gateway.connections()).toBe(0);
  });

  it('/healthz and /metrics need no token; anything else over HTTP is 404', async () => {
    const { gateway } = await start();
    const health = await fetch(httpUrl(gateway, '/healthz'));
    expect(health.status).toBe(200);
    expect((await health.json() as { status: string }).status).toBe('ok');
    const metrics = await fetch(httpUrl(gateway, '/metrics'));
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('holdfast_connections');
    for (const path of ['/', '/nope', '/healthz/x', '/metricsx']) {
      expect((await fetch(httpUrl(gateway, path))).status, path).toBe(404);
    }
  });

  it('past maxConnections → the socket is closed at once (every TCP socket counts, issue 12), counted as connection_limit; a freed slot is usable again', async () => {
    const { gateway } = await start({ maxConnections: 2 });
    const first = await h.raw(gateway.url);
    await h.raw(gateway.url);
    expect(statusOf(await h.attempt(gateway.url))).toMatch(/^error /);
    expect(gateway.connections()).toBe(2);
    first.ws.close();
    await until(() => gateway.connections() === 1, 'the gateway to count the closed connection');
    expect(metricSum(await fetchMetrics(gateway), 'holdfast_backpressure_events_total', { kind: 'connection_limit' })).toBeGreaterThanOrEqual(1);
    const again = await h.raw(gateway.url);
    expect((await again.result('expireDue', {})).ok).toBe(true);
  });

  it('heartbeat: a peer that does not answer pings is terminated; one that does stays', async () => {
    const { gateway } = await start({ heartbeatMs: 300 });
    const silent = await h.raw(gateway.url, { ws: { autoPong: false } });
    const alive = await h.raw(gateway.url);
    const closed = await withDeadline(silent.closed, 10_000, 'the silent peer being terminated');
    expect(closed.code, 'terminated without a close frame').toBe(1006);
    expect(alive.isOpen).toBe(true);
    expect((await alive.result('expireDue', {})).ok).toBe(true);
    expect(gateway.connections()).toBe(1);
  });
});
