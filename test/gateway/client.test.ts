/**
 * The typed client over a real gateway: every call resolves like the embedded API;
 * calls made in one tick go out as one batch frame (counted on a recording server); after the
 * link drops the client reconnects and re-sends the calls that are safe to repeat, so a reserve
 * re-sent with its id returns the original outcome and never holds twice, while an unsafe call
 * resolves UNAVAILABLE and is not applied twice; subscriptions deliver availability.
 *
 * From issue 4 §9.
 */
import { once } from 'node:events';
import { createServer, connect as tcpConnect, type AddressInfo, type Server, type Socket } from 'node:net';
import { pack, unpack } from 'msgpackr';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { connect, type Client, type ClientEvent, type ClientOptions } from '../../dist/engine/client/index.js';
import { manualClock, sleep } from '../engine/support/helpers.js';
import {
  callEmbedded,
  comparable,
  gatewayHarness,
  START_MS,
  STEPS,
  TOKEN,
  until,
  viewOf,
  withDeadline,
  type Encoding,
  type Engine,
} from './support/helpers.js';

type AnyFn = (...args: unknown[]) => Promise<unknown>;

/** The client call a gateway step stands for: the embedded signatures, unchanged. */
function callClient(client: Client, method: string, params: any): Promise<unknown> {
  const methods = client as unknown as Record<string, AnyFn>;
  switch (method) {
    case 'commit':
    case 'release':
    case 'getReservation':
      return methods[method](params.id);
    case 'fulfil':
      return params.lines === undefined ? client.fulfil(params.id) : client.fulfil(params.id, params.lines);
    case 'get':
    case 'unfreeze':
      return methods[method](params.sku);
    case 'syncMany':
      return client.syncMany(params.requests);
    case 'batch':
      return client.batch(params.ops);
    case 'expireDue':
      return client.expireDue();
    case 'stats':
      return client.stats();
    default:
      return methods[method](params);
  }
}

/** A plain ws server that records every frame and answers it by calling an engine directly. */
async function recordingServer(engine: Engine) {
  const frames: Array<{ binary: boolean; data: any }> = [];
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  const answer = async (request: any) => {
    const result =
      request.method === 'subscribe' || request.method === 'unsubscribe'
        ? { ok: true, skus: request.params.skus.length }
        : await callEmbedded(engine, request.method, request.params ?? {});
    return request.id === undefined ? undefined : { jsonrpc: '2.0', id: request.id, result };
  };
  server.on('connection', (socket) => {
    socket.on('message', async (raw, isBinary) => {
      const bytes = Buffer.isBuffer(raw) ? raw : Buffer.concat(raw as Buffer[]);
      const data = isBinary ? unpack(bytes) : JSON.parse(bytes.toString('utf8'));
      frames.push({ binary: isBinary, data });
      const reply = Array.isArray(data)
        ? (await Promise.all(data.map(answer))).filter((r) => r !== undefined)
        : await answer(data);
      if (reply === undefined || (Array.isArray(reply) && reply.length === 0)) return;
      socket.send(isBinary ? pack(reply) : JSON.stringify(reply));
    });
  });
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    frames,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of server.clients) socket.terminate();
        server.close(() => resolve());
      }),
  };
}

