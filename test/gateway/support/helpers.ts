/**
 * Shared helpers for the gateway tests (issue 4): a harness that starts engines and gateways and
 * closes them after each test, a raw `ws` client that records every frame it receives (decoded
 * by frame type: text → JSON, binary → msgpack), an engine wrapper that can withhold answers
 * (to keep requests in flight), the mapping from a JSON-RPC method to the embedded call, one
 * sequence of steps that exercises every method, and a Prometheus text parser.
 */
import { createHash } from 'node:crypto';
import { pack, unpack } from 'msgpackr';
import { afterEach, expect } from 'vitest';
import WebSocket from 'ws';
import { createEngine, startGateway } from '../../../dist/engine/index.js';
import type { Engine, SkuView } from '../../../dist/engine/index.js';
import { sleep } from '../../engine/support/helpers.js';

export type { Engine };
export type EngineOptions = NonNullable<Parameters<typeof createEngine>[0]>;
export type GatewayOptions = Parameters<typeof startGateway>[0];
export type Gateway = Awaited<ReturnType<typeof startGateway>>;
export type Encoding = 'json' | 'msgpack';

/** A strong token (192 bits of base64url): the gateway refuses tokens below 128 bits. */
export const TOKEN = 'lfeBZ8moMRiVSQFIDzoQi8K_vbtOE9oZ';
export const START_MS = 1_000_000;

/** One received frame: `binary` tells the frame type, `data` is the decoded value. */
export interface Frame {
  binary: boolean;
  data: any;
}

export interface ErrorObject {
  code: number;
  message: string;
  data?: any;
}

function decode(data: WebSocket.RawData, binary: boolean): Frame {
  const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
  return { binary, data: binary ? unpack(buffer) : JSON.parse(buffer.toString('utf8')) };
}

export function encode(value: unknown, encoding: Encoding): string | Buffer {
  return encoding === 'json' ? JSON.stringify(value) : pack(value);
}

/** get(sku) narrowed to the SKU view; fails the test on a refusal. */
export async function viewOf(engine: Engine, sku: string): Promise<SkuView> {
  const view = await engine.get(sku);
  if (!view.ok) expect.fail(`get(${sku}) was refused: ${JSON.stringify(view)}`);
  return view;
}

/** Polls `condition` until it holds; fails with `what` after `timeoutMs` (a guard, not a timing assertion). */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5_000,
  intervalMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** A token's digest as a token file stores it: SHA-256, hex. */
export function digestOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function withDeadline<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface ConnectOptions {
  /** Sent as `Authorization: Bearer <token>`; null sends no Authorization header. Default TOKEN. */
  token?: string | null;
  headers?: Record<string, string>;
  protocols?: string[];
  ws?: WebSocket.ClientOptions;
}

