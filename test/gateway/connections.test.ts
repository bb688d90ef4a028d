/**
 * Connection hygiene:
 * - a TCP socket that does not upgrade within authTimeoutMs is closed (silent, or half a
 *   request), and counted as holdfast_auth_failures_total{reason="timeout"};
 * - every TCP socket counts against maxConnections: a flood of silent sockets never holds more,
 *   a new client displaces the oldest silent socket (so clients and /healthz still get in), and
 *   with every slot upgraded a new socket is closed at once;
 * - failed upgrades are counted by reason, logged at most once per peer per window (with a
 *   count), and past maxAuthFailuresPerPeer the peer gets 429 with Retry-After before its token
 *   is looked at, until the window ends; the per-peer table is bounded (oldest evicted);
 * - the outgoing buffer: a client that pipelines requests and never reads never makes the
 *   server buffer more than the limit (one frame may go into an empty buffer), the server stops
 *   reading it, and it is dropped as a slow consumer.
 * - `holdfast serve` under `ulimit -n 200`: 400 silent sockets leave /healthz, a new client and
 *   a journaled, snapshotted write working (before, accepts failed with EMFILE and all three hung).
 * Traffic goes to 127.0.0.1 only; waits are generous liveness bounds, never timing assertions.
 *
 * From issue 12, findings 5 and 6.
 */
import { spawnServe } from './support/serve-child.js';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startGateway } from '../../dist/engine/index.js';
import { AuthThrottle } from '../../dist/engine/gateway/auth-throttle.js';
import { socketLimit } from '../../dist/engine/gateway/fd-limit.js';
import { sleep } from '../engine/support/helpers.js';
import {
  fetchMetrics,
  gatewayHarness,
  httpUrl,
  metricSum,
  openRaw,
  TOKEN,
  until,
  withDeadline,
  type Gateway,
} from './support/helpers.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

const AUTH_FAILURES = 'holdfast_auth_failures_total';
const BACKPRESSURE = 'holdfast_backpressure_events_total';

/** A raw TCP socket to the gateway, recording when the server closed it. */
interface RawSocket {
  socket: Socket;
  closed: boolean;
  whenClosed: Promise<void>;
}

function rawSocket(gateway: Gateway, sends = ''): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect(gateway.port, '127.0.0.1');
    const raw: RawSocket = { socket, closed: false, whenClosed: Promise.resolve() };
    raw.whenClosed = new Promise((done) =>
      socket.on('close', () => {
        raw.closed = true;
        done();
      }),
    );
    socket.on('error', () => {});
    socket.once('connect', () => {
      if (sends !== '') socket.write(sends);
      resolve(raw);
    });
    socket.once('error', reject);
  });
}