/** A TCP relay to a gateway; cut() drops every relayed connection at once, like a network failure. */
async function tcpRelay(targetPort: number) {
  const pairs = new Set<[Socket, Socket]>();
  const server: Server = createServer((downstream) => {
    const upstream = tcpConnect(targetPort, '127.0.0.1');
    const pair: [Socket, Socket] = [downstream, upstream];
    pairs.add(pair);
    downstream.pipe(upstream);
    upstream.pipe(downstream);
    const drop = () => {
      downstream.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    for (const socket of pair) {
      socket.on('error', drop);
      socket.on('close', drop);
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const cut = () => {
    for (const [downstream, upstream] of pairs) {
      downstream.destroy();
      upstream.destroy();
    }
    pairs.clear();
  };
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut,
    close: () =>
      new Promise<void>((resolve) => {
        cut();
        server.close(() => resolve());
      }),
  };
}

describe('typed client', () => {
  const h = gatewayHarness();
  const clients: Client[] = [];
  const closers: Array<() => Promise<void>> = [];
  // Registered after the harness: runs before it (hooks run as a stack), while gateways are up.
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => withDeadline(client.close(), 10_000, 'client.close()')));
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  async function open(options: Partial<ClientOptions> & { url: string }): Promise<Client> {
    const client = await connect({ token: TOKEN, ...options });
    clients.push(client);
    return client;
  }

  it.each(['msgpack', 'json'] as const)(
    'every call resolves exactly like the embedded API (%s)',
    async (encoding: Encoding) => {
      const gatewayClock = manualClock(START_MS);
      const referenceClock = manualClock(START_MS);
      const engine = await h.engine({ clock: gatewayClock, locationOrder: ['A', 'B'] });
      const reference = await h.engine({ clock: referenceClock, locationOrder: ['A', 'B'] });
      const gateway = await h.gateway(engine);
      const client = await open({ url: gateway.url, encoding });
      expect(client.connected).toBe(true);
      for (const [index, step] of STEPS.entries()) {
        if (step.advanceMs !== undefined) {
          gatewayClock.advance(step.advanceMs);
          referenceClock.advance(step.advanceMs);
        }
        const got = await callClient(client, step.method, step.params);
        const expected = await callEmbedded(reference, step.method, step.params);
        expect(comparable(step.method, got), `step ${index} ${step.method}(${JSON.stringify(step.params)})`).toEqual(
          comparable(step.method, expected),
        );
      }
      // An invalid argument resolves to the engine's own refusal (the gateway answers -32602).
      const invalid: Array<[string, (target: any) => Promise<unknown>]> = [
        ['receive qty as a string', (target) => target.receive({ sku: 'S', location: 'A', qty: '3' })],
        ['commit with a number id', (target) => target.commit(7)],
        [
          'reserve with 101 lines',
          (target) =>
            target.reserve({
              id: 'many',
              channel: 'web',
              ttlMs: 60_000,
              lines: Array.from({ length: 101 }, (_, i) => ({ sku: `L${i}`, qty: 1 })),
            }),
        ],
      ];
      for (const [what, call] of invalid) {
        const expected = (await call(reference)) as { ok: boolean };
        expect(expected.ok).toBe(false);
        expect(await call(client), what).toEqual(expected);
      }
      expect(await client.get('S')).toEqual(await reference.get('S'));
    },
  );

  it.each(['msgpack', 'json'] as const)(
    'calls made in one tick go out as one batch frame (%s)',
    async (encoding: Encoding) => {
      const engine = await h.engine({ locationOrder: ['A'] });
      const server = await recordingServer(engine);
      closers.push(server.close);
      const client = await open({ url: server.url, encoding });
      const start = server.frames.length;

      const [received, view, missing, stats] = await Promise.all([
        client.receive({ sku: 'S', location: 'A', qty: 5 }),
        client.get('S'),
        client.getReservation('none'),
        client.stats(),
      ]);
      const frames = server.frames.slice(start);
      expect(frames, 'one frame for four calls made in one tick').toHaveLength(1);
      expect(frames[0].binary).toBe(encoding === 'msgpack');
      expect(Array.isArray(frames[0].data)).toBe(true);
      const requests = frames[0].data as Array<{ jsonrpc: string; id: unknown; method: string; params: unknown }>;
      expect(requests.map((request) => request.method)).toEqual(['receive', 'get', 'getReservation', 'stats']);
      expect(requests.every((request) => request.jsonrpc === '2.0')).toBe(true);
      expect(new Set(requests.map((request) => request.id)).size, 'distinct ids').toBe(4);
      expect(requests[0].params).toEqual({ sku: 'S', location: 'A', qty: 5 });
      expect(requests[1].params).toEqual({ sku: 'S' });
      expect(received).toMatchObject({ ok: true, sku: 'S', position: { onHand: 5 } });
      expect(view).toEqual(await engine.get('S'));
      expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      expect((stats as { shards: unknown[] }).shards).toHaveLength(1);

      // Calls in separate ticks: one frame each.
      await client.get('S');
      await client.get('S');
      expect(server.frames.length - start).toBe(3);
    },
  );

  it(
    'after the link drops: reconnects, re-sends a reserve with its id (held ' +
      'once), an unsafe receive resolves UNAVAILABLE and is applied once',
    async () => {
      const inner = await h.engine({ locationOrder: ['A'] });
      await inner.receive({ sku: 'S', location: 'A', qty: 10 });
      const gate = h.gate(inner);
      const gateway = await h.gateway(gate.engine);
      const relay = await tcpRelay(gateway.port);
      closers.push(relay.close);
      const events: ClientEvent[] = [];
      const client = await open({
        url: relay.url,
        reconnectDelayMsMin: 10,
        reconnectDelayMsMax: 100,
        onEvent: (event) => events.push(event),
      });

      gate.hold(['reserve', 'receive']);
      const request = { id: 'h1', channel: 'web', ttlMs: 600_000, lines: [{ sku: 'S', qty: 3 }] };
      const reserving = client.reserve(request);
      const receiving = client.receive({ sku: 'S', location: 'A', qty: 5 });
      await until(() => gate.held() === 2, 'the reserve and the receive applied, their answers withheld');

      relay.cut();
      await until(() => events.some((event) => event.type === 'disconnected'), 'the client noticing the drop');
      gate.release();

      const [reserved, received] = await withDeadline(
        Promise.all([reserving, receiving]),
        10_000,
        'both calls resolving',
      );
      expect(reserved, 'the re-sent reserve returns the original outcome').toEqual(await inner.getReservation('h1'));
      expect(reserved).toMatchObject({
        ok: true,
        reservation: { id: 'h1', status: 'held', lines: [{ sku: 'S', qty: 3 }] },
      });
      expect(received).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
      expect(typeof (received as { error: { message: string } }).error.message).toBe('string');
      expect(gate.calls('reserve'), 'the reserve was re-sent once').toBe(2);
      expect(gate.calls('receive'), 'the receive was not re-sent').toBe(1);
      const view = await viewOf(inner, 'S');
      expect(view.reserved, 'never held twice').toBe(3);
      expect(view.onHand, 'the receive applied once').toBe(15);
      expect(events).toContainEqual({ type: 'connected', reconnected: true });
      expect(client.connected).toBe(true);
      expect(await client.get('S')).toEqual(await inner.get('S'));
    },
  );

  it(
    'after the link drops: every safe call is re-sent (its effect ' +
      'applied once), every unsafe one resolves UNAVAILABLE (applied once)',
    async () => {
      const clock = manualClock(START_MS);
      const referenceClock = manualClock(START_MS);
      const inner = await h.engine({ clock, locationOrder: ['A', 'B'] });
      const reference = await h.engine({ clock: referenceClock, locationOrder: ['A', 'B'] });
      const setup = async (engine: Engine) => {
        await engine.receive({ sku: 'S', location: 'A', qty: 50 });
        await engine.receive({ sku: 'F', location: 'A', qty: 1 });
        for (const id of ['c1', 'r1', 'f1', 'f2'])
          await engine.reserve({ id, channel: 'web', ttlMs: 600_000, lines: [{ sku: 'S', qty: 2, location: 'A' }] });
        await engine.commit('f1');
        await engine.commit('f2');
        await engine.transfer({ id: 'tt', sku: 'S', from: 'A', to: 'B', qty: 2, inTransit: true });
      };
      await setup(inner);
      await setup(reference);
      const gate = h.gate(inner);
      const gateway = await h.gateway(gate.engine);
      const relay = await tcpRelay(gateway.port);
      closers.push(relay.close);
      const events: ClientEvent[] = [];
      const client = await open({
        url: relay.url,
        reconnectDelayMsMin: 10,
        reconnectDelayMsMax: 100,
        onEvent: (event) => events.push(event),
      });

      const calls: Array<{ what: string; safe: boolean; method: string; run: (target: any) => Promise<any> }> = [
        {
          what: 'reserve',
          safe: true,
          method: 'reserve',
          run: (t) =>
            t.reserve({ id: 'h9', channel: 'web', ttlMs: 600_000, lines: [{ sku: 'S', qty: 1, location: 'A' }] }),
        },
        { what: 'commit', safe: true, method: 'commit', run: (t) => t.commit('c1') },
        { what: 'release', safe: true, method: 'release', run: (t) => t.release('r1') },
        { what: 'fulfil without lines', safe: true, method: 'fulfil', run: (t) => t.fulfil('f1') },
        { what: 'getReservation', safe: true, method: 'getReservation', run: (t) => t.getReservation('c1') },
        { what: 'get', safe: true, method: 'get', run: (t) => t.get('S') },
        {
          what: 'transfer',
          safe: true,
          method: 'transfer',
          run: (t) => t.transfer({ id: 't2', sku: 'S', from: 'A', to: 'B', qty: 1 }),
        },
        {
          what: 'receiveTransfer',
          safe: true,
          method: 'receiveTransfer',
          run: (t) => t.receiveTransfer({ sku: 'S', id: 'tt' }),
        },
        {
          what: 'sync',
          safe: true,
          method: 'sync',
          run: (t) => t.sync({ sku: 'S', location: 'B', onHand: 9, asOf: START_MS }),
        },
        { what: 'setPolicy', safe: true, method: 'setPolicy', run: (t) => t.setPolicy({ sku: 'S', safetyStock: 2 }) },
        { what: 'freeze', safe: true, method: 'freeze', run: (t) => t.freeze({ sku: 'F', reason: 'audit' }) },
        { what: 'receive', safe: false, method: 'receive', run: (t) => t.receive({ sku: 'S', location: 'A', qty: 5 }) },
        {
          what: 'adjust',
          safe: false,
          method: 'adjust',
          run: (t) => t.adjust({ sku: 'S', location: 'A', delta: -1, reason: 'count' }),
        },
        {
          what: 'restock',
          safe: false,
          method: 'restock',
          run: (t) => t.restock({ sku: 'S', location: 'A', qty: 1, condition: 'sellable' }),
        },
        {
          what: 'fulfil with lines',
          safe: false,
          method: 'fulfil',
          run: (t) => t.fulfil('f2', [{ sku: 'S', location: 'A', qty: 1 }]),
        },
        {
          what: 'batch',
          safe: false,
          method: 'batch',
          run: (t) => t.batch([{ op: 'receive', args: [{ sku: 'S', location: 'A', qty: 1 }] }]),
        },
        {
          what: 'syncMany',
          safe: false,
          method: 'syncMany',
          run: (t) => t.syncMany([{ sku: 'S', location: 'C', onHand: 4, asOf: START_MS }]),
        },
      ];
      const expected: any[] = [];
      for (const call of calls) expected.push(await call.run(reference));

      gate.hold([
        'reserve',
        'commit',
        'release',
        'fulfil',
        'getReservation',
        'get',
        'transfer',
        'receiveTransfer',
        'sync',
        'setPolicy',
        'freeze',
        'receive',
        'adjust',
        'restock',
        'batch',
        'syncMany',
      ]);
      const pending = calls.map((call) => call.run(client));
      await until(() => gate.held() === calls.length, 'every call applied by the engine, its answer withheld');
      relay.cut();
      await until(() => events.some((event) => event.type === 'disconnected'), 'the client noticing the drop');
      gate.release();
      const results = await withDeadline(Promise.all(pending), 10_000, 'every call resolving');

      const outcomes: string[] = [];
      for (const [index, call] of calls.entries()) {
        const result = results[index];
        outcomes.push(`${call.what}: ${result.ok ? 'ok' : result.error.code}`);
        if (!call.safe) {
          expect(result, `${call.what} (unsafe) resolves UNAVAILABLE`).toMatchObject({
            ok: false,
            error: { code: 'UNAVAILABLE' },
          });
        }
      }
      console.info(`gateway-client: outcomes after the drop: ${outcomes.join('; ')}`);
      for (const method of [
        'reserve',
        'commit',
        'release',
        'getReservation',
        'get',
        'transfer',
        'receiveTransfer',
        'sync',
        'setPolicy',
        'freeze',
      ]) {
        expect(gate.calls(method), `${method} re-sent once`).toBe(2);
      }
      expect(gate.calls('fulfil'), 'fulfil without lines re-sent, fulfil with lines not').toBe(3);
      for (const method of ['receive', 'adjust', 'restock', 'batch', 'syncMany'])
        expect(gate.calls(method), `${method} not re-sent`).toBe(1);
      // Idempotent replays answer what the first call answered.
      for (const what of ['reserve', 'commit', 'release', 'getReservation', 'transfer', 'receiveTransfer']) {
        const index = calls.findIndex((call) => call.what === what);
        expect(results[index], `${what} after the drop`).toEqual(expected[index]);
      }
      for (const what of ['get', 'sync', 'setPolicy'])
        expect(results[calls.findIndex((call) => call.what === what)].ok, what).toBe(true);
      // Every effect applied exactly once: the same state as the reference, which ran each call once (seq aside).
      for (const sku of ['S', 'F']) {
        const got = { ...(await viewOf(inner, sku)), seq: 0 };
        const want = { ...(await viewOf(reference, sku)), seq: 0 };
        expect(got, `state of ${sku}`).toEqual(want);
      }
    },
  );

  it('connect with a wrong token rejects', async () => {
    const engine = await h.engine();
    const gateway = await h.gateway(engine);
    await expect(connect({ url: gateway.url, token: 'wrong-token' })).rejects.toThrow();
    expect(gateway.connections()).toBe(0);
  });

  it('gateway A closes (in-flight answered), gateway B starts on the same port: the client carries on', async () => {
    const engine = await h.engine({ locationOrder: ['A'] });
    await engine.receive({ sku: 'S', location: 'A', qty: 10 });
    const gate = h.gate(engine);
    const first = await h.gateway(gate.engine);
    const events: ClientEvent[] = [];
    const client = await open({
      url: first.url,
      reconnectDelayMsMin: 10,
      reconnectDelayMsMax: 100,
      onEvent: (event) => events.push(event),
    });

    gate.hold(['reserve']);
    const inFlight = client.reserve({ id: 'a1', channel: 'web', ttlMs: 600_000, lines: [{ sku: 'S', qty: 2 }] });
    await until(() => gate.held() === 1, 'a reserve in flight');
    const closing = h.close(first);
    gate.release();
    await withDeadline(closing, 5_000, 'gateway A closing');
    expect(await inFlight, 'answered by A before it closed').toMatchObject({
      ok: true,
      reservation: { id: 'a1', status: 'held' },
    });
    await until(() => events.some((event) => event.type === 'disconnected'), 'the client noticing A closed');
    expect(events.find((event) => event.type === 'disconnected')).toMatchObject({ code: 1001, willReconnect: true });

    // Made while no gateway runs: sent once B is up.
    const request = { id: 'b1', channel: 'web', ttlMs: 600_000, lines: [{ sku: 'S', qty: 3 }] };
    const whileDown = client.reserve(request);
    const readWhileDown = client.get('S');
    await sleep(50);
    const second = await h.gateway(gate.engine, { port: first.port });
    expect(second.port).toBe(first.port);
    const held = await withDeadline(whileDown, 10_000, 'the reserve made while down');
    expect(held).toMatchObject({ ok: true, reservation: { id: 'b1', status: 'held' } });
    expect(await withDeadline(readWhileDown, 10_000, 'the get made while down')).toMatchObject({ ok: true, sku: 'S' });
    expect(await client.reserve(request), 'the same id again: the original outcome').toEqual(held);
    expect((await viewOf(engine, 'S')).reserved).toBe(5);
    expect(events).toContainEqual({ type: 'connected', reconnected: true });
  });

  it('subscribe delivers availability for its SKUs; the returned function stops it', async () => {
    const engine = await h.engine({ locationOrder: ['A'] });
    const gateway = await h.gateway(engine);
    const client = await open({ url: gateway.url });
    const got: Array<{ sku: string; seq: number } & Record<string, unknown>> = [];
    const off = client.subscribe(['S'], (event) => got.push(event as never));
    // The subscription reaches the gateway asynchronously: change S until a push arrives.
    await until(async () => {
      await engine.receive({ sku: 'S', location: 'A', qty: 1 });
      await engine.receive({ sku: 'U', location: 'A', qty: 1 });
      await sleep(10);
      return got.length > 0;
    }, 'a first availability push');
    for (let i = 0; i < 5; i++)
      await engine.reserve({ id: `s${i}`, channel: 'web', ttlMs: 60_000, lines: [{ sku: 'S', qty: 1 }] });
    const final = await viewOf(engine, 'S');
    await until(() => got.some((event) => event.seq === final.seq), `the push of seq ${final.seq}`);
    expect(new Set(got.map((event) => event.sku))).toEqual(new Set(['S']));
    for (let i = 1; i < got.length; i++) expect(got[i].seq).toBeGreaterThan(got[i - 1].seq);
    expect(got[got.length - 1]).toMatchObject({
      sku: 'S',
      seq: final.seq,
      cause: 'reserve',
      available: final.available,
      onHand: final.onHand,
      reserved: final.reserved,
      channels: final.channels,
    });

    off();
    const countAtOff = got.length;
    const watcher = await open({ url: gateway.url });
    const seen: number[] = [];
    watcher.subscribe(['S'], (event) => seen.push(event.seq));
    await until(async () => {
      await engine.receive({ sku: 'S', location: 'A', qty: 1 });
      await sleep(10);
      return seen.length > 0;
    }, 'a push to another client');
    await client.get('S');
    expect(got.length, 'no push after unsubscribing').toBe(countAtOff);
  });
});
