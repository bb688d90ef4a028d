/**
 * The typed client's parts on their own, without a socket (engine/client/): the batcher hands
 * over one tick's calls together; planFrames splits messages into frames within the message and
 * byte limits, each message once, in order; the codec frames JSON and msgpack as any decoder
 * reads them; answers, notifications and unusable messages are told apart; every JSON-RPC error
 * maps to the engine's refusal code; only calls safe to repeat are re-sent after a reconnect;
 * backoff stays within its floor, ceiling and cap; pending calls settle once; the subscription
 * registry subscribes a SKU with its first listener and unsubscribes it with its last; and the
 * client's options get their defaults.
 */
import { unpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../engine/api/limits.js';
import { backoffDelayMs } from '../../engine/client/backoff.js';
import { fitsInFrame, planFrames, type FrameLimits } from '../../engine/client/frame-plan.js';
import { TurnQueue } from '../../engine/client/turn-queue.js';
import { decodeFrame, encodeMessage, joinFrame, msgpackArrayHeader } from '../../engine/client/codec.js';
import { resolveClientOptions } from '../../engine/client/options.js';
import { PendingCalls } from '../../engine/client/pending.js';
import { classify, messagesOf, requestOf } from '../../engine/client/protocol.js';
import { clientRefusal, refusalOfRpcError } from '../../engine/client/refusals.js';
import { isSafeToResend, UNSAFE_METHODS } from '../../engine/client/retry-policy.js';
import { chunkSkus, SubscriptionRegistry, type AvailabilityEvent } from '../../engine/client/subscriptions.js';

/** A scheduler the test runs by hand: what one "tick" collected is flushed on run(). */
function manualScheduler(): { schedule: (task: () => void) => void; run: () => void; scheduled: () => number } {
  let tasks: (() => void)[] = [];
  return {
    schedule: (task) => {
      tasks.push(task);
    },
    run: () => {
      const due = tasks;
      tasks = [];
      for (const task of due) task();
    },
    scheduled: () => tasks.length,
  };
}

describe('turn queue', () => {
  it('hands over the items of one tick together, in order, with one scheduled flush', () => {
    const flushed: number[][] = [];
    const clock = manualScheduler();
    const batcher = new TurnQueue<number>((items) => flushed.push(items), clock.schedule);
    batcher.add(1);
    batcher.add(2);
    batcher.add(3);
    expect(clock.scheduled()).toBe(1);
    clock.run();
    batcher.add(4);
    clock.run();
    expect(flushed).toEqual([[1, 2, 3], [4]]);
  });

  it('wake() flushes with nothing added, and flush() now leaves the scheduled flush empty', () => {
    const flushed: number[][] = [];
    const clock = manualScheduler();
    const batcher = new TurnQueue<number>((items) => flushed.push(items), clock.schedule);
    batcher.wake();
    clock.run();
    batcher.add(1);
    batcher.flush();
    clock.run();
    expect(flushed).toEqual([[], [1], []]);
  });

  it('flushes on the next turn of the event loop by default', async () => {
    const flushed: number[][] = [];
    const batcher = new TurnQueue<number>((items) => flushed.push(items));
    batcher.add(1);
    await Promise.resolve();
    batcher.add(2);
    expect(flushed).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(flushed).toEqual([[1, 2]]);
  });
});

describe('planFrames', () => {
  const limits: FrameLimits = { maxMessages: 3, maxBytes: 100, frameOverhead: 3, messageOverhead: 1 };

  it('keeps everything in one frame when it fits', () => {
    expect(planFrames([10, 10, 10], limits)).toEqual([[0, 3]]);
    expect(planFrames([], limits)).toEqual([]);
  });

  it('splits at the message limit', () => {
    expect(planFrames([1, 1, 1, 1, 1, 1, 1], limits)).toEqual([
      [0, 3],
      [3, 6],
      [6, 7],
    ]);
  });

  it('splits at the byte limit, overheads included', () => {
    // 3 + (48 + 1) + (48 + 1) = 101 > 100: the second message opens a new frame.
    expect(planFrames([48, 48], limits)).toEqual([
      [0, 1],
      [1, 2],
    ]);
    expect(planFrames([47, 48], limits)).toEqual([[0, 2]]);
  });

  it('covers every message exactly once, in order, within the limits', () => {
    const sizes = Array.from({ length: 500 }, (_, index) => (index * 37) % 90);
    const frames = planFrames(sizes, limits);
    expect(frames.flatMap(([start, end]) => Array.from({ length: end - start }, (_, k) => start + k))).toEqual(
      sizes.map((_, i) => i),
    );
    for (const [start, end] of frames) {
      expect(end - start).toBeLessThanOrEqual(limits.maxMessages);
      const bytes =
        limits.frameOverhead + sizes.slice(start, end).reduce((sum, size) => sum + size + limits.messageOverhead, 0);
      expect(bytes).toBeLessThanOrEqual(limits.maxBytes);
    }
  });

  it('tells a message too big for any frame', () => {
    expect(fitsInFrame(96, limits)).toBe(true);
    expect(fitsInFrame(97, limits)).toBe(false);
  });
});

describe('codec', () => {
  const messages = [requestOf(1, 'get', { sku: 'A' }), requestOf(2, 'commit', { id: 'r1' }), requestOf(3, 'stats', {})];

  it('sends a single message as an object and several as a batch array (JSON)', () => {
    const parts = messages.map((message) => encodeMessage(message, 'json'));
    expect(JSON.parse(joinFrame(parts.slice(0, 1), 'json') as string)).toEqual(messages[0]);
    expect(JSON.parse(joinFrame(parts, 'json') as string)).toEqual(messages);
  });

  it('joins msgpack messages under an array header that any decoder reads', () => {
    const parts = messages.map((message) => encodeMessage(message, 'msgpack'));
    expect(unpack(joinFrame(parts.slice(0, 1), 'msgpack') as Buffer)).toEqual(messages[0]);
    expect(unpack(joinFrame(parts, 'msgpack') as Buffer)).toEqual(messages);
    const many = Array.from({ length: 300 }, (_, id) => requestOf(id, 'get', { sku: `S${id}` }));
    expect(
      unpack(
        joinFrame(
          many.map((message) => encodeMessage(message, 'msgpack')),
          'msgpack',
        ) as Buffer,
      ),
    ).toEqual(many);
  });

  it('writes fixarray, array 16 and array 32 headers', () => {
    expect([...msgpackArrayHeader(15)]).toEqual([0x9f]);
    expect([...msgpackArrayHeader(16)]).toEqual([0xdc, 0, 16]);
    expect([...msgpackArrayHeader(65_536)]).toEqual([0xdd, 0, 1, 0, 0]);
  });

  it('decodes text frames as JSON and binary frames as msgpack, in any chunking', () => {
    const packed = encodeMessage({ a: 1 }, 'msgpack') as Buffer;
    expect(decodeFrame(Buffer.from('{"a":1}'), false)).toEqual({ a: 1 });
    expect(decodeFrame(packed, true)).toEqual({ a: 1 });
    expect(decodeFrame([packed.subarray(0, 1), packed.subarray(1)], true)).toEqual({ a: 1 });
    expect(() => decodeFrame(Buffer.from('{'), false)).toThrow();
  });

  it('refuses to encode what JSON cannot carry', () => {
    expect(() => encodeMessage({ qty: 10n }, 'json')).toThrow();
  });
});

describe('protocol', () => {
  it('omits params when there are none', () => {
    expect(requestOf(7, 'stats', undefined)).toEqual({ jsonrpc: '2.0', id: 7, method: 'stats' });
  });

  it('sorts answers, notifications and unusable messages', () => {
    expect(classify({ jsonrpc: '2.0', id: 1, result: { ok: true } })).toEqual({
      kind: 'result',
      id: 1,
      result: { ok: true },
    });
    expect(classify({ jsonrpc: '2.0', id: 2, error: { code: -32601, message: 'm' } }).kind).toBe('error');
    expect(classify({ jsonrpc: '2.0', method: 'availability', params: { sku: 'A' } })).toEqual({
      kind: 'notification',
      method: 'availability',
      params: { sku: 'A' },
    });
    expect(classify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'bad' } })).toEqual({
      kind: 'invalid',
      reason: 'an error for no request (id null): -32700 bad',
    });
    expect(classify(42).kind).toBe('invalid');
    expect(classify({ jsonrpc: '2.0', id: 3 }).kind).toBe('invalid');
    expect(messagesOf([1, 2])).toEqual([1, 2]);
    expect(messagesOf({ a: 1 })).toEqual([{ a: 1 }]);
  });
});