/** An upgrade attempt with `token`, answered with its HTTP status and headers (101 when it upgraded). */
function upgrade(
  gateway: Gateway,
  token: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: '127.0.0.1',
      port: gateway.port,
      path: '/',
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        authorization: `Bearer ${token}`,
      },
    });
    req.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve({ status: response.statusCode ?? 0, headers: response.headers });
    });
    req.on('response', (response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0, headers: response.headers });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('sockets that do not upgrade', () => {
  const h = gatewayHarness();

  it(
    'a silent socket and one that sends half a request ' + 'are closed after authTimeoutMs, counted as timeouts',
    async () => {
      const engine = await h.engine();
      const gateway = await h.gateway(engine, { authTimeoutMs: 300, log: () => {} });
      const silent = await rawSocket(gateway);
      const half = await rawSocket(gateway, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n');
      await withDeadline(Promise.all([silent.whenClosed, half.whenClosed]), 5_000, 'the server closing both sockets');
      const metrics = await fetchMetrics(gateway);
      expect(metricSum(metrics, AUTH_FAILURES, { reason: 'timeout' })).toBe(2);
      // The fetch above is the one socket that has not upgraded now.
      expect(metricSum(metrics, 'holdfast_unauthenticated_sockets')).toBeLessThanOrEqual(1);
      // An upgraded connection is not timed out.
      const client = await h.raw(gateway.url);
      await sleep(600);
      expect(client.isOpen).toBe(true);
      expect((await client.result('expireDue', {})).ok).toBe(true);
    },
  );

  it(
    'a flood of silent sockets never holds more than maxConnections; ' +
      'a new client displaces the oldest; /healthz answers',
    async () => {
      const engine = await h.engine();
      const gateway = await h.gateway(engine, { maxConnections: 10, authTimeoutMs: 30_000, log: () => {} });
      const flood: RawSocket[] = [];
      for (let i = 0; i < 50; i++) flood.push(await rawSocket(gateway));
      await until(
        () => flood.filter((raw) => !raw.closed).length <= 10,
        'the server closing all but 10 silent sockets',
        5_000,
      );
      expect(
        flood.slice(-10).every((raw) => !raw.closed),
        'the newest ten are the ones held',
      ).toBe(true);
      const health = await fetch(httpUrl(gateway, '/healthz'));
      expect(health.status, '/healthz during the flood').toBe(200);
      const client = await h.raw(gateway.url);
      expect((await client.result('expireDue', {})).ok, 'a client during the flood').toBe(true);
      const metrics = await fetchMetrics(gateway);
      expect(metricSum(metrics, BACKPRESSURE, { kind: 'connection_displaced' })).toBeGreaterThanOrEqual(40);
      expect(metricSum(metrics, 'holdfast_unauthenticated_sockets')).toBeLessThanOrEqual(9);
      for (const raw of flood) raw.socket.destroy();
    },
  );

  it('with every slot upgraded, a new socket is closed at once, before it sends anything', async () => {
    const engine = await h.engine();
    const gateway = await h.gateway(engine, { maxConnections: 2, authTimeoutMs: 30_000, log: () => {} });
    await h.raw(gateway.url);
    await h.raw(gateway.url);
    const late = await rawSocket(gateway);
    await withDeadline(late.whenClosed, 5_000, 'the socket past maxConnections being closed');
    expect(gateway.connections()).toBe(2);
  });

  it('the new options are validated: a coded error naming the field', async () => {
    const engine = await h.engine();
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ authTimeoutMs: 0 }, 'authTimeoutMs'],
      [{ authTimeoutMs: 1.5 }, 'authTimeoutMs'],
      [{ maxAuthFailuresPerPeer: 0 }, 'maxAuthFailuresPerPeer'],
      [{ authFailureWindowMs: -1 }, 'authFailureWindowMs'],
      [{ maxTrackedPeers: '9' }, 'maxTrackedPeers'],
      [{ slowConsumerTimeoutMs: Number.NaN }, 'slowConsumerTimeoutMs'],
      [{ log: 'stderr' }, 'log'],
    ];
    for (const [options, field] of bad) {
      await expect(startGateway({ engine, port: 0, token: TOKEN, ...options } as never), field).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(new RegExp(`^${field}: `)),
      });
    }
  });

  it('socketLimit keeps sockets below the open-file limit', () => {
    expect(socketLimit(1024, 2, 200)).toBe(200 - 64 - 2 * 8);
    expect(socketLimit(1024, 2, 20_000)).toBe(1024);
    expect(socketLimit(1024, 2, null)).toBe(1024);
    expect(socketLimit(1024, 64, 100)).toBe(1);
  });
});