/** A raw WebSocket client: every frame it sends is under the test's control. */
export class RawClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  closeEvent: { code: number; reason: string } | undefined;
  private readonly listeners = new Set<(frame: Frame) => void>();
  /** Ids of calls made through call(): numbers far from the small ids tests choose themselves. */
  private nextId = 1_000_001;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const frame = decode(data, isBinary);
      this.frames.push(frame);
      for (const listener of [...this.listeners]) listener(frame);
    });
    ws.on('error', () => {});
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeEvent = { code, reason: reason.toString() };
        resolve(this.closeEvent);
      });
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends a value as a text (JSON) or binary (msgpack) frame. */
  send(value: unknown, encoding: Encoding = 'json'): void {
    this.ws.send(encode(value, encoding));
  }

  sendText(text: string): void {
    this.ws.send(text, { binary: false });
  }

  sendBinary(bytes: Buffer): void {
    this.ws.send(bytes, { binary: true });
  }

  /** The first frame (received from index `from` on) that satisfies `predicate`, waiting for it if need be. */
  waitFor(
    predicate: (frame: Frame) => boolean,
    what: string,
    options: { from?: number; timeoutMs?: number } = {},
  ): Promise<Frame> {
    const from = options.from ?? 0;
    for (let i = from; i < this.frames.length; i++)
      if (predicate(this.frames[i])) return Promise.resolve(this.frames[i]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        const last = this.frames.slice(-3).map((frame) => JSON.stringify(frame.data)?.slice(0, 300));
        reject(
          new Error(
            `timed out waiting for ${what} (${this.frames.length} frames ` +
              `received; last: ${last.join(' | ')}; open: ${this.isOpen})`,
          ),
        );
      }, options.timeoutMs ?? 5_000);
      const listener = (frame: Frame) => {
        if (!predicate(frame)) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(frame);
      };
      this.listeners.add(listener);
    });
  }

  /** The response (a single object, not a batch) with this id. */
  response(id: unknown, timeoutMs?: number, from = 0): Promise<Frame> {
    return this.waitFor(
      (frame) => isResponse(frame.data) && frame.data.id === id,
      `the response to id ${JSON.stringify(id)}`,
      { timeoutMs, from },
    );
  }

  /** Sends a raw text or binary frame and resolves with the next frame received after it. */
  async sendAndNext(payload: string | Buffer, timeoutMs?: number): Promise<Frame> {
    const from = this.frames.length;
    if (typeof payload === 'string') this.sendText(payload);
    else this.sendBinary(payload);
    return this.waitFor(
      () => true,
      `an answer to ${String(typeof payload === 'string' ? payload.slice(0, 80) : 'a binary frame')}`,
      { from, timeoutMs },
    );
  }

  /** Like sendAndNext, for a value encoded as given. */
  async sendValueAndNext(value: unknown, encoding: Encoding, timeoutMs?: number): Promise<Frame> {
    return this.sendAndNext(encode(value, encoding), timeoutMs);
  }

  newId(): number {
    return this.nextId++;
  }

  /** Sends one request (a fresh numeric id unless given) and resolves with its response frame. */
  async call(
    method: string,
    params?: unknown,
    encoding: Encoding = 'json',
    id: string | number = this.newId(),
  ): Promise<Frame> {
    const request: Record<string, unknown> = { jsonrpc: '2.0', id, method };
    if (params !== undefined) request.params = params;
    const answer = this.response(id, undefined, this.frames.length);
    this.send(request, encoding);
    return answer;
  }

  /** Sends one request and returns its `result`, failing the test on a JSON-RPC error. */
  async result(method: string, params?: unknown, encoding: Encoding = 'json'): Promise<any> {
    const frame = await this.call(method, params, encoding);
    expect(frame.data.error, `${method} ${JSON.stringify(params)?.slice(0, 200)} answered an error`).toBeUndefined();
    return frame.data.result;
  }

  /** Availability notifications received so far (from index `from`). */
  notifications(from = 0): Array<{ binary: boolean; params: any }> {
    return this.frames
      .slice(from)
      .filter((frame) => !Array.isArray(frame.data) && frame.data?.method === 'availability')
      .map((frame) => ({ binary: frame.binary, params: frame.data.params }));
  }

  /** Stops reading the socket (the kernel buffers fill, the server's outgoing buffer grows). */
  pauseReading(): void {
    (this.ws as unknown as { _socket: import('node:net').Socket })._socket.pause();
  }

  resumeReading(): void {
    (this.ws as unknown as { _socket: import('node:net').Socket })._socket.resume();
  }
}

export function isResponse(value: any): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    'id' in value &&
    ('result' in value || 'error' in value)
  );
}

/** Asserts a JSON-RPC error response with `code` and returns its error object. */
export function expectRpcError(frame: Frame, code: number, what: string, id?: unknown): ErrorObject {
  const response = frame.data;
  expect(Array.isArray(response), `${what}: a single response, got ${JSON.stringify(response)?.slice(0, 300)}`).toBe(
    false,
  );
  expect(response?.jsonrpc, `${what}: jsonrpc`).toBe('2.0');
  expect(response?.error?.code, `${what}: error code in ${JSON.stringify(response)?.slice(0, 300)}`).toBe(code);
  expect(typeof response.error.message, `${what}: error.message`).toBe('string');
  expect('result' in response, `${what}: no result next to an error`).toBe(false);
  if (id !== undefined) expect(response.id, `${what}: id`).toEqual(id);
  return response.error as ErrorObject;
}

export type Attempt =
  | { kind: 'open'; client: RawClient }
  | { kind: 'status'; status: number; body: string }
  | { kind: 'error'; error: Error & { code?: string } };