describe('error mapping', () => {
  it('-32001 is OVERLOADED with the gateway retryAfterMs', () => {
    expect(refusalOfRpcError({ code: -32001, message: 'busy', data: { retryAfterMs: 25 } })).toEqual({
      ok: false,
      error: { code: 'OVERLOADED', message: 'busy', retryAfterMs: 25 },
    });
    expect(refusalOfRpcError({ code: -32001, message: 'busy' }).error.retryAfterMs).toBe(10);
  });

  it('-32003 is FORBIDDEN (the token does not allow the call; nothing changed)', () => {
    expect(
      refusalOfRpcError({ code: -32003, message: "token 'amazon' may not call adjust: it needs the stock scope" }),
    ).toEqual({
      ok: false,
      error: { code: 'FORBIDDEN', message: "token 'amazon' may not call adjust: it needs the stock scope" },
    });
  });

  it('-32002 is CLOSED', () => {
    expect(refusalOfRpcError({ code: -32002, message: 'the server is shutting down' })).toEqual({
      ok: false,
      error: { code: 'CLOSED', message: 'the server is shutting down' },
    });
  });

  it("-32602 is the engine's INVALID_ARGUMENT from data, else one made of the message", () => {
    expect(
      refusalOfRpcError({
        code: -32602,
        message: 'qty: bad',
        data: { code: 'INVALID_ARGUMENT', message: 'qty: must be positive, got -1' },
      }),
    ).toEqual({ ok: false, error: { code: 'INVALID_ARGUMENT', message: 'qty: must be positive, got -1' } });
    expect(refusalOfRpcError({ code: -32602, message: 'params must be an object (by name)' })).toEqual({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message: 'params must be an object (by name)' },
    });
  });

  it.each([-32600, -32601, -32700])('%i is INVALID_ARGUMENT naming the code', (code) => {
    expect(refusalOfRpcError({ code, message: 'nope' })).toEqual({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message: `${code}: nope` },
    });
  });

  it('an unknown or malformed error leaves the outcome unknown', () => {
    expect(refusalOfRpcError({ code: -32603, message: 'internal' }).error.code).toBe('UNAVAILABLE');
    expect(refusalOfRpcError('garbage').error.code).toBe('UNAVAILABLE');
  });

  it("the client's own refusals", () => {
    expect(clientRefusal.lost()).toEqual({
      ok: false,
      error: { code: 'UNAVAILABLE', message: 'connection lost before the answer; the outcome is unknown' },
    });
    expect(clientRefusal.overloaded(5).error).toMatchObject({ code: 'OVERLOADED', retryAfterMs: 10 });
    expect(clientRefusal.closed().error.code).toBe('CLOSED');
  });
});