describe('failed upgrades', () => {
  const h = gatewayHarness();

  it(
    'are counted, logged once per peer per window with a count, and ' +
      'past the limit get 429 with Retry-After without a token check',
    async () => {
      const engine = await h.engine();
      const lines: string[] = [];
      const gateway = await h.gateway(engine, {
        maxAuthFailuresPerPeer: 3,
        authFailureWindowMs: 60_000,
        log: (line) => lines.push(line),
      });
      for (let i = 0; i < 3; i++) expect((await upgrade(gateway, 'wrong-token')).status, `bad token ${i}`).toBe(401);
      const throttled = await upgrade(gateway, 'wrong-token');
      expect(throttled.status).toBe(429);
      const retryAfterS = Number(throttled.headers['retry-after']);
      expect(retryAfterS).toBeGreaterThanOrEqual(1);
      expect(retryAfterS).toBeLessThanOrEqual(60);
      expect((await upgrade(gateway, TOKEN)).status, 'the right token is not even looked at').toBe(429);
      const metrics = await fetchMetrics(gateway);
      expect(metricSum(metrics, AUTH_FAILURES, { reason: 'bad_token' })).toBe(3);
      expect(metricSum(metrics, AUTH_FAILURES, { reason: 'throttled' })).toBe(2);
      expect(lines, 'one line for the first failure; the rest wait for the window').toHaveLength(1);
      expect(lines[0]).toMatch(/peer 127\.0\.0\.1: 1 failed upgrade \(bad_token 1\)/);
      await h.close(gateway);
      expect(lines, 'close() logs what waited, summed in one line').toHaveLength(2);
      expect(lines[1]).toMatch(/peer 127\.0\.0\.1: 4 failed upgrades \(bad_token 2, throttled 2\).*throttled/);
    },
  );

  it('the throttle ends with its window: then the right token connects', async () => {
    const engine = await h.engine();
    const gateway = await h.gateway(engine, { maxAuthFailuresPerPeer: 2, authFailureWindowMs: 400, log: () => {} });
    expect((await upgrade(gateway, 'x')).status).toBe(401);
    expect((await upgrade(gateway, 'x')).status).toBe(401);
    expect((await upgrade(gateway, TOKEN)).status).toBe(429);
    await sleep(500);
    expect((await upgrade(gateway, TOKEN)).status).toBe(101);
  });

  it('the per-peer table is bounded in count: the peer that failed least recently is forgotten first', () => {
    const lines: string[] = [];
    const throttle = new AuthThrottle({
      maxFailuresPerPeer: 2,
      windowMs: 10_000,
      maxPeers: 3,
      log: (line: string) => lines.push(line),
    });
    for (const peer of ['10.0.0.1', '10.0.0.2', '10.0.0.3'])
      for (let i = 0; i < 2; i++) throttle.failed(peer, 'bad_token', 1_000);
    expect(throttle.retryAfterMs('10.0.0.1', 1_000)).toBe(10_000);
    throttle.failed('10.0.0.4', 'bad_token', 2_000);
    expect(throttle.size).toBe(3);
    expect(throttle.retryAfterMs('10.0.0.1', 2_000), 'the oldest peer was evicted').toBe(0);
    expect(throttle.retryAfterMs('10.0.0.2', 2_000)).toBe(9_000);
    for (let i = 0; i < 1_000; i++) throttle.failed(`2001:db8::${i.toString(16)}`, 'timeout', 3_000);
    expect(throttle.size).toBe(3);
    // An IPv4-mapped address is the IPv4 peer; a long address is cut to a bounded key.
    throttle.failed('::ffff:10.0.0.9', 'bad_token', 4_000);
    throttle.failed(`${'f'.repeat(500)}`, 'bad_token', 4_000);
    expect(lines.some((line) => line.includes('peer 10.0.0.9:'))).toBe(true);
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThan(300);
  });

  it('logs at most one line per peer per window, with the count of what it summed', () => {
    const lines: string[] = [];
    const throttle = new AuthThrottle({
      maxFailuresPerPeer: 1_000,
      windowMs: 1_000,
      maxPeers: 10,
      log: (line: string) => lines.push(line),
    });
    for (let i = 0; i < 100; i++) throttle.failed('10.0.0.1', 'bad_token', 5_000 + i);
    expect(lines).toHaveLength(1);
    throttle.sweep(5_500);
    expect(lines, 'not before the window ends').toHaveLength(1);
    throttle.sweep(6_000);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/99 failed upgrades \(bad_token 99\) in the last 1\.0 s/);
    throttle.sweep(8_000);
    expect(lines, 'nothing more to say').toHaveLength(2);
    expect(throttle.size, 'a quiet peer is forgotten').toBe(0);
  });
});