/** Tries to connect: resolves with the open client, the HTTP status of a refused upgrade, or the socket error. */
export function attempt(url: string, options: ConnectOptions = {}): Promise<Attempt> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  const token = options.token === undefined ? TOKEN : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const ws = new WebSocket(url, options.protocols ?? [], { ...(options.ws ?? {}), headers });
  return new Promise((resolve) => {
    let settled = false;
    const settle = (value: Attempt) => {
      if (settled) return;
      settled = true;
      resolve(value);
    };
    const client = new RawClient(ws);
    ws.on('open', () => settle({ kind: 'open', client }));
    ws.on('unexpected-response', (request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => {
        settle({ kind: 'status', status: response.statusCode ?? 0, body });
        request.destroy();
      });
      response.on('error', () => settle({ kind: 'status', status: response.statusCode ?? 0, body }));
    });
    ws.on('error', (error) => settle({ kind: 'error', error }));
  });
}

/** Connects or fails the test. */
export async function openRaw(url: string, options: ConnectOptions = {}): Promise<RawClient> {
  const result = await attempt(url, options);
  if (result.kind !== 'open') {
    expect.fail(
      `connecting to ${url} failed: ` +
        `${result.kind === 'status' ? `HTTP ${result.status} ${result.body}` : result.error.message}`,
    );
  }
  return result.client;
}

export function httpUrl(gateway: { url: string }, path: string): string {
  return gateway.url.replace(/^ws/, 'http').replace(/\/$/, '') + path;
}