describe('retry policy', () => {
  it.each([
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
    'unfreeze',
    'subscribe',
    'unsubscribe',
    'expireDue',
    'stats',
  ])('%s is re-sent after a reconnect', (method) => {
    expect(isSafeToResend(method, {})).toBe(true);
  });

  it.each([...UNSAFE_METHODS, 'somethingNew'])('%s is not', (method) => {
    expect(isSafeToResend(method, {})).toBe(false);
  });

  it('fulfil is safe for the whole hold only', () => {
    expect(isSafeToResend('fulfil', { id: 'r1' })).toBe(true);
    expect(isSafeToResend('fulfil', { id: 'r1', lines: [{ sku: 'A', location: 'L', qty: 1 }] })).toBe(false);
  });
});

describe('backoff', () => {
  it('starts at the floor, doubles its ceiling per attempt and stays within the cap', () => {
    expect(backoffDelayMs(0, 50, 5000, () => 0)).toBe(50);
    expect(backoffDelayMs(0, 50, 5000, () => 1)).toBe(100);
    expect(backoffDelayMs(3, 50, 5000, () => 1)).toBe(800);
    expect(backoffDelayMs(20, 50, 5000, () => 1)).toBe(5000);
    expect(backoffDelayMs(1000, 50, 5000, () => 0.5)).toBe(2525);
    expect(backoffDelayMs(4, 0, 100, () => 1)).toBe(32);
    expect(backoffDelayMs(2, 70, 70, () => 1)).toBe(70);
  });

  it('jitters within [min, ceiling]', () => {
    for (let attempt = 0; attempt < 40; attempt++) {
      const delay = backoffDelayMs(attempt, 50, 5000);
      expect(delay).toBeGreaterThanOrEqual(50);
      expect(delay).toBeLessThanOrEqual(5000);
    }
  });
});