describe('the outgoing buffer', () => {
  const h = gatewayHarness();

  it(
    'a client that pipelines and never reads: the server ' + 'buffers at most the limit, stops reading it, drops it',
    async () => {
      const engine = await h.engine();
      // 60 locations make each get answer about 10 KB; a frame of 20 gets is answered by ~200 KB.
      for (let i = 0; i < 60; i++)
        await engine.receive({ sku: 'S', location: `LOCATION-${String(i).padStart(3, '0')}`, qty: 1 + i });
      const limitBytes = 512 * 1024;
      const gateway = await h.gateway(engine, {
        maxBufferedBytesPerConnection: limitBytes,
        slowConsumerTimeoutMs: 1_000,
      });
      // Watch every frame the server sends: the unsent bytes after each send, and the largest frame.
      let peakBytes = 0;
      let largestFrameBytes = 0;
      const send = WebSocket.prototype.send;
      WebSocket.prototype.send = function patched(this: WebSocket & { _isServer: boolean }, data: any, ...rest: any[]) {
        const result = (send as any).call(this, data, ...rest);
        if (this._isServer) {
          peakBytes = Math.max(peakBytes, this.bufferedAmount);
          largestFrameBytes = Math.max(
            largestFrameBytes,
            typeof data === 'string' ? Buffer.byteLength(data) : data.length,
          );
        }
        return result;
      } as typeof send;
      try {
        const slow = await h.raw(gateway.url);
        const other = await h.raw(gateway.url);
        slow.pauseReading();
        const frame = (round: number) =>
          Array.from({ length: 20 }, (_, i) => ({
            jsonrpc: '2.0',
            id: `${round}-${i}`,
            method: 'get',
            params: { sku: 'S' },
          }));
        for (let round = 0; round < 400 && slow.isOpen; round++) {
          slow.send(frame(round));
          if (round % 20 === 19) await sleep(10);
        }
        await until(() => gateway.connections() === 1, 'the slow consumer to be dropped', 15_000);
        expect(peakBytes, `unsent bytes on the server (largest frame ${largestFrameBytes} B)`).toBeLessThanOrEqual(
          Math.max(limitBytes, largestFrameBytes),
        );
        const metrics = await fetchMetrics(gateway);
        expect(
          metricSum(metrics, BACKPRESSURE, { kind: 'buffer_paused' }),
          'the server stopped reading it',
        ).toBeGreaterThanOrEqual(1);
        expect(metricSum(metrics, BACKPRESSURE, { kind: 'slow_consumer' })).toBeGreaterThanOrEqual(1);
        expect((await other.result('get', { sku: 'S' }, 'msgpack')).ok, 'another client carries on').toBe(true);
        slow.resumeReading();
        expect((await withDeadline(slow.closed, 10_000, "the slow consumer's close")).code, 'terminated').toBe(1006);
      } finally {
        WebSocket.prototype.send = send;
      }
    },
    60_000,
  );

  it(
    'a reader that drains is paused while its buffer is ' + 'high and read again after; every request answered once',
    async () => {
      const engine = await h.engine();
      for (let i = 0; i < 60; i++)
        await engine.receive({ sku: 'S', location: `LOCATION-${String(i).padStart(3, '0')}`, qty: 1 + i });
      // Few requests pending: once it stops reading the client, the replies still due fit under the limit.
      const gateway = await h.gateway(engine, {
        maxBufferedBytesPerConnection: 1024 * 1024,
        maxPendingPerConnection: 16,
        slowConsumerTimeoutMs: 60_000,
      });
      const client = await h.raw(gateway.url);
      client.pauseReading();
      const N = 1_500;
      for (let i = 0; i < N; i++) client.send({ jsonrpc: '2.0', id: i, method: 'get', params: { sku: 'S' } });
      await until(
        async () => metricSum(await fetchMetrics(gateway), BACKPRESSURE, { kind: 'buffer_paused' }) >= 1,
        'the server to stop reading',
        10_000,
      );
      client.resumeReading();
      await client.waitFor(() => client.frames.length >= N, `all ${N} answers`, { timeoutMs: 15_000 });
      expect(new Set(client.frames.map((frame) => frame.data.id)).size).toBe(N);
      expect(client.isOpen, 'a client that reads is not dropped').toBe(true);
    },
  );
});

describe('holdfast serve under a 200-descriptor limit (child process)', () => {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  const sockets: Socket[] = [];
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.destroy();
    for (const child of children.splice(0))
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('400 silent sockets leave /healthz, a new client and a journaled, snapshotted write working', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'holdfast-fd-limit-'));
    dirs.push(dir);
    const command =
      `ulimit -n 200 && exec "${process.execPath}" "${CLI}" serve --port 0 ` +
      `--shards 2 --data "${dir}" --snapshot-every 1 --auth-timeout-ms 30000`;
    const serve = await spawnServe('bash', ['-c', command], {
      env: { ...process.env, HOLDFAST_TOKEN: TOKEN },
      urlPattern: /ws:\/\/[^\s'"`<>]+:\d+/,
      what: 'holdfast serve under ulimit -n 200',
      timeoutMs: 30_000,
    });
    const { child, url } = serve;
    children.push(child);
    const port = Number(new URL(url).port);
    for (let i = 0; i < 400; i++) {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => {});
      sockets.push(socket);
    }
    await until(
      () => sockets.filter((socket) => socket.readyState === 'open').length >= 100,
      'the flood to connect',
      10_000,
    );
    const health = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(10_000) });
    expect(health.status, '/healthz during the flood').toBe(200);
    const client = await openRaw(url);
    for (let i = 0; i < 4; i++) {
      const receive = await withDeadline(
        client.call('receive', { sku: `S-${i}`, location: 'A', qty: 5 }),
        10_000,
        'a receive during the flood',
      );
      expect(receive.data.result?.ok, JSON.stringify(receive.data)).toBe(true);
    }
    const snapshots = [0, 1]
      .flatMap((shard) => (existsSync(join(dir, `shard-${shard}`)) ? readdirSync(join(dir, `shard-${shard}`)) : []))
      .filter((name) => name.endsWith('.snap'));
    expect(snapshots.length, 'snapshots were written during the flood').toBeGreaterThan(0);
    expect(serve.output().stderr, 'no EMFILE anywhere').not.toMatch(/EMFILE/);
    expect(serve.output().stdout, 'serve says it capped the connections (200 - 64 - 2 x 8)').toMatch(
      /connections: at most 120 sockets/,
    );
    client.ws.terminate();
  }, 90_000);
});