/** The samples of one metric in Prometheus text format. */
export function metricSamples(text: string, name: string): Array<{ labels: Record<string, string>; value: number }> {
  const samples: Array<{ labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (match === null || match[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[label[1]] = label[2];
    samples.push({ labels, value: Number(match[3]) });
  }
  return samples;
}

/** Sum of the samples of `name` whose labels include `labels`. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  return metricSamples(text, name)
    .filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}

export async function fetchMetrics(gateway: { url: string }): Promise<string> {
  const response = await fetch(httpUrl(gateway, '/metrics'));
  expect(response.status, '/metrics status').toBe(200);
  return response.text();
}

/**
 * An engine whose answers can be withheld: each call is applied by the inner engine at once,
 * but while its method is held the answer waits until release(). Keeps requests in flight.
 */
export interface Gate {
  readonly engine: Engine;
  hold(methods: readonly string[]): void;
  /** Answers everything withheld and stops holding. */
  release(): void;
  /** Answers currently withheld. */
  held(): number;
  heldMax(): number;
  calls(method?: string): number;
}

export function gateEngine(inner: Engine): Gate {
  const counts = new Map<string, number>();
  let holding = new Set<string>();
  const waiting: Array<() => void> = [];
  let heldNow = 0;
  let heldMax = 0;
  function run<T>(name: string, apply: () => Promise<T>): Promise<T> {
    counts.set(name, (counts.get(name) ?? 0) + 1);
    const result = apply();
    if (!holding.has(name)) return result;
    heldNow++;
    heldMax = Math.max(heldMax, heldNow);
    return new Promise<T>((resolve) => {
      waiting.push(() => {
        heldNow--;
        resolve(result);
      });
    });
  }
  const engine: Engine = {
    receive: (request) => run('receive', () => inner.receive(request)),
    adjust: (request) => run('adjust', () => inner.adjust(request)),
    reserve: (request) => run('reserve', () => inner.reserve(request)),
    commit: (id) => run('commit', () => inner.commit(id)),
    fulfil: (id, lines) => run('fulfil', () => (lines === undefined ? inner.fulfil(id) : inner.fulfil(id, lines))),
    release: (id) => run('release', () => inner.release(id)),
    getReservation: (id) => run('getReservation', () => inner.getReservation(id)),
    get: (sku) => run('get', () => inner.get(sku)),
    freeze: (request) => run('freeze', () => inner.freeze(request)),
    restock: (request) => run('restock', () => inner.restock(request)),
    transfer: (request) => run('transfer', () => inner.transfer(request)),
    receiveTransfer: (request) => run('receiveTransfer', () => inner.receiveTransfer(request)),
    unfreeze: (sku) => run('unfreeze', () => inner.unfreeze(sku)),
    sync: (request) => run('sync', () => inner.sync(request)),
    syncMany: (requests) => run('syncMany', () => inner.syncMany(requests)),
    setPolicy: (request) => run('setPolicy', () => inner.setPolicy(request)),
    batch: (ops) => run('batch', () => inner.batch(ops)),
    reserveMany: (requests) => run('reserveMany', () => inner.reserveMany(requests)),
    commitMany: (ids) => run('commitMany', () => inner.commitMany(ids)),
    releaseMany: (ids) => run('releaseMany', () => inner.releaseMany(ids)),
    fulfilMany: (ids) => run('fulfilMany', () => inner.fulfilMany(ids)),
    expireDue: () => run('expireDue', () => inner.expireDue()),
    subscribe: (skus, listener) => inner.subscribe(skus, listener),
    stats: () => inner.stats(),
    close: () => inner.close(),
  };
  return {
    engine,
    hold(methods) {
      holding = new Set(methods);
    },
    release() {
      holding = new Set();
      for (const answer of waiting.splice(0)) answer();
    },
    held: () => heldNow,
    heldMax: () => heldMax,
    calls: (method) =>
      method === undefined ? [...counts.values()].reduce((sum, n) => sum + n, 0) : (counts.get(method) ?? 0),
  };
}

/**
 * Starts engines (shards 0, no expiry sweep unless told), gateways (port 0, TOKEN) and raw
 * clients, and after each test releases every gate, terminates the clients, closes the
 * gateways (close() must resolve: a hang fails the test) and then the engines.
 */
export function gatewayHarness() {
  const engines: Engine[] = [];
  const gateways: Gateway[] = [];
  const clients: RawClient[] = [];
  const gates: Gate[] = [];
  afterEach(async () => {
    for (const gate of gates.splice(0)) gate.release();
    for (const client of clients.splice(0)) client.ws.terminate();
    const closing = gateways
      .splice(0)
      .map((gateway) => withDeadline(gateway.close(), 10_000, 'gateway.close() after the test'));
    const outcomes = await Promise.allSettled(closing);
    await Promise.all(engines.splice(0).map((engine) => engine.close()));
    for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
  });
  return {
    async engine(options: EngineOptions = {}): Promise<Engine> {
      const engine = await createEngine({ shards: 0, expirySweepIntervalMs: 0, ...options } as EngineOptions);
      engines.push(engine);
      return engine;
    },
    gate(inner: Engine): Gate {
      const gate = gateEngine(inner);
      gates.push(gate);
      return gate;
    },
    async gateway(engine: Engine, options: Partial<GatewayOptions> = {}): Promise<Gateway> {
      const gateway = await startGateway({ engine, port: 0, token: TOKEN, ...options } as GatewayOptions);
      gateways.push(gateway);
      return gateway;
    },
    /** Registers a gateway started elsewhere: closed after the test. */
    adopt(gateway: Gateway): Gateway {
      gateways.push(gateway);
      return gateway;
    },
    /** Closes a gateway now (the test's own close: not closed again after the test). */
    close(gateway: Gateway): ReturnType<Gateway['close']> {
      const index = gateways.indexOf(gateway);
      if (index >= 0) gateways.splice(index, 1);
      return gateway.close();
    },
    async raw(url: string, options: ConnectOptions = {}): Promise<RawClient> {
      const client = await openRaw(url, options);
      clients.push(client);
      return client;
    },
    async attempt(url: string, options: ConnectOptions = {}): Promise<Attempt> {
      const result = await attempt(url, options);
      if (result.kind === 'open') clients.push(result.client);
      return result;
    },
  };
}

/** The embedded call a gateway method stands for (spec: "params → embedded call"). */
export function callEmbedded(engine: Engine, method: string, params: any): Promise<unknown> {
  switch (method) {
    case 'commit':
    case 'release':
    case 'getReservation':
      return engine[method](params.id);
    case 'fulfil':
      return params.lines === undefined ? engine.fulfil(params.id) : engine.fulfil(params.id, params.lines);
    case 'get':
    case 'unfreeze':
      return engine[method](params.sku);
    case 'syncMany':
      return engine.syncMany(params.requests);
    case 'batch':
      return engine.batch(params.ops);
    case 'expireDue':
      return engine.expireDue();
    case 'stats':
      return Promise.resolve(engine.stats());
    default:
      return (engine as unknown as Record<string, (request: unknown) => Promise<unknown>>)[method](params);
  }
}

/** Stats minus the latency figures (wall-clock measurements that differ between two engines). */
export function comparable(method: string, value: any): any {
  if (method !== 'stats' || typeof value !== 'object' || value === null || !Array.isArray(value.shards)) return value;
  return {
    ...value,
    shards: value.shards.map((shard: any) => ({ ...shard, latency: { count: shard.latency?.count } })),
  };
}

export interface Step {
  method: string;
  params?: any;
  /** Advance both manual clocks by this much before the step. */
  advanceMs?: number;
}

/**
 * One sequence that calls every engine method at least once, with ok answers and normal
 * refusals (SKU_FROZEN, NOT_FOUND), for an engine with locationOrder ['A', 'B'] and a manual
 * clock starting at START_MS.
 */
export const STEPS: readonly Step[] = [
  { method: 'receive', params: { sku: 'S', location: 'A', qty: 10 } },
  { method: 'receive', params: { sku: 'S', location: 'B', qty: 5 } },
  { method: 'adjust', params: { sku: 'S', location: 'A', delta: -1, reason: 'count' } },
  { method: 'setPolicy', params: { sku: 'S', safetyStock: 1, fences: { store: 2 } } },
  { method: 'reserve', params: { id: 'h1', channel: 'web', ttlMs: 60_000, lines: [{ sku: 'S', qty: 3 }] } },
  { method: 'reserve', params: { id: 'h1', channel: 'web', ttlMs: 60_000, lines: [{ sku: 'S', qty: 3 }] } },
  { method: 'getReservation', params: { id: 'h1' } },
  { method: 'commit', params: { id: 'h1' } },
  { method: 'fulfil', params: { id: 'h1' } },
  {
    method: 'reserve',
    params: { id: 'h2', channel: 'web', ttlMs: 60_000, lines: [{ sku: 'S', qty: 2, location: 'A' }] },
  },
  { method: 'release', params: { id: 'h2' } },
  {
    method: 'reserve',
    params: { id: 'h3', channel: 'web', ttlMs: 60_000, lines: [{ sku: 'S', qty: 2, location: 'A' }] },
  },
  { method: 'commit', params: { id: 'h3' } },
  { method: 'fulfil', params: { id: 'h3', lines: [{ sku: 'S', location: 'A', qty: 1 }] } },
  { method: 'freeze', params: { sku: 'S', reason: 'audit' } },
  { method: 'reserve', params: { id: 'h4', channel: 'web', ttlMs: 60_000, lines: [{ sku: 'S', qty: 1 }] } },
  { method: 'unfreeze', params: { sku: 'S' } },
  { method: 'restock', params: { sku: 'S', location: 'A', qty: 1, condition: 'sellable', reservationId: 'h1' } },
  { method: 'restock', params: { sku: 'S', location: 'B', qty: 1, condition: 'damaged' } },
  { method: 'transfer', params: { id: 't1', sku: 'S', from: 'A', to: 'B', qty: 2, inTransit: true } },
  { method: 'receiveTransfer', params: { sku: 'S', id: 't1' } },
  { method: 'sync', params: { sku: 'S', location: 'B', onHand: 9, asOf: START_MS - 1 } },
  {
    method: 'syncMany',
    params: {
      requests: [
        { sku: 'S', location: 'A', onHand: 7, asOf: START_MS },
        { sku: 'T', location: 'A', onHand: 4, asOf: START_MS },
      ],
    },
  },
  {
    method: 'batch',
    params: {
      ops: [
        { op: 'get', args: ['T'] },
        { op: 'reserve', args: [{ id: 'h5', channel: 'store', ttlMs: 1_000, lines: [{ sku: 'T', qty: 1 }] }] },
        { op: 'get', args: ['NOPE'] },
        { op: 'get', args: [5] },
      ],
    },
  },
  { method: 'expireDue', params: {}, advanceMs: 2_000 },
  { method: 'getReservation', params: { id: 'h5' } },
  { method: 'getReservation', params: { id: 'never-made' } },
  { method: 'get', params: { sku: 'S' } },
  { method: 'get', params: { sku: 'T' } },
  { method: 'get', params: { sku: 'NOPE' } },
  { method: 'stats', params: {} },
];

/** The fields of an availability notification (spec: Live availability). */
export const NOTIFICATION_FIELDS = [
  'sku',
  'seq',
  'cause',
  'mode',
  'available',
  'onHand',
  'reserved',
  'committed',
  'shortfall',
  'inbound',
  'quarantined',
  'backordered',
  'channels',
] as const;

export function pick(value: object, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) out[key] = (value as Record<string, unknown>)[key];
  return out;
}