describe('pending calls', () => {
  const add = (pending: PendingCalls, internal = false, answers: unknown[] = []) =>
    pending.add({
      method: 'get',
      params: { sku: 'A' },
      safe: true,
      internal,
      settle: (answer) => answers.push(answer),
    });

  it('gives increasing ids, settles once, and knows when it is empty', async () => {
    const pending = new PendingCalls(10);
    const answers: unknown[] = [];
    const first = add(pending, false, answers);
    const second = add(pending, false, answers);
    expect(second.id).toBe(first.id + 1);
    const empty = pending.whenEmpty();
    expect(pending.settle(first.id, 'a')).toBe(true);
    expect(pending.settle(first.id, 'again')).toBe(false);
    pending.settle(second.id, 'b');
    await empty;
    expect(answers).toEqual(['a', 'b']);
    expect(pending.size).toBe(0);
  });

  it('is bounded by the user calls only', () => {
    const pending = new PendingCalls(2);
    add(pending);
    add(pending, true);
    expect(pending.isFull()).toBe(false);
    add(pending);
    expect(pending.isFull()).toBe(true);
  });

  it('lists calls by state in id order', () => {
    const pending = new PendingCalls(10);
    const calls = [add(pending), add(pending), add(pending)];
    calls[1].state = 'sent';
    expect(pending.inState('queued').map((call) => call.id)).toEqual([calls[0].id, calls[2].id]);
    expect(pending.isQueued(calls[0])).toBe(true);
    pending.settle(calls[0].id, null);
    expect(pending.isQueued(calls[0])).toBe(false);
  });
});

describe('subscription registry', () => {
  const event = (sku: string): AvailabilityEvent => ({
    sku,
    seq: 1,
    cause: 'receive',
    mode: 'active',
    channels: { '*': 1 },
    onHand: 1,
    reserved: 0,
    committed: 0,
    available: 1,
    shortfall: 0,
    inbound: 0,
    quarantined: 0,
    backordered: 0,
  });

  it('subscribes a SKU with its first listener and unsubscribes it with its last', () => {
    const registry = new SubscriptionRegistry();
    const one = registry.add(['A', 'B'], () => {});
    expect(registry.takeChanges()).toEqual({ subscribe: ['A', 'B'], unsubscribe: [] });
    const two = registry.add(['B', 'C'], () => {});
    expect(registry.takeChanges()).toEqual({ subscribe: ['C'], unsubscribe: [] });
    one();
    one();
    expect(registry.takeChanges()).toEqual({ subscribe: [], unsubscribe: ['A'] });
    two();
    expect(registry.takeChanges()).toEqual({ subscribe: [], unsubscribe: ['B', 'C'] });
    expect(registry.hasChanges()).toBe(false);
  });

  it('a subscribe and an unsubscribe of one SKU within a flush cancel out', () => {
    const registry = new SubscriptionRegistry();
    registry.add(['A'], () => {})();
    expect(registry.hasChanges()).toBe(false);
    const off = registry.add(['B'], () => {});
    registry.takeChanges();
    off();
    registry.add(['B'], () => {});
    expect(registry.hasChanges()).toBe(false);
  });

  it('after a reconnect, every SKU that still has listeners is subscribed again', () => {
    const registry = new SubscriptionRegistry();
    registry.add(['A', 'B'], () => {});
    registry.add(['C'], () => {})();
    registry.takeChanges();
    registry.resetConnection();
    expect(registry.takeChanges()).toEqual({ subscribe: ['A', 'B'], unsubscribe: [] });
  });

  it('dispatches to the listeners of the SKU; a throwing listener does not stop the others', () => {
    const registry = new SubscriptionRegistry();
    const seen: string[] = [];
    const errors: unknown[] = [];
    registry.add(['A'], () => {
      throw new Error('boom');
    });
    registry.add(['A', 'B'], (change) => seen.push(change.sku));
    registry.dispatch(event('A'), (error) => errors.push(error));
    registry.dispatch(event('B'), (error) => errors.push(error));
    registry.dispatch(event('Z'), (error) => errors.push(error));
    expect(seen).toEqual(['A', 'B']);
    expect(errors).toHaveLength(1);
  });

  it('the same listener subscribed twice stays until both unsubscribe', () => {
    const registry = new SubscriptionRegistry();
    const seen: string[] = [];
    const listener = (change: AvailabilityEvent) => seen.push(change.sku);
    const first = registry.add(['A'], listener);
    const second = registry.add(['A'], listener);
    first();
    registry.dispatch(event('A'), () => {});
    second();
    registry.dispatch(event('A'), () => {});
    expect(seen).toEqual(['A']);
  });

  it('throws INVALID_ARGUMENT on bad arguments, like the engine', () => {
    const registry = new SubscriptionRegistry();
    expect(() => registry.add([], () => {})).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => registry.add('*' as unknown as string[], () => {})).toThrow(/skus/);
    expect(() => registry.add([''], () => {})).toThrow(/skus\[0\]/);
    expect(() => registry.add(['A'], 'nope' as never)).toThrow(/listener/);
  });

  it('splits long SKU lists into requests the gateway accepts', () => {
    const skus = Array.from({ length: LIMITS.skusPerSubscriptionMax + 1 }, (_, i) => `S${i}`);
    expect(chunkSkus(skus).map((chunk) => chunk.length)).toEqual([LIMITS.skusPerSubscriptionMax, 1]);
    expect(chunkSkus([])).toEqual([]);
  });
});

describe('client options', () => {
  it('fills the defaults', () => {
    expect(resolveClientOptions({ url: 'ws://127.0.0.1:7070', token: 't' })).toEqual({
      url: 'ws://127.0.0.1:7070',
      token: 't',
      ca: null,
      encoding: 'msgpack',
      reconnect: true,
      reconnectDelayMsMin: 50,
      reconnectDelayMsMax: 5000,
      maxPending: 65_536,
      requestTimeoutMs: null,
      maxFrameBytes: 1_048_576,
      onEvent: null,
    });
  });

  it.each([
    [null, /options/],
    [{ token: 't' }, /url/],
    [{ url: 'http://x', token: 't' }, /url/],
    [{ url: 'not a url', token: 't' }, /url/],
    [{ url: 'ws://x' }, /token/],
    [{ url: 'ws://x', token: 'a b' }, /token/],
    [{ url: 'ws://x', token: 'a\r\nX-Evil: 1' }, /token/],
    [{ url: 'ws://x', token: 't', encoding: 'xml' }, /encoding/],
    [{ url: 'ws://x', token: 't', reconnect: 'yes' }, /reconnect/],
    [{ url: 'ws://x', token: 't', reconnectDelayMsMin: -1 }, /reconnectDelayMsMin/],
    [{ url: 'ws://x', token: 't', reconnectDelayMsMin: 100, reconnectDelayMsMax: 10 }, /reconnectDelayMsMax/],
    [{ url: 'ws://x', token: 't', maxPending: 0 }, /maxPending/],
    [{ url: 'ws://x', token: 't', maxPending: 1.5 }, /maxPending/],
    [{ url: 'ws://x', token: 't', requestTimeoutMs: 0 }, /requestTimeoutMs/],
    [{ url: 'ws://x', token: 't', onEvent: 1 }, /onEvent/],
    [{ url: 'ws://x', token: 't', retries: 3 }, /retries: is not a known option/],
    [{ url: 'ws://x', token: 't', ca: '-----BEGIN CERTIFICATE-----' }, /ca: is only for a wss:\/\/ url/],
    [{ url: 'wss://x', token: 't', ca: 'not pem' }, /ca: must be PEM/],
    [{ url: 'wss://x', token: 't', ca: [] }, /ca: must be 1 to 100/],
  ])('refuses %j', (options, message) => {
    expect(() => resolveClientOptions(options)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(message) }),
    );
  });
});
